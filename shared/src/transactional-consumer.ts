import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { Kafka, KafkaMessage, Producer } from 'kafkajs';
import { withTransaction, type Pool, type PoolClient } from './db';
import { deadLetterOf, decodeEvent, type DeadLetter } from './events';
import { jsonMessage } from './kafka';
import type { Logger } from './logger';
import { counter, histogram, type Registry } from './metrics';

const PARTITIONS_IN_PARALLEL = 3;

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
  /** Applies decoded events inside the transaction that also stores the next offsets. */
  apply: (client: PoolClient, records: LogRecord<E>[]) => Promise<T>;
  /**
   * Called synchronously right after COMMIT with what `apply` returned, in the same tick as the
   * positions update, so an in-memory view never shows state and position out of step.
   */
  committed?: (applied: T) => void;
  /** How long the broker may hold a fetch waiting for data; low values favour latency. */
  maxWaitTimeInMs?: number;
}

export interface TransactionalConsumer {
  /** Next offset to apply per partition, as committed in Postgres. */
  positions(): ReadonlyMap<number, number>;
  /** Messages in the log not yet applied, summed over partitions; null until the broker has answered. */
  lag(): number | null;
  stop(): Promise<void>;
}

/**
 * A Kafka consumer whose position lives in Postgres, committed in the same transaction as the
 * state the events produced. A crash mid-batch rolls both back, so an event is applied exactly
 * once; a restart resumes from the stored offsets; an event that does not parse is sent to the
 * dead-letter topic with the reason and skipped, never stopping the consumer.
 *
 * The Kafka consumer group is only used to get the partitions assigned, so each incarnation
 * joins a fresh group: with a fixed group a restarted process would wait out its dead
 * predecessor's session timeout before receiving partitions. Offsets are also committed to that
 * group, only so that kafkajs resumes near the right place when it restarts the consumer itself
 * after a broker outage; Postgres stays the authority and filters anything already applied.
 */
export async function startTransactionalConsumer<E, T>(opts: TransactionalConsumerOptions<E, T>): Promise<TransactionalConsumer> {
  const { pool, logger, topic } = opts;
  const messages = counter(opts.registry, 'consumer_messages_total', 'Log messages handled, by result', ['consumer', 'result']);
  const batchSeconds = histogram(opts.registry, 'consumer_batch_duration_seconds', 'Time to apply one batch and commit it with its offsets', ['consumer']);

  const positions = new Map<number, number>();
  const stored = await pool.query<{ log_partition: number; next_offset: string }>(
    'SELECT log_partition, next_offset FROM consumer_offsets WHERE consumer = $1 AND topic = $2',
    [opts.consumer, topic],
  );
  for (const row of stored.rows) positions.set(row.log_partition, Number(row.next_offset));

  const admin = opts.kafka.admin();
  await admin.connect();
  const consumer = opts.kafka.consumer({
    groupId: `${opts.consumer}-${randomUUID()}`,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
    maxWaitTimeInMs: opts.maxWaitTimeInMs ?? 50,
    allowAutoTopicCreation: false,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });

  const applyBatch = async (partition: number, batch: KafkaMessage[]): Promise<void> => {
    const deadLetters: DeadLetter[] = [];
    const done = await withTransaction(pool, async (client) => {
      // State derived from a log may lose its last commits in a Postgres crash without harm: state
      // and offsets roll back together and the log is applied again. Not waiting for the WAL flush
      // on every batch is what lets the replicas keep up; POST /orders keeps full durability.
      await client.query('SET LOCAL synchronous_commit = off');
      // The upsert locks the offset row, serialising two incarnations that might briefly overlap.
      const { rows } = await client.query<{ next_offset: string }>(
        `INSERT INTO consumer_offsets (consumer, topic, log_partition, next_offset) VALUES ($1, $2, $3, 0)
         ON CONFLICT (consumer, topic, log_partition) DO UPDATE SET next_offset = consumer_offsets.next_offset
         RETURNING next_offset`,
        [opts.consumer, topic, partition],
      );
      const from = Number(rows[0]!.next_offset);
      const fresh = batch.filter((m) => Number(m.offset) >= from);
      messages.inc({ consumer: opts.consumer, result: 'skipped' }, batch.length - fresh.length);
      if (fresh.length === 0) return undefined;

      const records: LogRecord<E>[] = [];
      for (const m of fresh) {
        const decoded = decodeEvent(opts.schema, m.value);
        if (decoded.ok) records.push({ event: decoded.event, partition, offset: Number(m.offset) });
        else deadLetters.push(deadLetterOf(topic, opts.consumer, partition, m, decoded.reason));
      }
      const applied = await opts.apply(client, records);
      if (deadLetters.length > 0) {
        // Sent before COMMIT: a crash in between repeats a dead letter, never loses one.
        await opts.producer.send({ topic: opts.deadLetterTopic, messages: deadLetters.map((d) => jsonMessage(d.source_topic, d)) });
      }
      const last = Number(fresh[fresh.length - 1]!.offset);
      await client.query('UPDATE consumer_offsets SET next_offset = $4 WHERE consumer = $1 AND topic = $2 AND log_partition = $3', [
        opts.consumer,
        topic,
        partition,
        last + 1,
      ]);
      messages.inc({ consumer: opts.consumer, result: 'applied' }, records.length);
      messages.inc({ consumer: opts.consumer, result: 'dead_lettered' }, deadLetters.length);
      return { next: last + 1, applied };
    });
    if (done) {
      positions.set(partition, done.next);
      opts.committed?.(done.applied);
    }
    for (const d of deadLetters) logger.warn({ deadLetter: d }, 'event dead-lettered');
  };

  await consumer.run({
    // Partitions hold disjoint keys (products, orders), so their batches can commit concurrently.
    partitionsConsumedConcurrently: PARTITIONS_IN_PARALLEL,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      if (!isRunning() || isStale() || batch.messages.length === 0) return;
      const end = batchSeconds.startTimer({ consumer: opts.consumer });
      await applyBatch(batch.partition, batch.messages);
      end();
      resolveOffset(batch.lastOffset());
      await heartbeat();
    },
  });
  const partitions = (await admin.fetchTopicOffsets(topic)).map((p) => p.partition);
  for (const partition of partitions) {
    consumer.seek({ topic, partition, offset: String(positions.get(partition) ?? 0) });
  }

  // Lag is refreshed in the background so that /health never waits on the broker.
  let lag: number | null = null;
  let refreshing = false;
  const refreshLag = async () => {
    if (refreshing) return;
    refreshing = true;
    try {
      const highs = await admin.fetchTopicOffsets(topic);
      lag = highs.reduce((sum, h) => sum + Math.max(0, Number(h.high) - (positions.get(h.partition) ?? 0)), 0);
    } catch {
      lag = null;
    } finally {
      refreshing = false;
    }
  };
  await refreshLag();
  const lagTimer = setInterval(() => void refreshLag(), 250);

  return {
    positions: () => positions,
    lag: () => lag,
    stop: async () => {
      clearInterval(lagTimer);
      await consumer.disconnect();
      await admin.disconnect();
    },
  };
}
