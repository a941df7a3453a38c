import './kafkajs-idle-fix';
import { Kafka, logLevel, type Admin, type Message, type ITopicConfig } from 'kafkajs';
import type { Logger } from './logger';
import { TOPIC_PARTITIONS, type Topics } from './config';
import { kafkaReplicationEnv, parseEnv } from './env';
import { topicReplication, type TopicReplication } from './kafka-replication';
import { messageKey, type TopicEvents, type TopicKey } from './events';

export type { Kafka, Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';

const levelNames: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

export function createKafka(brokers: string[], clientId: string, logger: Logger): Kafka {
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    // Retry connecting for a long time: a broker restart must not kill a service, only delay it.
    retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: 30 },
    logCreator:
      () =>
      ({ level, log }) => {
        const { message, ...extra } = log;
        logger[levelNames[level] ?? 'info']({ kafka: extra }, message);
      },
  });
}

/**
 * Creates the project's topics explicitly (broker auto-create is off). The order log keeps
 * everything forever: it is the replicated log that a replica is rebuilt from. Their replication
 * is `replication`, else configured or derived from the cluster (configuredReplication).
 */
export async function ensureTopics(kafka: Kafka, topics: Topics, replication?: TopicReplication): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing: ITopicConfig[] = [
      { topic: topics.orderEvents, configEntries: [{ name: 'retention.ms', value: '-1' }] },
      { topic: topics.replicaResults },
      { topic: topics.replicaErrors },
      { topic: topics.deadLetters },
      { topic: topics.orderSaga },
      { topic: topics.paymentResults },
      { topic: topics.orderOutcomes },
    ].filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      const { replicationFactor, minInsyncReplicas } = replication ?? (await configuredReplication(admin));
      const minIsr = { name: 'min.insync.replicas', value: String(minInsyncReplicas) };
      const wanted = missing.map((t) => ({ ...t, numPartitions: TOPIC_PARTITIONS, replicationFactor, configEntries: [...(t.configEntries ?? []), minIsr] }));
      await admin.createTopics({ topics: wanted, waitForLeaders: false });
    }
    await waitForLeaders(admin, Object.values(topics));
  } finally {
    await admin.disconnect();
  }
}

/** KAFKA_REPLICATION_FACTOR and KAFKA_MIN_INSYNC_REPLICAS, or what suits the brokers the cluster has now. */
async function configuredReplication(admin: Admin): Promise<TopicReplication> {
  const env = parseEnv(kafkaReplicationEnv);
  const { brokers } = await admin.describeCluster();
  return topicReplication(brokers.length, { replicationFactor: env.KAFKA_REPLICATION_FACTOR, minInsyncReplicas: env.KAFKA_MIN_INSYNC_REPLICAS });
}

/**
 * Polls metadata until every partition of the topics has a leader. kafkajs's own wait gives up on
 * UNKNOWN_TOPIC_OR_PARTITION, which a busy broker answers for a while right after creating a topic.
 */
async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics });
      if (found.length === topics.length && found.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline) throw new Error(`topics have no leaders after ${timeoutMs} ms: ${topics.join(', ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * How long the broker may hold an empty fetch. It answers as soon as any data arrives, so this does
 * not delay delivery; it only sets how often an idle consumer polls (each poll costs both sides CPU).
 */
export const CONSUMER_FETCH_WAIT_MS = 500;

export function jsonMessage(key: string, value: unknown): Message {
  return { key, value: JSON.stringify(value) };
}

/** A message carrying one event, keyed as its topic's contract says. */
export function eventMessage<K extends TopicKey>(topic: K, event: TopicEvents[K]): Message {
  return jsonMessage(messageKey(topic, event), event);
}
