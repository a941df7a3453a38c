import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { CommitOutcomeUnknown, isTransientDbError } from './db-errors';
import type { Logger } from './logger';
import { dbRetryPolicy, type DbRetryPolicy } from './policies/db-retry';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

/** init.sql at the repository root: the one schema, applied idempotently by whoever starts first. */
export const INIT_SQL_PATH = path.resolve(__dirname, '../../init.sql');

/**
 * A pool whose connections may drop at any time (a server restart, pg_terminate_backend) without
 * taking the process down: node-postgres emits 'error' on a client whose connection is lost, and
 * an 'error' event nobody listens to kills the process. The pool listens for idle clients; a
 * client checked out (a transaction, a consumer's group commit) is listened to here from the
 * moment it connects, and the query it was running fails with the error instead.
 */
export function createPool(url: string, max = 10, logger?: Logger): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  const lost = (err: Error) => logger?.warn({ err: err.message }, 'database connection lost; it will be replaced');
  pool.on('connect', (client) => client.on('error', lost));
  pool.on('error', () => undefined); // already logged by the client's own listener
  return pool;
}

/** Creates the database named in the URL if it is missing (connecting to the server's `postgres` db). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!name) throw new Error(`DATABASE_URL names no database: ${url}`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created concurrently by another process
      });
    }
  } finally {
    await client.end();
  }
}

/** Applies init.sql under an advisory lock so services starting together do not race on DDL. */
export async function applySchema(pool: pg.Pool, sql = fs.readFileSync(INIT_SQL_PATH, 'utf8')): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(4242)');
    await client.query(sql);
  } finally {
    await client.query('SELECT pg_advisory_unlock(4242)').catch(() => undefined);
    client.release();
  }
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const SOCKET_DIRS = ['/var/run/postgresql', '/tmp'];

async function postmasterStart(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return String((await client.query<{ started: Date }>('SELECT pg_postmaster_start_time() AS started')).rows[0]!.started.getTime());
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The same server over its Unix socket, when the URL names a server on this machine that has one:
 * a query round trip then costs both sides markedly less CPU than over loopback TCP, and the order
 * path makes thousands a second. The socket is used only if it leads to the very server the URL
 * does (same postmaster start time); otherwise the URL is returned as it is.
 */
export async function overUnixSocket(url: string): Promise<string> {
  const parsed = new URL(url);
  if (!LOOPBACK.has(parsed.hostname) || parsed.searchParams.has('host')) return url;
  const port = parsed.port || '5432';
  for (const dir of SOCKET_DIRS) {
    if (!fs.existsSync(path.join(dir, `.s.PGSQL.${port}`))) continue;
    const viaSocket = new URL(url);
    viaSocket.searchParams.set('host', dir);
    const [tcp, socket] = await Promise.all([postmasterStart(url), postmasterStart(viaSocket.toString())]);
    if (tcp !== undefined && tcp === socket) return viaSocket.toString();
  }
  return url;
}

export async function prepareDatabase(url: string, max?: number, logger?: Logger): Promise<pg.Pool> {
  await ensureDatabase(url);
  const pool = createPool(await overUnixSocket(url), max, logger);
  await applySchema(pool);
  return pool;
}

const defaultDbRetry = dbRetryPolicy();

/**
 * Runs `work` in a transaction. One that loses its connection before COMMIT was rolled back by
 * the server and is run again (see policies/db-retry.ts), so `work` must keep its side effects
 * inside the transaction, or make them safe to repeat. A connection lost during COMMIT throws
 * CommitOutcomeUnknown. A broken connection is discarded, never returned to the pool.
 */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>, policy: DbRetryPolicy = defaultDbRetry): Promise<T> {
  return policy.execute(() => transactionOnce(pool, work));
}

async function transactionOnce<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT').catch((err: Error) => {
      throw isTransientDbError(err) ? new CommitOutcomeUnknown(err) : err;
    });
    return result;
  } catch (err) {
    if (!(err instanceof CommitOutcomeUnknown)) {
      await client.query('ROLLBACK').catch((rollbackErr: Error) => (broken = rollbackErr));
    }
    if (isTransientDbError(err)) broken = err as Error;
    throw err;
  } finally {
    client.release(broken);
  }
}

/**
 * LISTENs on a channel over a dedicated connection and reconnects when it drops, calling
 * `onReconnect` so the caller can reload whatever it may have missed meanwhile.
 */
export function listenChannel(
  url: string,
  channel: string,
  onNotify: (payload: string) => void,
  logger: Logger,
  onReconnect: () => void = () => undefined,
): { close: () => Promise<void> } {
  let client: pg.Client | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;

  const connect = async () => {
    const c = new pg.Client({ connectionString: url });
    c.on('notification', (msg) => {
      if (msg.channel === channel) onNotify(msg.payload ?? '');
    });
    c.on('error', (err) => {
      logger.warn({ err: err.message, channel }, 'listen connection lost; reconnecting');
      retry();
    });
    try {
      await c.connect();
      await c.query(`LISTEN "${channel}"`);
      client = c;
      onReconnect();
    } catch (err) {
      logger.warn({ err: (err as Error).message, channel }, 'listen connect failed; retrying');
      c.end().catch(() => undefined);
      retry();
    }
  };
  const retry = () => {
    client = undefined;
    if (!closed && !timer) timer = setTimeout(() => ((timer = undefined), void connect()), 500);
  };
  void connect();
  return {
    close: async () => {
      closed = true;
      if (timer) clearTimeout(timer);
      await client?.end().catch(() => undefined);
    },
  };
}
