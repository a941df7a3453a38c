import { BurstyRateLimiter, RateLimiterMemory, RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { counter, histogram, type LimitClass, type Logger, type Pool, type Registry } from '@ftlab/shared';
import { PerKeyQueue } from './per-key-queue';
import type { BucketPolicy, LimiterAnswer } from './rate-limit-policy';

/**
 * The database URL for the limiter's own pool: its sessions commit without waiting for the WAL
 * flush (synchronous_commit off). A counter lost in a server crash costs at most a client a few
 * requests more than its limit, and waiting for a disk flush on every request's check is what
 * made a busy server's fsync latency every client's latency (the request-flood demo).
 */
export function limiterDatabaseUrl(url: string): string {
  const parsed = new URL(url);
  const options = parsed.searchParams.get('options');
  parsed.searchParams.set('options', `${options ? `${options} ` : ''}-c synchronous_commit=off`);
  return parsed.toString();
}

/** One table for every limiter of every gateway instance; rows are keyed `<limiter>:<client>`. */
const TABLE = 'gateway_rate_limits';

/** The in-memory stand-in used while Postgres is away, counted so an operator sees limits went per instance. */
class CountedMemoryLimiter extends RateLimiterMemory {
  constructor(opts: ConstructorParameters<typeof RateLimiterMemory>[0], private readonly used: () => void) {
    super(opts);
  }
  override consume(...args: Parameters<RateLimiterMemory['consume']>): Promise<RateLimiterRes> {
    this.used();
    return super.consume(...args);
  }
}

/**
 * The counters live in Postgres so that gateway instances side by side share one allowance per
 * client (each upsert is atomic in the database). When Postgres does not answer, each instance
 * falls back to the same limits in its own memory (the library's insurance limiter): limits
 * then hold per instance instead of across them, and requests keep flowing.
 */
/** The limiter's database connections per gateway instance, and how many one client's checks may hold. */
export const LIMITER_POOL_SIZE = 6;
const CHECKS_IN_FLIGHT_PER_CLIENT = 3;

export class SharedRateLimiter {
  private readonly limiters: Record<LimitClass, Pick<BurstyRateLimiter, 'consume'>>;
  private readonly decisions;
  private readonly duration;
  /** A few store checks at a time per client and limit (see PerKeyQueue): a flood holds half the database connections, not all. */
  private readonly queue = new PerKeyQueue(CHECKS_IN_FLIGHT_PER_CLIENT);

  private constructor(
    pool: Pool,
    private readonly policies: Record<LimitClass, BucketPolicy>,
    registry: Registry,
    private readonly logger: Logger,
  ) {
    this.decisions = counter(registry, 'gateway_rate_limit_decisions_total', 'Rate-limit decisions by limit (read, order) and decision (admitted, limited)', ['limit', 'decision']);
    this.duration = histogram(registry, 'gateway_rate_limit_duration_seconds', 'Time to decide a request against its limit (waiting for its client\'s previous check included)', ['limit', 'decision']);
    const fallbacks = counter(registry, 'gateway_rate_limit_store_fallbacks_total', 'Decisions made in memory because Postgres did not answer', ['limit']);
    const limiter = (limit: LimitClass, part: 'rate' | 'burst', points: number, duration: number) => {
      const opts = { keyPrefix: `${limit}-${part}`, points, duration };
      const insurance = new CountedMemoryLimiter(opts, () => fallbacks.inc({ limit }));
      return new RateLimiterPostgres({
        ...opts,
        storeClient: pool,
        tableName: TABLE,
        tableCreated: true,
        // A client over its limit is refused from memory until the window ends: a flood costs no database writes.
        inMemoryBlockOnConsumed: points + 1,
        insuranceLimiter: insurance,
      });
    };
    const make = (limit: LimitClass) => {
      const p = policies[limit];
      const sustained = limiter(limit, 'rate', p.ratePerS, 1);
      return p.burst > 0 ? new BurstyRateLimiter(sustained, limiter(limit, 'burst', p.burst, p.burstWindowS)) : sustained;
    };
    this.limiters = { read: make('read'), order: make('order') };
  }

  /** Creates the table (once, under a lock: instances may start together) and the limiters. */
  static async create(pool: Pool, policies: Record<LimitClass, BucketPolicy>, registry: Registry, logger: Logger): Promise<SharedRateLimiter> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [TABLE]);
      // The shape rate-limiter-flexible's RateLimiterPostgres creates itself.
      await client.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (key varchar(255) PRIMARY KEY, points integer NOT NULL DEFAULT 0, expire bigint)`);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
    return new SharedRateLimiter(pool, policies, registry, logger);
  }

  policy(limit: LimitClass): BucketPolicy {
    return this.policies[limit];
  }

  /**
   * Decides one request of `client` against its limit. `gone` says whether the request's client
   * has hung up meanwhile: a check still waiting then is dropped unspent (undefined), so a backlog
   * never admits requests nobody waits for.
   */
  async take(limit: LimitClass, client: string, gone: () => boolean = () => false): Promise<LimiterAnswer | undefined> {
    const started = performance.now();
    const key = `${limit}:${client}`;
    let answer: LimiterAnswer | undefined;
    const policy = this.policies[limit];
    if (this.queue.pending(key) >= policy.ratePerS + policy.burst) {
      // A whole allowance (a second's tokens and the burst) of this client's checks is already
      // waiting: this one would come after all of them, over the limit. Refused without a store
      // call, so a flood faster than its checks complete is refused at once instead of queueing
      // without bound. (At a second's tokens, a client within its limit was refused while a
      // loaded database took over 20 ms a check: 1144 of 2500 in experiment --via gateway.)
      answer = { allowed: false, remaining: 0, msBeforeNext: 1000 };
    } else {
      answer = await this.queue.run(key, async () => (gone() ? undefined : this.consume(limit, client)));
      if (answer === undefined) return undefined;
    }
    const decision = answer.allowed ? 'admitted' : 'limited';
    this.decisions.inc({ limit, decision });
    this.duration.observe({ limit, decision }, (performance.now() - started) / 1000);
    return answer;
  }

  private consume(limit: LimitClass, client: string): Promise<LimiterAnswer> {
    return this.limiters[limit].consume(client).then(
      (res) => ({ allowed: true, remaining: res.remainingPoints, msBeforeNext: res.msBeforeNext }),
      (rej: unknown) => {
        if (rej instanceof RateLimiterRes) return { allowed: false, remaining: 0, msBeforeNext: rej.msBeforeNext };
        // Both the store and the insurance failed: nothing to count with, so the request is admitted.
        this.logger.warn({ err: (rej as Error)?.message, limit }, 'rate limiter failed; admitting');
        return { allowed: true, remaining: this.policies[limit].ratePerS, msBeforeNext: 1000 };
      },
    );
  }
}
