import { setTimeout as sleep } from 'node:timers/promises';
import { Batcher } from './batcher';
import { GroupCommitter } from './consumer/group-commit';
import { openKafkaLog } from './consumer/kafka-log';
import { FencedState, type Fencing } from './consumer/fenced-state';
import { LagTracker, refreshLag, type LogProgress } from './consumer/lag';
import { createOffsetStore } from './consumer/offset-store';
import type { ConsumerOptions } from './consumer/options';
import type { LogRecord, PartitionBatch } from './consumer/plan';
import type { Pool, PoolClient } from './db';
import { eventMessage } from './kafka';

export type { LogRecord } from './consumer/plan';
export type { Fencing, Restored } from './consumer/fenced-state';
export type { LogProgress } from './consumer/lag';

/** How often the log's end is read for /health's lag while no batch brings a fresher one. */
const LAG_REFRESH_MS = 1000;
/**
 * The shortest fetch-and-commit cycle. Each cycle costs a fetch, a transaction and a produce
 * whatever it carries; without a floor, a trickle of events (one every few ms) is applied one at
 * a time and the cost per event is the highest exactly when there is CPU to spare for it, which
 * on a small machine starves everything else. A few milliseconds of waiting lets events gather.
 */
export const MIN_CYCLE_MS = 10;

export interface TransactionalConsumerOptions<E, T> extends ConsumerOptions<E> {
  pool: Pool;
  /**
   * Applies decoded events inside the transaction that also stores the next offsets. It may
   * publish events derived from them before it returns: they go out before the commit, so a
   * crash in between applies the same records again and republishes the same events, which
   * consumers recognise as duplicates. Nothing derived is ever lost.
   */
  apply: (client: PoolClient, records: LogRecord<E>[]) => Promise<T>;
  /**
   * Called synchronously right after COMMIT with what `apply` returned, in the same tick as the
   * positions update, so an in-memory view never shows state and position out of step.
   */
  committed?: (applied: T) => void;
  /**
   * Makes this consumer one process at a time: nothing is read from the log before the lease is
   * taken, every commit checks its epoch, and each new epoch reloads the positions and, through
   * `restore`, the caller's state. Without it, overlapping incarnations are only detected by the
   * offsets' compare-and-set.
   */
  fencing?: Fencing;
}

export interface TransactionalConsumer {
  /** Next offset to apply per partition, as committed in Postgres. */
  positions(): ReadonlyMap<number, number>;
  /** Messages in the log not yet applied, as far as known, and whether the broker answers. */
  log(): LogProgress;
  stop(): Promise<void>;
}

/**
 * A Kafka consumer whose position lives in Postgres, committed in the same transaction as the
 * state the events produced. A crash mid-batch rolls both back, so an event is applied exactly
 * once; a restart resumes from the stored offsets; an event that does not parse is sent to the
 * dead-letter topic with the reason and skipped, never stopping the consumer.
 *
 * Group commit: every partition is consumed at once and the batches that arrive together (one
 * fetch) are applied in one transaction (`GroupCommitter`).
 *
 * Each transaction first moves the stored offsets from where this process believes they are
 * (compare-and-set, `OffsetStore.open`). That locks them for the transaction and proves no other
 * incarnation applied the same events meanwhile; if one did, the positions are reloaded and what
 * it applied is skipped.
 *
 * With `fencing`, only the process holding the consumer's lease commits (see consumer/lease.ts):
 * the epoch is checked in the same round trip, and a refused commit waits for the lease again.
 *
 * The parts: `planGroup` decides what a group applies, the offset store holds the positions, the
 * lag tracker follows the log's end, `FencedState` the lease's epoch and what was loaded for it,
 * and `openKafkaLog` is the only part that knows kafkajs (each incarnation joins a fresh group;
 * see there). This function wires them.
 */
export async function startTransactionalConsumer<E, T>(opts: TransactionalConsumerOptions<E, T>): Promise<TransactionalConsumer> {
  const { consumer, topic } = opts;
  const log = await openKafkaLog(opts.kafka, topic, consumer);
  const offsets = createOffsetStore(opts.pool, consumer, topic);
  await offsets.ensureRows(log.partitions);
  const positions = opts.fencing ? new Map<number, number>() : await offsets.load();
  const fence = opts.fencing && new FencedState({ ...opts.fencing, offsets, positions, consumer, logger: opts.logger, registry: opts.registry });
  // A process without the lease waits here, reading nothing from the log.
  await fence?.epoch();
  const committer = new GroupCommitter({
    pool: opts.pool,
    logger: opts.logger,
    registry: opts.registry,
    apply: opts.apply,
    committed: opts.committed,
    contract: { topic, consumer, schema: opts.schema },
    offsets,
    positions,
    sendDeadLetters: async (letters) => {
      await opts.producer.send({ topic: opts.deadLetterTopic, messages: letters.map((d) => eventMessage('deadLetters', d)) });
    },
    seek: (partition, offset) => log.seek(partition, offset),
    fence,
  });

  let cycleStartedAt = 0;
  const group = new Batcher<PartitionBatch, void>(async (batches) => {
    cycleStartedAt = performance.now();
    await committer.commit(batches);
    return batches.map(() => undefined);
  });

  const lag = new LagTracker();
  await log.consume({
    position: (partition) => positions.get(partition) ?? 0,
    ended: (end) => lag.observe(end.partition, end.high),
    deliver: async (batch) => {
      await group.submit(batch);
      // Holding the fetcher back until the cycle's floor has passed: the next fetch finds more waiting.
      const wait = cycleStartedAt + MIN_CYCLE_MS - performance.now();
      if (wait > 0) await sleep(wait);
    },
  });
  const refresher = await refreshLag(lag, log.ends, LAG_REFRESH_MS);

  return {
    positions: () => positions,
    log: () => lag.progress(positions),
    stop: async () => {
      refresher.stop();
      await log.stop();
    },
  };
}
