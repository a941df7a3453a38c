import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { CONSUMER_FETCH_WAIT_MS } from '../kafka';
import type { LogEnd } from './lag';
import type { PartitionBatch } from './plan';

/** What a consumer whose positions live elsewhere needs from the log: the only place that knows the Kafka client. */
export interface PartitionedLog {
  /** The topic's partitions, in order. */
  readonly partitions: number[];
  /** The log's end per partition, asked of the broker. */
  ends(): Promise<LogEnd[]>;
  /**
   * Starts fetching every partition at once from `position(partition)`, sought again whenever
   * the client (re)joins; `ended` learns each fetch's log end, `deliver` gets each non-empty batch
   * and the partition's next fetch waits until it returns.
   */
  consume(handlers: {
    position: (partition: number) => number;
    ended: (end: LogEnd) => void;
    deliver: (batch: PartitionBatch) => Promise<void>;
  }): Promise<void>;
  /** Fetches the partition again from `offset`, once consuming; a batch fetched before is then stale. */
  seek(partition: number, offset: number): void;
  stop(): Promise<void>;
}

/**
 * The topic through kafkajs. The consumer group is only used to get the partitions assigned, so
 * each incarnation joins a fresh group: with a fixed group a restarted process would wait out its
 * dead predecessor's session timeout before receiving partitions. Nothing is committed to Kafka:
 * whenever the group is (re)joined, including kafkajs's own restarts after a broker outage, every
 * partition is sought to the position the caller stores.
 */
export async function openKafkaLog(kafka: Kafka, topic: string, groupStem: string): Promise<PartitionedLog> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = async () => (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, high: Number(p.high) }));
  const partitions = (await ends()).map((p) => p.partition).sort((a, b) => a - b);
  const consumer = kafka.consumer({
    groupId: `${groupStem}-${randomUUID()}`,
    sessionTimeout: 10_000,
    heartbeatInterval: 1000,
    maxWaitTimeInMs: CONSUMER_FETCH_WAIT_MS,
    allowAutoTopicCreation: false,
  });
  return {
    partitions,
    ends,
    consume: async ({ position, ended, deliver }) => {
      consumer.on(consumer.events.GROUP_JOIN, () => {
        for (const partition of partitions) consumer.seek({ topic, partition, offset: String(position(partition)) });
      });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: partitions.length,
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
          ended({ partition: batch.partition, high: Number(batch.highWatermark) });
          if (!isRunning() || isStale() || batch.messages.length === 0) return;
          await deliver({ partition: batch.partition, messages: batch.messages });
          resolveOffset(batch.lastOffset());
          await heartbeat();
        },
      });
    },
    seek: (partition, offset) => consumer.seek({ topic, partition, offset: String(offset) }),
    stop: async () => {
      await consumer.disconnect();
      await admin.disconnect();
    },
  };
}
