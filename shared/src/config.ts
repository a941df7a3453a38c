/**
 * The one place for ports, topic names, replica ids and defaults. Every service and tool reads
 * these instead of repeating literals, so changing a port or a topic is a one-line change.
 */

export const REPLICA_IDS = ['1', '2', '3'] as const;
export type ReplicaId = (typeof REPLICA_IDS)[number];

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_KAFKA_BROKERS = '127.0.0.1:9092';
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/ftlab';

/** Products created by StockSet events on first start, so a replica rebuilt from the log reaches the same state. */
export const SEED_PRODUCTS: ReadonlyArray<{ product_id: string; quantity: number }> = [
  { product_id: 'PROD-001', quantity: 1000 },
  { product_id: 'PROD-002', quantity: 500 },
  { product_id: 'PROD-003', quantity: 750 },
];

export interface Topics {
  /** Orders, cancellations and stock changes, keyed by product_id: the replicated log. */
  orderEvents: string;
  /** One result per order event per replica. */
  replicaResults: string;
  /** Reports of a replica that answered differently from the majority. */
  replicaErrors: string;
  /** Events that failed validation, with the reason. */
  deadLetters: string;
}

export function topicNames(prefix = ''): Topics {
  return {
    orderEvents: `${prefix}order-events`,
    replicaResults: `${prefix}replica-results`,
    replicaErrors: `${prefix}replica-errors`,
    deadLetters: `${prefix}dead-letters`,
  };
}

export const TOPIC_PARTITIONS = 6;
