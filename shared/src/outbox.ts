import type { Producer } from 'kafkajs';
import type { Pool, PoolClient } from './db';
import type { Logger } from './logger';
import { counter, gauge, type Registry } from './metrics';

export interface OutboxMessage {
  topic: string;
  key: string;
  payload: unknown;
}

/** An outbox row as the relay publishes it: the message, and its id to delete once Kafka has it. */
export interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  value: string;
}

/**
 * Writes messages to the outbox inside the caller's transaction: they commit or vanish with its
 * state. Returns the rows to hand to the relay once the transaction has committed.
 */
export async function enqueue(client: PoolClient, source: string, messages: OutboxMessage[]): Promise<OutboxRow[]> {
  if (messages.length === 0) return [];
  const values = messages.map((m) => JSON.stringify(m.payload));
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO outbox (source, topic, message_key, payload)
     SELECT $1, m.topic, m.message_key, m.payload FROM unnest($2::text[], $3::text[], $4::jsonb[]) WITH ORDINALITY AS m(topic, message_key, payload, n)
     ORDER BY m.n RETURNING id`,
    [source, messages.map((m) => m.topic), messages.map((m) => m.key), values],
  );
  // Ids are drawn in insertion order, which the ORDER BY fixes: the k-th smallest is the k-th message.
  const ids = rows.map((r) => BigInt(r.id)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return messages.map((m, k) => ({ id: String(ids[k]), topic: m.topic, key: m.key, value: values[k]! }));
}

export interface OutboxRelay {
  /** Publishes rows the caller has just committed, without reading them back from the table. */
  publish(rows: OutboxRow[]): void;
  /** Rows committed but not yet acknowledged by Kafka, as far as this relay knows. */
  backlog(): number;
  stop(): Promise<void>;
}

const BATCH = 1000;
/** A row still in the table this long after it was written was missed by the fast path: sweep it up. */
const SWEEP_MS = 1000;
const RETRY_MS = 250;
/** Published rows are deleted together, at most this often: one statement for many rounds. */
const DELETE_EVERY_MS = 100;

/**
 * Publishes a source's outbox to Kafka. Rows its own process has just committed are handed over
 * in memory and published at once (the fast path); once Kafka has acknowledged them they are
 * deleted, in one statement every 100 ms or so. The table is read only to recover: at start, after a failed send (Kafka away), and
 * once a second for any row the fast path missed. Sends never overlap, and while recovering the
 * table is read in id order, so events of one key keep their order across an outage.
 *
 * A crash between the send and the delete sends those rows again on restart, so consumers must
 * tolerate duplicates (they do: orders and stock events carry ids).
 */
export function startOutboxRelay(opts: { pool: Pool; producer: Producer; source: string; logger: Logger; registry: Registry }): OutboxRelay {
  const { pool, producer, source, logger } = opts;
  const publishedTotal = counter(opts.registry, 'outbox_published_total', 'Outbox messages published to Kafka', ['source']);
  const failures = counter(opts.registry, 'outbox_publish_failures_total', 'Failed outbox publish rounds (retried)', ['source']);
  const swept = counter(opts.registry, 'outbox_swept_total', 'Outbox rows published from the table rather than handed over in memory', ['source']);
  const backlogGauge = gauge(opts.registry, 'outbox_backlog', 'Outbox messages not yet published', ['source']);

  let queue: OutboxRow[] = [];
  /** Ids queued or in flight, so a sweep does not queue a row twice. */
  const known = new Set<string>();
  /** Ids Kafka has acknowledged that are still in the table: a sweep must not publish them again. */
  const published = new Set<string>();
  let deletedAt = 0;
  /** The table may hold rows the queue lacks: read it in id order until it is drained. */
  let recovering = true;
  let nextSweepAt = 0;
  let running = false;
  let again = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  /** Queues unpublished rows written at least `olderThanMs` ago; returns how many the table gave. */
  const sweep = async (olderThanMs: number): Promise<number> => {
    const { rows } = await pool.query<{ id: string; topic: string; message_key: string; value: string }>(
      `SELECT id, topic, message_key, payload::text AS value FROM outbox
       WHERE source = $1 AND created_at <= clock_timestamp() - make_interval(secs => $2::float8 / 1000)
       ORDER BY id LIMIT ${BATCH}`,
      [source, olderThanMs],
    );
    const fresh = rows.filter((r) => !known.has(r.id) && !published.has(r.id));
    for (const r of fresh) {
      known.add(r.id);
      queue.push({ id: r.id, topic: r.topic, key: r.message_key, value: r.value });
    }
    swept.inc({ source }, fresh.length);
    return rows.length;
  };

  const round = async (): Promise<void> => {
    let drained = true;
    if (recovering || Date.now() >= nextSweepAt) {
      drained = (await sweep(recovering ? 0 : SWEEP_MS)) < BATCH;
      nextSweepAt = Date.now() + SWEEP_MS;
    }
    const batch = queue.splice(0, BATCH);
    if (batch.length > 0) {
      const byTopic = new Map<string, { key: string; value: string }[]>();
      for (const r of batch) {
        const list = byTopic.get(r.topic) ?? [];
        list.push({ key: r.key, value: r.value });
        byTopic.set(r.topic, list);
      }
      await producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
      for (const r of batch) {
        known.delete(r.id);
        published.add(r.id);
      }
      publishedTotal.inc({ source }, batch.length);
    }
    if (recovering && drained) recovering = false;
    if (published.size >= BATCH || (published.size > 0 && Date.now() - deletedAt >= DELETE_EVERY_MS)) await deletePublished();
  };

  const deletePublished = async () => {
    const ids = [...published];
    await pool.query('DELETE FROM outbox WHERE id = ANY($1::bigint[])', [ids]);
    for (const id of ids) published.delete(id);
    deletedAt = Date.now();
  };

  const run = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    let delay = SWEEP_MS;
    try {
      do {
        again = false;
        await round();
        if (recovering || queue.length > 0) again = true;
        // Nothing left to send but deletes still due: come back for them shortly.
        else if (published.size > 0) delay = DELETE_EVERY_MS;
      } while (again && !stopped);
    } catch (err) {
      failures.inc({ source });
      logger.warn({ err: (err as Error).message, backlog: queue.length }, 'outbox publish failed; retrying from the table');
      // The table is the truth: drop what was queued and read it back in order.
      recovering = true;
      queue = [];
      known.clear();
      delay = RETRY_MS;
    } finally {
      backlogGauge.set({ source }, queue.length);
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
    publish: (rows) => {
      // While recovering, the table has these rows and is read in order: queueing them would overtake older ones.
      if (recovering || stopped) return;
      for (const r of rows) {
        if (known.has(r.id)) continue;
        known.add(r.id);
        queue.push(r);
      }
      void run();
    },
    backlog: () => queue.length,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      while (running) await new Promise((r) => setTimeout(r, 10));
      // Left undeleted they would only be sent again after a restart: harmless, but avoidable.
      if (published.size > 0) await deletePublished().catch(() => undefined);
    },
  };
}
