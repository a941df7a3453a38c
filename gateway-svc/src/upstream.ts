import { Agent, request } from 'undici';
import { wrap, type IPolicy } from 'cockatiel';
import { counter, gauge, histogram, type Logger, type Registry } from '@ftlab/shared';
import { createBreaker, isBreakerRejection, type BreakerOptions } from './policies/breaker';
import { breakerGaugeValue, type BreakerStateName } from './policies/breaker-state';
import { createBulkhead, isBulkheadRejection } from './policies/bulkhead';
import { createReadRetry } from './policies/retry';
import { createTimeout, isTimeout } from './policies/timeout';
import { UpstreamError, type UpstreamReply } from './upstream-error';

export type UpstreamName = 'voter' | 'orders';
export type Unavailable = 'bulkhead_full' | 'breaker_open' | 'timeout' | 'unreachable';

/** Every call ends in a reply (any status, 5xx included) or in a reason there is none. */
export type UpstreamOutcome = { kind: 'reply'; reply: UpstreamReply } | { kind: 'unavailable'; reason: Unavailable };

export interface UpstreamCall {
  method: string;
  /** Path and query, as the client sent them. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Added to the upstream's deadline: a long poll may take that long by design. */
  extraMs?: number;
}

export interface UpstreamOptions {
  name: UpstreamName;
  baseUrl: string;
  maxInFlight: number;
  queue: number;
  timeoutMs: number;
  breaker: BreakerOptions;
  registry: Registry;
  logger: Logger;
}

/** Headers of the upstream's answer that mean something to the client; hop-by-hop ones are not passed. */
const PASSED_BACK = ['content-type', 'location', 'idempotent-replayed', 'retry-after'];

/**
 * One upstream behind its policies, outermost first: breaker (an open breaker refuses before a
 * slot is taken), bulkhead, one retry for idempotent reads, and a deadline per attempt.
 */
export class Upstream {
  private readonly agent: Agent;
  private readonly breaker;
  private readonly bulkhead;
  private readonly retry = createReadRetry();
  private state: BreakerStateName = 'closed';
  private opensSoFar = 0;
  private readonly outcomes;
  private readonly duration;

  constructor(private readonly opts: UpstreamOptions) {
    const { registry, name } = opts;
    // More sockets than slots: a timed-out call's socket is being closed while its slot is reused.
    this.agent = new Agent({ connections: opts.maxInFlight * 2, keepAliveTimeout: 30_000, pipelining: 1 });
    this.bulkhead = createBulkhead(opts.maxInFlight, opts.queue);
    this.outcomes = counter(registry, 'gateway_upstream_outcomes_total', 'Calls to an upstream by outcome (reply_2xx/3xx/4xx/5xx, bulkhead_full, breaker_open, timeout, unreachable)', ['upstream', 'outcome']);
    this.duration = histogram(registry, 'gateway_upstream_duration_seconds', 'Time from a call entering the upstream policies to its outcome', ['upstream', 'outcome']);
    const opens = counter(registry, 'gateway_breaker_opens_total', 'Times a breaker opened', ['upstream']);
    const stateGauge = gauge(registry, 'gateway_breaker_state', 'Breaker state: 0 closed, 1 open, 2 half-open, 3 isolated', ['upstream']);
    stateGauge.set({ upstream: name }, 0);
    this.breaker = createBreaker(opts.breaker, (state) => {
      this.state = state;
      stateGauge.set({ upstream: name }, breakerGaugeValue(state));
      if (state === 'open') {
        opens.inc({ upstream: name });
        this.opensSoFar += 1;
      }
      opts.logger.warn({ upstream: name, breaker: state }, `breaker to ${name} is ${state}`);
    });
    const retries = counter(registry, 'gateway_upstream_retries_total', 'Reads asked again after finding nobody listening', ['upstream']);
    this.retry.onRetry(() => retries.inc({ upstream: name }));
  }

  inFlight(): number {
    return this.bulkhead.inFlight();
  }

  queued(): number {
    return this.bulkhead.queued();
  }

  breakerState(): BreakerStateName {
    return this.state;
  }

  /** What the dashboard shows of this upstream. */
  stats(): { breaker: BreakerStateName; breaker_opens: number; in_flight: number; queued: number; max_in_flight: number } {
    return { breaker: this.state, breaker_opens: this.opensSoFar, in_flight: this.inFlight(), queued: this.queued(), max_in_flight: this.opts.maxInFlight };
  }

  async call(call: UpstreamCall): Promise<UpstreamOutcome> {
    const started = performance.now();
    const idempotent = call.method === 'GET' || call.method === 'HEAD';
    const policies: IPolicy[] = [this.breaker, this.bulkhead.policy, ...(idempotent ? [this.retry] : []), createTimeout(this.opts.timeoutMs + (call.extraMs ?? 0))];
    let outcome: UpstreamOutcome;
    try {
      // A parent signal of its own per call: without one, cockatiel hangs every concurrent call's
      // abort listener on one shared signal, and Node warns of a leak past ten calls in flight.
      const reply = await wrap(...policies).execute(({ signal }) => this.send(call, signal), new AbortController().signal);
      outcome = { kind: 'reply', reply };
    } catch (err) {
      outcome = this.classify(err);
    }
    const label = outcome.kind === 'reply' ? `reply_${Math.floor(outcome.reply.status / 100)}xx` : outcome.reason;
    this.outcomes.inc({ upstream: this.opts.name, outcome: label });
    this.duration.observe({ upstream: this.opts.name, outcome: label }, (performance.now() - started) / 1000);
    return outcome;
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  private async send(call: UpstreamCall, signal: AbortSignal): Promise<UpstreamReply> {
    let res;
    try {
      res = await request(`${this.opts.baseUrl}${call.path}`, {
        method: call.method as 'GET',
        headers: call.headers,
        body: call.body,
        dispatcher: this.agent,
        signal,
      });
    } catch (err) {
      if (signal.aborted) throw err;
      throw new UpstreamError('unreachable', (err as { code?: string }).code ?? (err as Error).message);
    }
    const body = Buffer.from(await res.body.arrayBuffer());
    const headers: Record<string, string> = {};
    for (const name of PASSED_BACK) {
      const value = res.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const reply = { status: res.statusCode, headers, body };
    if (reply.status >= 500) throw new UpstreamError('status', `${this.opts.name} answered ${reply.status}`, reply);
    return reply;
  }

  private classify(err: unknown): UpstreamOutcome {
    if (err instanceof UpstreamError && err.reply) return { kind: 'reply', reply: err.reply };
    if (err instanceof UpstreamError) return { kind: 'unavailable', reason: 'unreachable' };
    if (isBreakerRejection(err)) return { kind: 'unavailable', reason: 'breaker_open' };
    if (isBulkheadRejection(err)) return { kind: 'unavailable', reason: 'bulkhead_full' };
    if (isTimeout(err)) return { kind: 'unavailable', reason: 'timeout' };
    this.opts.logger.error({ err, upstream: this.opts.name }, 'unexpected upstream failure');
    return { kind: 'unavailable', reason: 'unreachable' };
  }
}
