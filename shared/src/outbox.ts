import type { Producer } from 'kafkajs';
import type { Pool, PoolClient } from './db';
import type { Logger } from './logger';
import { counter, gauge, type Registry } from './metrics';

export interface OutboxMessage {
  topic: string;
  key: string;
  payload: unknown;
}

/** Writes messages to the outbox inside the caller's transaction: they commit or vanish with its state. */
export async function enqueue(client: PoolClient, source: string, messages: OutboxMessage[]): Promise<void> {
  if (messages.length === 0) return;
  await client.query(
    `INSERT INTO outbox (source, topic, message_key, payload)
     SELECT $1, * FROM unnest($2::text[], $3::text[], $4::jsonb[])`,
    [source, messages.map((m) => m.topic), messages.map((m) => m.key), messages.map((m) => JSON.stringify(m.payload))],
  );
}

export interface OutboxRelay {
  /** Ask for a publish round now (after a commit) instead of waiting for the next poll. */
  kick(): void;
  /** Rows written but not yet acknowledged by Kafka. */
  backlog(): number;
  stop(): Promise<void>;
}

const BATCH = 1000;
const POLL_MS = 500;
const RETRY_MS = 250;

/**
 * Publishes a source's outbox rows to Kafka in id order and marks them published. A crash between
 * send and mark re-sends rows on restart, so consumers must tolerate duplicates (they do: orders
 * and stock events carry ids). Rounds never overlap; kicks during a round merge into one more.
 */
export function startOutboxRelay(opts: { pool: Pool; producer: Producer; source: string; logger: Logger; registry: Registry }): OutboxRelay {
  const { pool, producer, source, logger } = opts;
  const published = counter(opts.registry, 'outbox_published_total', 'Outbox messages published to Kafka', ['source']);
  const failures = counter(opts.registry, 'outbox_publish_failures_total', 'Failed outbox publish rounds (retried)', ['source']);
  const backlogGauge = gauge(opts.registry, 'outbox_backlog', 'Outbox messages not yet published', ['source']);
  let running = false;
  let again = false;
  let stopped = false;
  let backlog = 0;
  let timer: NodeJS.Timeout | undefined;

  const round = async (): Promise<number> => {
    const { rows } = await pool.query<{ id: string; topic: string; message_key: string; payload: unknown }>(
      `SELECT id, topic, message_key, payload FROM outbox WHERE source = $1 AND published_at IS NULL ORDER BY id LIMIT ${BATCH}`,
      [source],
    );
    backlog = rows.length;
    if (rows.length === 0) return 0;
    const byTopic = new Map<string, { key: string; value: string }[]>();
    for (const r of rows) {
      const list = byTopic.get(r.topic) ?? [];
      list.push({ key: r.message_key, value: JSON.stringify(r.payload) });
      byTopic.set(r.topic, list);
    }
    await producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    await pool.query('UPDATE outbox SET published_at = clock_timestamp() WHERE id = ANY($1::bigint[])', [rows.map((r) => r.id)]);
    published.inc({ source }, rows.length);
    backlog = 0;
    return rows.length;
  };

  const run = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    let delay = POLL_MS;
    try {
      do {
        again = false;
        if ((await round()) === BATCH) again = true;
      } while (again && !stopped);
    } catch (err) {
      failures.inc({ source });
      logger.warn({ err: (err as Error).message, backlog }, 'outbox publish failed; retrying');
      delay = RETRY_MS;
    } finally {
      backlogGauge.set({ source }, backlog);
      running = false;
      schedule(delay);
    }
  };
  const schedule = (ms: number) => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void run(), ms);
  };

  void run();
  return {
    kick: () => void run(),
    backlog: () => backlog,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      while (running) await new Promise((r) => setTimeout(r, 10));
    },
  };
}
