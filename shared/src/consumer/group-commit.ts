import type { Pool, PoolClient } from '../db';
import type { DeadLetter } from '../events';
import type { Logger } from '../logger';
import { counter, histogram, type Registry } from '../metrics';
import type { FencedState } from './fenced-state';
import { Fenced, PositionsMoved, type OffsetStore } from './offset-store';
import { planGroup, type LogContract, type LogRecord, type PartitionBatch } from './plan';

export interface GroupCommitOptions<E, T> {
  pool: Pool;
  logger: Logger;
  registry: Registry;
  contract: LogContract<E>;
  offsets: OffsetStore;
  /** Next offset to apply per partition as committed; updated in place after every commit. */
  positions: Map<number, number>;
  apply: (client: PoolClient, records: LogRecord<E>[]) => Promise<T>;
  committed?: (applied: T) => void;
  sendDeadLetters: (letters: DeadLetter[]) => Promise<void>;
  /** Fetches the partition again from `offset` (see `GroupPlan.gaps`). */
  seek: (partition: number, offset: number) => void;
  /** Present when only the holder of a lease may commit (a replica). */
  fence?: FencedState;
}

/**
 * Applies one group of fetched batches, everything past the stored positions, in one transaction
 * that also moves the offsets: a crash mid-group rolls both back, so an event is applied exactly
 * once. The busier the log, the more events share a commit, so the cost per event falls as load
 * rises instead of a queue building up.
 */
export class GroupCommitter<E, T> {
  private readonly messages;
  private readonly commitSeconds;
  private readonly groupSize;
  private readonly refused;

  constructor(private readonly o: GroupCommitOptions<E, T>) {
    this.messages = counter(o.registry, 'consumer_messages_total', 'Log messages handled, by result', ['consumer', 'result']);
    this.commitSeconds = histogram(o.registry, 'consumer_commit_duration_seconds', 'Time to apply one group of batches and commit it with its offsets', ['consumer']);
    this.refused = counter(o.registry, 'consumer_commits_refused_total', 'Commits refused because another process moved the lease or the offsets', ['consumer', 'why']);
    this.groupSize = histogram(o.registry, 'consumer_commit_messages', 'Log messages applied per transaction', ['consumer'], [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]);
  }

  async commit(batches: PartitionBatch[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      // Waited for before a connection is taken: a process without the lease holds none.
      const epoch = await this.o.fence?.epoch();
      const client = await this.o.pool.connect();
      let failure: Error | undefined;
      try {
        await this.commitOnce(client, batches, epoch);
        return;
      } catch (err) {
        failure = err as Error;
        await client.query('ROLLBACK').catch(() => undefined);
        if (!(await this.recovered(failure, attempt))) throw err;
      } finally {
        // A connection that failed mid-transaction is discarded, not reused.
        client.release(failure && !(failure instanceof PositionsMoved || failure instanceof Fenced) ? failure : undefined);
      }
    }
  }

  /**
   * Whether a commit refused because another process moved the lease or the offsets is tried
   * again: under a lease, once it is taken again and everything reloaded; without one, once,
   * after reloading the positions and skipping what the other incarnation applied.
   */
  private async recovered(err: Error, attempt: number): Promise<boolean> {
    if (!(err instanceof PositionsMoved || err instanceof Fenced)) return false;
    const consumer = this.o.contract.consumer;
    this.refused.inc({ consumer, why: err instanceof Fenced ? 'fenced' : 'positions_moved' });
    if (this.o.fence) {
      this.o.fence.superseded(err instanceof Fenced ? 'the lease epoch moved: another process took the lease' : 'offsets moved under this consumer');
      return true;
    }
    if (attempt > 1) return false;
    this.o.logger.warn({ consumer }, 'offsets moved under this consumer: reloading them and skipping what was applied');
    for (const [partition, next] of await this.o.offsets.load()) this.o.positions.set(partition, next);
    return true;
  }

  private async commitOnce(client: PoolClient, batches: PartitionBatch[], epoch: number | undefined): Promise<void> {
    const consumer = this.o.contract.consumer;
    const plan = planGroup(this.o.positions, batches, this.o.contract);
    this.messages.inc({ consumer, result: 'skipped' }, plan.skipped);
    for (const gap of plan.gaps) this.o.seek(gap.partition, gap.position);
    if (plan.moves.length === 0) return;
    const end = this.commitSeconds.startTimer({ consumer });
    await this.o.offsets.open(client, plan.moves, epoch);
    const applied = await this.o.apply(client, plan.records);
    // Sent before COMMIT: a crash in between repeats a dead letter, never loses one.
    if (plan.deadLetters.length > 0) await this.o.sendDeadLetters(plan.deadLetters);
    await this.o.offsets.commit(client);
    for (const m of plan.moves) this.o.positions.set(m.partition, m.next);
    this.o.committed?.(applied);
    end();
    this.groupSize.observe({ consumer }, plan.records.length + plan.deadLetters.length);
    this.messages.inc({ consumer, result: 'applied' }, plan.records.length);
    this.messages.inc({ consumer, result: 'dead_lettered' }, plan.deadLetters.length);
    for (const d of plan.deadLetters) this.o.logger.warn({ deadLetter: d }, 'event dead-lettered');
  }
}
