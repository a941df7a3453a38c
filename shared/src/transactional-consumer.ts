import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { z } from 'zod';
import type { Kafka, KafkaMessage, Producer } from 'kafkajs';
import { Batcher } from './batcher';
import type { Pool, PoolClient } from './db';
import { deadLetterOf, decodeEvent, type DeadLetter } from './events';
import { CONSUMER_FETCH_WAIT_MS, jsonMessage } from './kafka';
import type { Logger } from './logger';
import { counter, histogram, type Registry } from './metrics';

/** How often the log's end is read for /health's lag while no batch brings a fresher one. */
const LAG_REFRESH_MS = 1000;
/**
 * The shortest fetch-and-commit cycle. Each cycle costs a fetch, a transaction and a produce
 * whatever it carries; without a floor, a trickle of events (one every few ms) is applied one at
 * a time and the cost per event is the highest exactly when there is CPU to spare for it, which
 * on a small machine starves everything else. A few milliseconds of waiting lets events gather.
 */
export const MIN_CYCLE_MS = 10;

export interface LogRecord<E> {
  event: E;
  partition: number;
  offset: number;
}

export interface TransactionalConsumerOptions<E, T> {
  kafka: Kafka;
  pool: Pool;
  logger: Logger;
  registry: Registry;
  /** Names this consumer's offsets in Postgres (e.g. "inventory-1"); also the group name's stem. */
  consumer: string;
  topic: string;
  schema: z.ZodType<E>;
  producer: Producer;
  deadLetterTopic: string;
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
}

export interface TransactionalConsumer {
  /** Next offset to apply per partition, as committed in Postgres. */
  positions(): ReadonlyMap<number, number>;
  /** Messages in the log not yet applied, summed over partitions; null until the broker has answered. */
  lag(): number | null;
  stop(): Promise<void>;
}

/** One partition's messages from one fetch, waiting to be applied. */
interface PartitionBatch {
  partition: number;
  messages: KafkaMessage[];
}

/** Another process advanced the offsets under us (two incarnations of one consumer overlapping). */
class PositionsMoved extends Error {}

/**
 * A Kafka consumer whose position lives in Postgres, committed in the same transaction as the
 * state the events produced. A crash mid-batch rolls both back, so an event is applied exactly
 * once; a restart resumes from the stored offsets; an event that does not parse is sent to the
 * dead-letter topic with the reason and skipped, never stopping the consumer.
 *
 * Group commit: every partition is consumed at once and the batches that arrive together (one
 * fetch) are applied in one transaction. The busier the log, the more events share a commit, so
 * the cost per event falls as load rises instead of a queue building up.
 *
 * Each transaction first moves the stored offsets from where this process believes they are
 * (compare-and-set). That locks them for the transaction and proves no other incarnation applied
 * the same events meanwhile; if one did, the positions are reloaded and what it applied is skipped.
 *
 * The Kafka consumer group is only used to get the partitions assigned, so each incarnation
 * joins a fresh group: with a fixed group a restarted process would wait out its dead
 * predecessor's session timeout before receiving partitions. Nothing is committed to Kafka:
 * whenever the group is (re)joined, including kafkajs's own restarts after a broker outage,
 * every partition is sought to the position stored in Postgres.
 */
