import type { Kafka } from 'kafkajs';
import type { Topics } from './config';
import { createKafka, ensureTopics } from './kafka';
import type { Logger } from './logger';
import type { Registry } from './metrics';
import { createProducer, type EventProducer } from './producer';

/**
 * A service's connection to the log: its Kafka client, its topics created, its producer connected,
 * and where its dead letters go. Spread into a consumer's options (`startTransactionalConsumer({
 * ...log, pool, consumer, topic, schema, apply })`), it gives every consumer the same wiring.
 */
export interface LogConnection {
  kafka: Kafka;
  producer: EventProducer;
  logger: Logger;
  registry: Registry;
  deadLetterTopic: string;
}

export async function connectToLog(opts: { brokers: string[]; clientId: string; topics: Topics; logger: Logger; registry: Registry }): Promise<LogConnection> {
  const { logger, registry, topics } = opts;
  const kafka = createKafka(opts.brokers, opts.clientId, logger);
  await ensureTopics(kafka, topics);
  const producer = createProducer(kafka, logger, registry);
  await producer.connect();
  return { kafka, producer, logger, registry, deadLetterTopic: topics.deadLetters };
}
