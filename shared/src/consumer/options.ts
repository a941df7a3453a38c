import type { z } from 'zod';
import type { Kafka } from 'kafkajs';
import type { Logger } from '../logger';
import type { Registry } from '../metrics';
import type { EventProducer } from '../producer';

/** What every consumer of a topic is given: the log, the contract its events must meet, and where dead letters go. */
export interface ConsumerOptions<E> {
  kafka: Kafka;
  logger: Logger;
  registry: Registry;
  /**
   * Names this consumer (e.g. "inventory-1"): its group name's stem, its metrics label, the
   * `consumer` of its dead letters and, for a transactional consumer, its offsets in Postgres.
   */
  consumer: string;
  topic: string;
  schema: z.ZodType<E>;
  producer: EventProducer;
  deadLetterTopic: string;
}
