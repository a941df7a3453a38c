/**
 * How many copies of each partition Kafka keeps, and how many must have a write before it is
 * acknowledged (producers use acks=all). Three copies with two in sync is the smallest setting
 * that keeps accepting writes, and loses none, with one broker down; a majority of the copies
 * generalises it (5 → 3).
 */
export interface TopicReplication {
  replicationFactor: number;
  minInsyncReplicas: number;
}

/** The largest replication factor chosen by default: more copies only cost writes here. */
export const DEFAULT_MAX_REPLICATION_FACTOR = 3;

export const majorityOf = (copies: number) => Math.floor(copies / 2) + 1;

/**
 * The replication of the project's topics on a cluster of `brokers` live brokers: the configured
 * values where given, else min(brokers, 3) copies and a majority of them in sync. Throws when the
 * configuration cannot be satisfied, which would otherwise surface as failed writes much later.
 */
export function topicReplication(brokers: number, configured: { replicationFactor?: number; minInsyncReplicas?: number } = {}): TopicReplication {
  const replicationFactor = configured.replicationFactor ?? Math.max(1, Math.min(brokers, DEFAULT_MAX_REPLICATION_FACTOR));
  const minInsyncReplicas = configured.minInsyncReplicas ?? majorityOf(replicationFactor);
  if (minInsyncReplicas > replicationFactor) {
    throw new Error(`KAFKA_MIN_INSYNC_REPLICAS (${minInsyncReplicas}) is more than the replication factor (${replicationFactor}): no write could be acknowledged`);
  }
  if (replicationFactor > brokers) {
    throw new Error(`KAFKA_REPLICATION_FACTOR (${replicationFactor}) is more than the ${brokers} broker(s) the cluster has`);
  }
  return { replicationFactor, minInsyncReplicas };
}
