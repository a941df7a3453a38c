import { setTimeout as sleep } from 'node:timers/promises';
import { counter, histogram, replicaErrorReportEvent, type Logger, type Registry, type ReplicaErrorReport, type ReplicaId, type StockView } from '@ftlab/shared';
import { fanOut } from './fan-out';
import type { Membership } from './membership';
import { askAll, askProduct, failedAnswer, type Reply } from './replica-client';
import { nextAttempt, type RetryAdvice } from './retry-policy';
import { stragglerAfterMs } from './straggler';
import type { VoteCounters } from './stats';
import { classify, decide, quorumDetails, type Decision, type ReplicaAnswer } from './vote';

export interface VoterDeps {
  membership: Pick<Membership, 'replicasToAsk'>;
  urls: Record<ReplicaId, string>;
  /** Per-replica deadline of one round of calls. */
  timeoutMs: number;
  /** Rounds after the first (see retry-policy.ts) must end within this time of the client's request. */
  deadlineMs: number;
  /** Publishes a report on the error topic (rate-limited by the caller). */
  report: (report: ReplicaErrorReport) => void;
  stats: VoteCounters;
  registry: Registry;
  logger: Logger;
}

export interface VoteOutcome {
  status: 200 | 404 | 503;
  body: Record<string, unknown>;
}

type ReadResult = 'agreed' | 'not_found' | 'no_quorum';
const resultOf = (d: Decision): ReadResult => (d.status !== 'agreed' ? 'no_quorum' : d.value === null ? 'not_found' : 'agreed');

/**
 * Answers reads with the 2-of-3 majority. It asks the ON replicas at once, answers as soon as two
 * agree, then still looks at the late answer: a replica that lies but is slower would otherwise
 * never be caught. Outliers (a different value at the same log position) and failed calls are
 * reported on the error topic, where the monitor treats them as evidence.
 */
export class Voter {
  private readonly requests;
  private readonly outliers;
  private readonly answers;
  private readonly fanoutSeconds;
  private readonly retries;
  private readonly stragglers;

  constructor(private readonly deps: VoterDeps) {
    const r = deps.registry;
    this.requests = counter(r, 'voter_requests_total', 'Reads answered, by result (agreed, not_found, no_quorum)', ['result']);
    this.outliers = counter(r, 'voter_outliers_total', 'Answers that differed from the majority at the same log position', ['instance_id']);
    this.answers = counter(r, 'voter_replica_answers_total', 'Replica answers by verdict (agrees, lagging, outlier, failed)', ['instance_id', 'verdict']);
    this.fanoutSeconds = histogram(r, 'voter_fanout_duration_seconds', 'Time from fan-out to the majority answer', ['result'], [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]);
    this.retries = counter(r, 'voter_retries_total', 'Rounds asked again after no quorum, by reason (lagging, failed)', ['reason']);
    this.stragglers = counter(r, 'voter_stragglers_total', 'Replicas reported as still silent well after their peers answered (straggler.ts)', ['instance_id']);
  }

  async readProduct(productId: string): Promise<VoteOutcome> {
    const started = performance.now();
    const { asked, decision, replies } = await this.untilSettled(
      started,
      // A round after one without quorum asks for the replicas' recent history too (vote.ts: agreement in the past).
      (asked, timeoutMs, attempt) => this.productRound(asked, productId, timeoutMs, attempt > 1),
      (round, attempt, remainingMs) => nextAttempt({ ...round, asked: round.asked.length }, attempt, remainingMs),
    );
    const latency = performance.now() - started;
    const quorum = this.quorumBody(decision, replies, asked, latency);
    this.record(resultOf(decision), latency);
    if (decision.status !== 'agreed') {
      const error = `no quorum: ${reasonOf(decision)}`;
      this.deps.logger.warn({ product_id: productId, latency_ms: round2(latency) }, error);
      return { status: 503, body: { error, product_id: productId, quorum } };
    }
    if (decision.value === null) return { status: 404, body: { error: `unknown product ${productId}`, field: 'product_id', quorum } };
    return { status: 200, body: { ...decision.value, quorum } };
  }

  async readAll(): Promise<VoteOutcome> {
    const started = performance.now();
    const { asked, replies, decisions } = await this.untilSettled(started, (asked, timeoutMs) => this.stockRound(asked, timeoutMs), adviseStockRound);
    const latency = performance.now() - started;
    const products: Record<string, unknown>[] = [];
    const unresolved: Record<string, unknown>[] = [];
    for (const [productId, decision] of decisions) {
      const quorum = this.quorumBody(decision, answerReplies(productId, replies), asked, latency);
      if (decision.status !== 'agreed') unresolved.push({ product_id: productId, reason: reasonOf(decision), quorum });
      else if (decision.value !== null) products.push({ ...decision.value, quorum });
    }
    const enough = replies.filter((r) => Array.isArray(r.result)).length >= 2;
    const ok = enough && unresolved.length === 0;
    this.record(ok ? 'agreed' : 'no_quorum', latency);
    if (!ok) {
      const error = enough ? 'no quorum for some products' : 'fewer than 2 replicas answered';
      this.deps.logger.warn({ unresolved: unresolved.map((u) => u.reason), latency_ms: round2(latency) }, error);
      return { status: 503, body: { error, products, unresolved } };
    }
    return { status: 200, body: { products, latency_ms: round2(latency) } };
  }