export async function startTransactionalConsumer<E, T>(opts: TransactionalConsumerOptions<E, T>): Promise<TransactionalConsumer> {
  const { pool, logger, topic } = opts;
  const messages = counter(opts.registry, 'consumer_messages_total', 'Log messages handled, by result', ['consumer', 'result']);
  const commitSeconds = histogram(opts.registry, 'consumer_commit_duration_seconds', 'Time to apply one group of batches and commit it with its offsets', ['consumer']);
  const groupSize = histogram(opts.registry, 'consumer_commit_messages', 'Log messages applied per transaction', ['consumer'], [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]);

  const admin = opts.kafka.admin();
  await admin.connect();
  const partitions = (await admin.fetchTopicOffsets(topic)).map((p) => p.partition).sort((a, b) => a - b);
  // Every partition has its offset row from the start, so a transaction only ever updates rows.
  await pool.query(
    `INSERT INTO consumer_offsets (consumer, topic, log_partition, next_offset) SELECT $1, $2, unnest($3::int[]), 0
     ON CONFLICT (consumer, topic, log_partition) DO NOTHING`,
    [opts.consumer, topic, partitions],
  );
  const positions = new Map<number, number>();
  const loadPositions = async () => {
    const { rows } = await pool.query<{ log_partition: number; next_offset: string }>(
      'SELECT log_partition, next_offset FROM consumer_offsets WHERE consumer = $1 AND topic = $2',
      [opts.consumer, topic],
    );
    for (const row of rows) positions.set(row.log_partition, Number(row.next_offset));
  };
  await loadPositions();

  /** Applies one group of batches: everything past the stored positions, in one transaction. */
  const commitGroup = async (batches: PartitionBatch[]): Promise<void> => {
    const client = await pool.connect();
    let failure: Error | undefined;
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await commitOnce(client, batches);
          return;
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          if (!(err instanceof PositionsMoved) || attempt > 1) throw err;
          logger.warn({ consumer: opts.consumer }, 'offsets moved under this consumer: reloading them and skipping what was applied');
          await loadPositions();
        }
      }
    } catch (err) {
      failure = err as Error;
      throw err;
    } finally {
      // A connection that failed mid-transaction is discarded, not reused.
      client.release(failure && !(failure instanceof PositionsMoved) ? failure : undefined);
    }
  };

  const commitOnce = async (client: PoolClient, batches: PartitionBatch[]): Promise<void> => {
    const plan = batches.flatMap(({ partition, messages: batch }) => {
      const from = positions.get(partition) ?? 0;
      const fresh = batch.filter((m) => Number(m.offset) >= from);
      messages.inc({ consumer: opts.consumer, result: 'skipped' }, batch.length - fresh.length);
      return fresh.length === 0 ? [] : [{ partition, from, fresh, next: Number(fresh[fresh.length - 1]!.offset) + 1 }];
    });
    if (plan.length === 0) return;
    const end = commitSeconds.startTimer({ consumer: opts.consumer });

    // One round trip opens the transaction and takes the offsets (simple protocol, so the values
    // are literals: integers, and two names escaped by the driver). State derived from a log may
    // lose its last commits in a Postgres crash without harm: state and offsets roll back together
    // and the log is applied again. Not waiting for the WAL flush is what lets consumers keep up.
    const opened = (await client.query(
      `BEGIN; SET LOCAL synchronous_commit = off;
       UPDATE consumer_offsets o SET next_offset = n.next
       FROM unnest('{${plan.map((p) => p.partition)}}'::int[], '{${plan.map((p) => p.from)}}'::bigint[], '{${plan.map((p) => p.next)}}'::bigint[])
         AS n(log_partition, expected, next)
       WHERE o.consumer = ${client.escapeLiteral(opts.consumer)} AND o.topic = ${client.escapeLiteral(topic)}
         AND o.log_partition = n.log_partition AND o.next_offset = n.expected`,
    )) as unknown as { rowCount: number | null }[];
    if (opened[2]?.rowCount !== plan.length) throw new PositionsMoved();

    const records: LogRecord<E>[] = [];
    const deadLetters: DeadLetter[] = [];
    for (const { partition, fresh } of plan) {
      for (const m of fresh) {
        const decoded = decodeEvent(opts.schema, m.value);
        if (decoded.ok) records.push({ event: decoded.event, partition, offset: Number(m.offset) });
        else deadLetters.push(deadLetterOf(topic, opts.consumer, partition, m, decoded.reason));
      }
    }
    const applied = await opts.apply(client, records);
    if (deadLetters.length > 0) {
      // Sent before COMMIT: a crash in between repeats a dead letter, never loses one.
      await opts.producer.send({ topic: opts.deadLetterTopic, messages: deadLetters.map((d) => jsonMessage(d.source_topic, d)) });
    }
    await client.query('COMMIT');
    for (const p of plan) positions.set(p.partition, p.next);
    opts.committed?.(applied);
    end();
    groupSize.observe({ consumer: opts.consumer }, records.length + deadLetters.length);
    messages.inc({ consumer: opts.consumer, result: 'applied' }, records.length);
    messages.inc({ consumer: opts.consumer, result: 'dead_lettered' }, deadLetters.length);
    for (const d of deadLetters) logger.warn({ deadLetter: d }, 'event dead-lettered');
  };

  let cycleStartedAt = 0;
  const group = new Batcher<PartitionBatch, void>(async (batches) => {
    cycleStartedAt = performance.now();
    await commitGroup(batches);
    return batches.map(() => undefined);
  });

  // The log's end per partition: from every fetch, and from the broker now and then, for the lag.
  const highWatermarks = new Map<number, number>();
  const consumer = opts.kafka.consumer({
    groupId: `${opts.consumer}-${randomUUID()}`,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
    maxWaitTimeInMs: CONSUMER_FETCH_WAIT_MS,
    allowAutoTopicCreation: false,
  });
  consumer.on(consumer.events.GROUP_JOIN, () => {
    for (const partition of partitions) consumer.seek({ topic, partition, offset: String(positions.get(partition) ?? 0) });
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: partitions.length,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      highWatermarks.set(batch.partition, Math.max(highWatermarks.get(batch.partition) ?? 0, Number(batch.highWatermark)));
      if (!isRunning() || isStale() || batch.messages.length === 0) return;
      await group.submit({ partition: batch.partition, messages: batch.messages });
      resolveOffset(batch.lastOffset());
      await heartbeat();
      // Holding the fetcher back until the cycle's floor has passed: the next fetch finds more waiting.
      const wait = cycleStartedAt + MIN_CYCLE_MS - performance.now();
      if (wait > 0) await sleep(wait);
    },
  });

  let refreshing = false;
  let answered = false;
  const refreshLag = async () => {
    if (refreshing) return;
    refreshing = true;
    try {
      for (const h of await admin.fetchTopicOffsets(topic)) {
        highWatermarks.set(h.partition, Math.max(highWatermarks.get(h.partition) ?? 0, Number(h.high)));
      }
      answered = true;
    } catch {
      answered = false;
    } finally {
      refreshing = false;
    }
  };
  await refreshLag();
  const lagTimer = setInterval(() => void refreshLag(), LAG_REFRESH_MS);

  return {
    positions: () => positions,
    lag: () => {
      if (!answered) return null;
      let lag = 0;
      for (const [partition, high] of highWatermarks) lag += Math.max(0, high - (positions.get(partition) ?? 0));
      return lag;
    },
    stop: async () => {
      clearInterval(lagTimer);
      await consumer.disconnect();
      await admin.disconnect();
    },
  };
}
