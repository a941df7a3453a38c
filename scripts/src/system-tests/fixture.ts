import { FINAL_ORDER_STATUSES, createPool, topicNames, type Pool, type Topics } from '@ftlab/shared';
import { pollUntil } from '../lib/poll';
import { freeServicePorts, paymentLedgerUrl, startSystem, type RunningSystem, type ServiceName } from '../lib/system';
import { freshDatabaseUrl, testKafkaBrokers, testLogDir, uniqueTopicPrefix } from '../lib/testing';

export const TEST_TOKEN = 'test-admin-token-0123456789abcdef';

export interface TestSystem {
  system: RunningSystem;
  db: Pool;
  url: RunningSystem['urls'];
  /** This system's topics (its own prefix) on `kafkaBrokers`. */
  topics: Topics;
  kafkaBrokers: string[];
  /** The payment gateway's own database (its ledger). */
  paymentLedgerUrl: string;
  stop(): Promise<void>;
}

/**
 * A whole system of its own for one test file: a fresh database, its own topics on the harness's
 * broker (or `kafkaBrokers`), free ports. Resolves once every replica has applied the seed stock.
 */
export async function startTestSystem(name: string, opts: { services?: ServiceName[]; kafkaBrokers?: string[]; env?: Record<string, string> } = {}): Promise<TestSystem> {
  const databaseUrl = await freshDatabaseUrl(name);
  const ports = await freeServicePorts();
  const kafkaBrokers = opts.kafkaBrokers ?? testKafkaBrokers();
  const topicPrefix = uniqueTopicPrefix(name);
  const system = await startSystem({
    kafkaBrokers,
    databaseUrl,
    topicPrefix,
    ports,
    adminToken: TEST_TOKEN,
    logDir: testLogDir(name),
    services: opts.services,
    env: { LOG_LEVEL: 'warn', ...opts.env },
  });
  const db = createPool(databaseUrl, 4);
  const stop = async () => {
    await system.stop();
    await db.end();
  };
  try {
    await system.waitHealthy(system.services, 60_000);
    for (const replica of ['inventory-1', 'inventory-2', 'inventory-3'] as const) {
      if (system.services.includes(replica)) await waitFor(() => stockOf(system.urls[replica], 'PROD-001').then((s) => s !== undefined), 30_000, `${replica} has the seed stock`);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { system, db, url: system.urls, topics: topicNames(topicPrefix), kafkaBrokers, paymentLedgerUrl: paymentLedgerUrl(databaseUrl), stop };
}

/** The system tests' wait: every 50 ms, and a check that throws (a service restarting) is asked again. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string, everyMs = 50): Promise<void> {
  await pollUntil(check, { timeoutMs, intervalMs: everyMs, what, retryErrors: true });
}

/** How many items fall under each key, for a diagnostic or a failure message. */
export function countBy<T>(items: T[], key: (item: T) => string | number): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

/** How many answers had each HTTP status (0: no answer). */
export const countByStatus = (samples: { status: number }[]) => countBy(samples, (s) => s.status);

/** Waits until every one of `orderIds` is in the orders table with its final status (CONFIRMED, REJECTED or CANCELLED). */
export async function waitAllDecided(db: Pool, orderIds: string[], timeoutMs: number): Promise<void> {
  const decided = async () =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM orders WHERE order_id = ANY($1::uuid[]) AND status = ANY($2::text[])', [orderIds, FINAL_ORDER_STATUSES])).rows[0]!.n;
  await waitFor(async () => (await decided()) === orderIds.length, timeoutMs, `all ${orderIds.length} accepted orders are decided`, 500);
}

export interface Stock {
  available_quantity: number;
  reserved_quantity: number;
}

/** One replica's own answer for a product, or undefined when it does not answer 200. */
export async function stockOf(replicaUrl: string, productId: string): Promise<Stock | undefined> {
  const res = await fetch(`${replicaUrl}/inventory/${productId}`, { signal: AbortSignal.timeout(2000) });
  if (res.status !== 200) return undefined;
  const body = (await res.json()) as Stock;
  return { available_quantity: body.available_quantity, reserved_quantity: body.reserved_quantity };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => undefined), headers: res.headers };
}

export async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

export const admin = { authorization: `Bearer ${TEST_TOKEN}` };