  /** Runs rounds until one needs no retry (retry-policy.ts); each round asks the replicas ON at its start. */
  private async untilSettled<R>(
    started: number,
    run: (asked: ReplicaId[], timeoutMs: number, attempt: number) => Promise<R>,
    advise: (round: R, attempt: number, remainingMs: number) => RetryAdvice,
  ): Promise<R> {
    const remaining = () => this.deps.deadlineMs - (performance.now() - started);
    for (let attempt = 1; ; attempt++) {
      const round = await run(this.deps.membership.replicasToAsk(), attempt === 1 ? this.deps.timeoutMs : Math.min(this.deps.timeoutMs, remaining()), attempt);
      const advice = advise(round, attempt, remaining());
      if (!advice.retry) return round;
      this.deps.stats.retries++;
      this.retries.inc({ reason: advice.reason });
      await sleep(advice.delayMs);
    }
  }

  /** One fan-out for a product; the late answers are checked when they arrive, whatever the client is told. */
  private async productRound(asked: ReplicaId[], productId: string, timeoutMs: number, history: boolean) {
    const fan = fanOut(
      asked,
      (id) => askProduct(id, this.deps.urls[id], productId, timeoutMs, history),
      (replies) => decide(toAnswers(replies), asked.length).status !== 'pending',
    );
    const { all } = fan;
    const replies = await fan.decided;
    this.watchStragglers(asked, replies, fan.answered, timeoutMs, productId);
    const answers = toAnswers(replies);
    const decision = decide(answers, asked.length);
    void all.then((late) => this.check(decision, toAnswers(late), productId));
    return { asked, decision, replies, answers };
  }

  /** One fan-out for the whole stock, decided product by product. */
  private async stockRound(asked: ReplicaId[], timeoutMs: number) {
    const fan = fanOut(
      asked,
      (id) => askAll(id, this.deps.urls[id], timeoutMs),
      // Two stock lists are needed before the set of products itself is known by a majority.
      (replies) => replies.filter((r) => Array.isArray(r.result)).length >= 2 && [...decideEach(replies, asked.length).values()].every((d) => d.status !== 'pending'),
    );
    const replies = await fan.decided;
    this.watchStragglers(asked, replies, fan.answered, timeoutMs, 'the whole stock');
    const decisions = decideEach(replies, asked.length);
    void fan.all.then((late) => {
      for (const [productId, decision] of decisions) this.check(decision, answersFor(productId, late), productId);
    });
    return { asked, replies, decisions };
  }

  /**
   * Once the majority is in: a replica still silent well after its peers answered (straggler.ts)
   * is reported as a timeout now, so the monitor probes it at once instead of at the round's
   * deadline. The failed call is still reported when it ends (the reporter spaces the two).
   */
  private watchStragglers(asked: readonly ReplicaId[], replies: readonly Reply<unknown>[], answered: (id: ReplicaId) => boolean, timeoutMs: number, what: string): void {
    const silent = asked.filter((id) => !answered(id));
    const peers = replies.filter((r) => !(typeof r.result === 'object' && r.result !== null && 'failed' in r.result)).map((r) => r.latency_ms);
    const after = stragglerAfterMs(peers);
    if (silent.length === 0 || after === undefined || after >= timeoutMs) return;
    const slowestPeer = Math.max(...peers);
    setTimeout(() => {
      for (const id of silent) {
        if (answered(id)) continue;
        this.stragglers.inc({ instance_id: id });
        this.deps.report(
          replicaErrorReportEvent({
            instance_id: id,
            cause: 'timeout',
            reporter: 'voter-svc',
            detail: `voter read of ${what}: replica ${id} still silent ${Math.round(after)} ms after its peers answered (the slower in ${round2(slowestPeer)} ms)`,
          }),
        );
      }
    }, after - slowestPeer).unref();
  }

  /** Once every answer is in: reports liars and failed calls, and counts verdicts. */
  private check(decision: Decision, answers: ReplicaAnswer[], productId: string): void {
    for (const a of answers) {
      if (a.kind === 'timeout' || a.kind === 'error') {
        this.deps.stats.failures[a.instance_id]++;
        this.answers.inc({ instance_id: a.instance_id, verdict: 'failed' });
        this.deps.report(failureReport(a.instance_id, a.kind === 'timeout' ? 'timeout' : a.cause, productId));
      }
    }
    if (decision.status !== 'agreed') return;
    const verdicts = classify(decision, answers);
    if (verdicts.some((v) => v.verdict === 'outlier' || v.verdict === 'lagging')) this.deps.stats.disagreements++;
    for (const { instance_id, verdict } of verdicts) {
      if (verdict === 'failed') continue;
      this.answers.inc({ instance_id, verdict });
      if (verdict === 'lagging') this.deps.stats.lagging[instance_id]++;
      if (verdict !== 'outlier') continue;
      this.deps.stats.outliers[instance_id]++;
      this.outliers.inc({ instance_id });
      const actual = answers.find((a) => a.instance_id === instance_id);
      this.deps.report(replicaErrorReportEvent({
        instance_id,
        cause: 'incorrect_response',
        reporter: 'voter-svc',
        product_id: productId,
        ...(decision.value ? { position: decision.value.position } : {}),
        expected: decision.value,
        actual: actual?.kind === 'value' ? actual.value : actual?.kind,
        detail: `replica ${instance_id} answered differently from the majority for ${productId} at the same log position`,
      }));
    }
  }

