import type { Topics } from './config';
import type { Pool, PoolClient } from './db';
import { messageKey, type TopicEvents, type TopicKey } from './events';
import type { Logger } from './logger';
import type { EventProducer } from './producer';
import { counter, gauge, type Registry } from './metrics';
import { RelayState, type OutboxRow } from './outbox/relay-state';

export type { OutboxRow } from './outbox/relay-state';

/**
 * A message for the outbox: an event and the topic it goes to. The topic fixes the event's type,
 * so a producer cannot queue an event that the topic's consumers would dead-letter.
 */
export type OutboxMessage = { [K in TopicKey]: { topic: K; event: TopicEvents[K] } }[TopicKey];

/** A message as the outbox stores it: its topic's name, the key its contract gives it, the event as JSON. */
export function outboxEntry(topics: Topics, m: OutboxMessage): Omit<OutboxRow, 'id'> {
  return { topic: topics[m.topic], key: messageKey(m.topic, m.event), value: JSON.stringify(m.event) };
}

/**
 * The one insert into the outbox: `enqueue`'s, and that of a writer whose messages depend on what
 * the same statement inserts, which embeds it as a CTE (one round trip; see orders-svc's batched
 * order insert). `from` is a relation aliased `m` with columns (topic, message_key, payload, n);
 * rows are inserted in `n` order, so their ids are drawn in that order. The caller adds RETURNING.
 */
export function outboxInsert(sourceParam: string, from: string): string {
  return `INSERT INTO outbox (source, topic, message_key, payload) SELECT ${sourceParam}, m.topic, m.message_key, m.payload FROM ${from} ORDER BY m.n`;
}

/**
 * Writes messages to the outbox inside the caller's transaction: they commit or vanish with its
 * state. Returns the rows to hand to the relay once the transaction has committed.
 */
export async function enqueue(client: PoolClient, source: string, topics: Topics, messages: OutboxMessage[]): Promise<OutboxRow[]> {
  if (messages.length === 0) return [];
  const entries = messages.map((m) => outboxEntry(topics, m));
  const { rows } = await client.query<{ id: string }>({
    name: 'outbox-enqueue',
    text: `${outboxInsert('$1', 'unnest($2::text[], $3::text[], $4::jsonb[]) WITH ORDINALITY AS m(topic, message_key, payload, n)')} RETURNING id`,
    values: [source, entries.map((e) => e.topic), entries.map((e) => e.key), entries.map((e) => e.value)],
  });
  // Ids are drawn in insertion order, which the ORDER BY fixes: the k-th smallest is the k-th message.
  const ids = rows.map((r) => BigInt(r.id)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.map((e, k) => ({ id: String(ids[k]), ...e }));
}

export interface OutboxRelay {
  /** Publishes rows the caller has just committed, without reading them back from the table. */
  publish(rows: OutboxRow[]): void;
  /** Rows committed but not yet acknowledged by Kafka, as far as this relay knows. */
  backlog(): number;
  stop(): Promise<void>;
}

/**
 * Publishes a source's outbox to Kafka. Rows its own process has just committed are handed over
 * in memory and published at once (the fast path); once Kafka has acknowledged them they are
 * deleted, in one statement every 100 ms or so. The table is read only to recover: at start, after a failed send (Kafka away), and
 * once a second for any row the fast path missed. Sends never overlap, and while recovering the
 * table is read in id order, so events of one key keep their order across an outage. What to do
 * when is decided by `RelayState`; this adapter does the SQL and the sends.
 *
 * A crash between the send and the delete sends those rows again on restart, so consumers must
 * tolerate duplicates (they do: orders and stock events carry ids).
 */
export function startOutboxRelay(opts: { pool: Pool; producer: EventProducer; source: string; logger: Logger; registry: Registry }): OutboxRelay {
  const { pool, producer, source, logger } = opts;
  const publishedTotal = counter(opts.registry, 'outbox_published_total', 'Outbox messages published to Kafka', ['source']);
  const failures = counter(opts.registry, 'outbox_publish_failures_total', 'Failed outbox publish rounds (retried)', ['source']);
  const swept = counter(opts.registry, 'outbox_swept_total', 'Outbox rows published from the table rather than handed over in memory', ['source']);
  const backlogGauge = gauge(opts.registry, 'outbox_backlog', 'Outbox messages not yet published', ['source']);

  const state = new RelayState();
  /** The latest run: stop() waits for it. */
  let current: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const readTable = async (olderThanMs: number, limit: number): Promise<OutboxRow[]> => {
    const { rows } = await pool.query<OutboxRow>(
      `SELECT id, topic, message_key AS key, payload::text AS value FROM outbox
       WHERE source = $1 AND created_at <= clock_timestamp() - make_interval(secs => $2::float8 / 1000)
       ORDER BY id LIMIT ${limit}`,
      [source, olderThanMs],
    );
    return rows;
  };
  const deleteRows = async (ids: string[]) => {
    await pool.query('DELETE FROM outbox WHERE id = ANY($1::bigint[])', [ids]);
    state.deleted(ids, Date.now());
  };
  const send = async (rows: OutboxRow[]) => {
    const byTopic = new Map<string, { key: string; value: string }[]>();
    for (const r of rows) {
      const list = byTopic.get(r.topic) ?? [];
      list.push({ key: r.key, value: r.value });
      byTopic.set(r.topic, list);
    }
    await producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    state.sent(rows);
    publishedTotal.inc({ source }, rows.length);
  };

  /** One run: the state's steps until it rests, then the timer for the next run. */
  const steps = async (): Promise<void> => {
    let restMs: number;
    try {
      for (;;) {
        const step = state.next(Date.now());
        if (step.kind === 'rest') {
          restMs = step.delayMs;
          break;
        }
        if (step.kind === 'sweep') swept.inc({ source }, state.swept(await readTable(step.olderThanMs, step.limit), step.limit, Date.now()));
        else if (step.kind === 'send') await send(step.rows);
        else await deleteRows(step.ids);
      }
    } catch (err) {
      failures.inc({ source });
      logger.warn({ err: (err as Error).message, backlog: state.backlog }, 'outbox publish failed; retrying from the table');
      restMs = state.failed();
    }
    backlogGauge.set({ source }, state.backlog);
    schedule(restMs);
  };
  const run = () => {
    if (state.wake()) current = steps();
  };
  const schedule = (ms: number) => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(run, ms);
  };

  run();
  return {
    publish: (rows) => {
      if (state.handOver(rows)) run();
    },
    backlog: () => state.backlog,
    stop: async () => {
      stopped = true;
      state.stop();
      if (timer) clearTimeout(timer);
      await current;
      // Left undeleted they would only be sent again after a restart: harmless, but avoidable.
      const ids = state.deletable();
      if (ids.length > 0) await deleteRows(ids).catch(() => undefined);
    },
  };
}
