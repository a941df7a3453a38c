import type { Kafka } from 'kafkajs';
import { applySchema, type Pool } from './db';
import type { Logger } from './logger';

/**
 * Ties the database to the Kafka log it was built from. The replicas' offsets and the seed marker
 * only make sense next to that log: if the broker was wiped (or another cluster or topic prefix is
 * used), the database is rebuilt empty, loudly, so the replicas replay the log that is really there.
 * Returns whether it had to reset.
 */
export async function bindDatabaseToLog(pool: Pool, kafka: Kafka, topicPrefix: string, logger: Logger): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  const { clusterId } = await admin.describeCluster().finally(() => admin.disconnect());
  const { rows } = await pool.query<{ kafka_cluster_id: string; topic_prefix: string }>('SELECT kafka_cluster_id, topic_prefix FROM deployment');
  const bound = rows[0];
  if (bound && bound.kafka_cluster_id === clusterId && bound.topic_prefix === topicPrefix) return false;
  const hasState = bound !== undefined || (await pool.query('SELECT 1 FROM consumer_offsets LIMIT 1')).rowCount !== 0;
  if (hasState) {
    logger.warn(
      { was: bound ?? 'unknown', now: { kafka_cluster_id: clusterId, topic_prefix: topicPrefix } },
      'the database was built from another Kafka log: resetting it so the replicas replay the log that exists',
    );
    await pool.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
    await applySchema(pool);
  }
  await pool.query('INSERT INTO deployment (kafka_cluster_id, topic_prefix) VALUES ($1, $2)', [clusterId, topicPrefix]);
  return hasState;
}