  private record(result: ReadResult, latencyMs: number): void {
    const stats = this.deps.stats;
    stats.requests++;
    if (result === 'agreed') stats.agreed++;
    else if (result === 'not_found') stats.notFound++;
    else stats.noQuorum++;
    stats.latency(latencyMs);
    this.requests.inc({ result });
    this.fanoutSeconds.observe({ result }, latencyMs / 1000);
  }

  private quorumBody(decision: Decision, replies: readonly Reply<ReplicaAnswer>[], asked: ReplicaId[], latencyMs: number) {
    const details = quorumDetails(decision, toAnswers(replies), asked.length);
    const latencies = new Map(replies.map((r) => [r.instance_id, round2(r.latency_ms)]));
    const answered = new Set(replies.map((r) => r.instance_id));
    return {
      ...details,
      agreed: decision.status === 'agreed',
      asked,
      answers: [
        ...details.answers.map((a) => ({ ...a, latency_ms: latencies.get(a.instance_id) })),
        // Not yet answered when the majority was reached: checked afterwards, never waited for.
        ...asked.filter((id) => !answered.has(id)).map((instance_id) => ({ instance_id, answer: 'pending' as const })),
      ],
      outliers: details.answers.filter((a) => a.verdict === 'outlier').map((a) => a.instance_id),
      latency_ms: round2(latencyMs),
    };
  }
}

function toAnswers(replies: readonly Reply<ReplicaAnswer>[]): ReplicaAnswer[] {
  return replies.map((r) => ('failed' in r.result ? failedAnswer(r.instance_id, r.result.failed) : r.result));
}

/** One product's answers, out of whole-stock replies: a replica that lacks the product says not found. */
function answerReplies(productId: string, replies: readonly Reply<StockView[]>[]): Reply<ReplicaAnswer>[] {
  return replies.map((r) => {
    if (!Array.isArray(r.result)) return { ...r, result: r.result };
    const value = r.result.find((p) => p.product_id === productId);
    return { ...r, result: value ? { instance_id: r.instance_id, kind: 'value' as const, value } : { instance_id: r.instance_id, kind: 'not_found' as const } };
  });
}

function answersFor(productId: string, replies: readonly Reply<StockView[]>[]): ReplicaAnswer[] {
  return toAnswers(answerReplies(productId, replies));
}

function decideEach(replies: readonly Reply<StockView[]>[], expected: number): Map<string, Decision> {
  const products = new Set(replies.flatMap((r) => (Array.isArray(r.result) ? r.result.map((p) => p.product_id) : [])));
  return new Map([...products].sort().map((id) => [id, decide(answersFor(id, replies), expected)]));
}

/**
 * A whole-stock round is asked again when some product's vote would be; with no product known at
 * all (every call failed), the failed calls themselves are the round.
 */
function adviseStockRound(round: { asked: ReplicaId[]; replies: Reply<StockView[]>[]; decisions: Map<string, Decision> }, attempt: number, remainingMs: number): RetryAdvice {
  const asked = round.asked.length;
  const perProduct = [...round.decisions].map(([productId, decision]) => ({ decision, answers: answersFor(productId, round.replies), asked }));
  if (perProduct.length === 0) {
    const answers = round.replies.flatMap((r) => (Array.isArray(r.result) ? [] : [failedAnswer(r.instance_id, r.result.failed)]));
    perProduct.push({ decision: decide(answers, asked), answers, asked });
  }
  for (const r of perProduct) {
    const advice = nextAttempt(r, attempt, remainingMs);
    if (advice.retry) return advice;
  }
  return { retry: false };
}

function failureReport(instanceId: ReplicaId, cause: ReplicaErrorReport['cause'], productId: string): ReplicaErrorReport {
  return replicaErrorReportEvent({
    instance_id: instanceId,
    cause,
    reporter: 'voter-svc',
    product_id: productId,
    detail: `voter read of ${productId} failed: ${cause}`,
  });
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** Every reply is in when the fan-out resolves undecided, so 'pending' cannot reach a client; named for completeness. */
const reasonOf = (d: Exclude<Decision, { status: 'agreed' }>) => (d.status === 'no_quorum' ? d.reason : 'still waiting for replicas');
