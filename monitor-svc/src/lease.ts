import { setTimeout as sleep } from 'node:timers/promises';
import { createPool, type Logger, type Pool, type PoolClient } from '@ftlab/shared';
import { initialLeadership, observeLease, recordingDecision, shouldDepose, type Leadership, type LeadershipConfig, type LeaseEvent, type RecordingDecision } from './leadership';
import { leadershipSql } from './store';

export interface LeaseHooks {
  /** Called once per term taken, before any transition is recorded under it by the caller. */
  becameLeader(term: number): void;
  steppedDown(): void;
}

/**
 * The leadership lock's connection and loop: every `pollMs` a follower tries to take the lock and a
 * leader confirms it still holds it. The decisions are leadership.ts's; this adapter only runs the
 * SQL, times it out and reports what happened; a follower also ends a frozen leader's lock
 * connection (shouldDepose). A step that errs or takes longer than `staleAfterMs` counts as a lost
 * connection: the client is destroyed (which releases the lock on the server if it was still
 * held) and a new one is opened on the next round.
 */
export class LeaderLease {
  state: Leadership = initialLeadership();
  private readonly pool: Pool;
  private client: PoolClient | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(
    readonly instance: string,
    databaseUrl: string,
    private readonly config: Readonly<LeadershipConfig>,
    private readonly hooks: LeaseHooks,
    private readonly logger: Logger,
  ) {
    this.pool = createPool(databaseUrl, 1, logger);
  }

  start(): void {
    this.loop = (async () => {
      while (!this.stopped) {
        this.apply(await this.round());
        await sleep(this.config.pollMs);
      }
    })();
  }

  decision(): RecordingDecision {
    return recordingDecision(this.state, performance.now(), this.config);
  }

  /** Gives the lock up at once (closing its connection), so the other monitor leads without waiting. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    this.drop();
    await this.pool.end();
  }

  private async round(): Promise<LeaseEvent> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.config.staleAfterMs} ms`)), this.config.staleAfterMs);
    });
    try {
      return await Promise.race([this.ask(), late]);
    } catch (err) {
      // A follower that cannot reach the database is routine during an outage; a leader losing its lock is news.
      this.logger[this.state.role === 'leader' ? 'warn' : 'debug']({ err: (err as Error).message }, 'leadership lock connection failed');
      this.drop();
      return { type: 'lost' };
    } finally {
      clearTimeout(timer);
    }
  }

  private async ask(): Promise<LeaseEvent> {
    this.client ??= await this.connect();
    if (this.state.role === 'leader') {
      if (!(await leadershipSql.holds(this.client))) throw new Error('the leadership lock is no longer held by this connection');
      return { type: 'confirmed', at: performance.now() };
    }
    const attempt = await leadershipSql.tryAcquire(this.client, this.instance);
    if (attempt.acquired) return { type: 'acquired', lease: attempt.lease, at: performance.now() };
    if (attempt.holder && shouldDepose(attempt.holder.silent_ms, this.config)) {
      // Its lock goes with its connection; the next round takes it, and its writes are fenced by the new term.
      this.logger.warn({ leader: attempt.lease?.leader ?? null, silent_ms: Math.round(attempt.holder.silent_ms) }, 'deposing a silent leader');
      await leadershipSql.depose(this.client, attempt.holder);
    }
    return { type: 'held-elsewhere', lease: attempt.lease };
  }

  private async connect(): Promise<PoolClient> {
    const client = await this.pool.connect();
    // A dropped connection releases the lock on the server: stop recording now, not at the next round.
    client.on('error', () => {
      if (this.client !== client) return;
      this.drop();
      this.apply({ type: 'lost' });
    });
    return client;
  }

  private drop(): void {
    const client = this.client;
    this.client = undefined;
    client?.release(new Error('leadership connection dropped'));
  }

  private apply(event: LeaseEvent): void {
    const step = observeLease(this.state, event);
    this.state = step.state;
    if (step.change === 'became-leader' && step.state.role === 'leader') {
      this.logger.warn({ term: step.state.lease.term }, 'leading: this monitor records transitions now');
      this.hooks.becameLeader(step.state.lease.term);
    } else if (step.change === 'stepped-down') {
      this.logger.warn({ leader: step.state.lease?.leader ?? null }, 'stepped down: no longer recording transitions');
      this.hooks.steppedDown();
    }
  }
}
