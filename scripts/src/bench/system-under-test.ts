import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { commonEnv, parseEnv, type Endpoints, type Logger } from '@ftlab/shared';
import { waitAllOn } from '../lib/fault-api';
import { endpointsFromEnv } from '../lib/targets';
import { startKafka, type KafkaBroker } from '../lib/kafka/broker';
import { readAdminToken } from '../lib/admin-token';
import { freePort } from '../lib/ports';
import { ensurePostgres } from '../lib/postgres/server';
import { startSystem, type RunningSystem } from '../lib/system';
import { freshDatabaseUrl, testEnv, uniqueTopicPrefix } from '../lib/testing';

/**
 * The system a benchmark measures: the one already running at the configured endpoints (the
 * launcher's), or one of its own on free ports with a fresh database and topic prefix, so a
 * benchmark never mixes its orders with anyone else's. It stops only what it started.
 */

export type SystemChoice = 'auto' | 'own' | 'running';

export interface SystemUnderTest {
  endpoints: Endpoints;
  databaseUrl: string;
  adminToken: string;
  /** Whether this process started it. */
  owned: boolean;
  /** For the report: what was measured. */
  description: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 90_000;

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/** Every service of the configured endpoints answers /health. */
async function runningSystemAt(endpoints: Endpoints): Promise<boolean> {
  const urls = [endpoints.orders, endpoints.monitor, endpoints.voter, ...Object.values(endpoints.inventory)];
  return (await Promise.all(urls.map(healthy))).every(Boolean);
}

/** Polls until `probe` resolves true; rejects with `what` after the timeout. */
export async function waitUntil(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Waits until the system can answer what benchmarks ask: replicas ON and the voter serving a seed product. */
export async function waitReady(endpoints: Endpoints, timeoutMs = READY_TIMEOUT_MS): Promise<void> {
  await waitAllOn(endpoints, timeoutMs);
  await waitUntil('the voter serving PROD-001', timeoutMs, async () => {
    const res = await fetch(`${endpoints.voter}/inventory/PROD-001`, { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    return res.status === 200;
  });
}

async function startOwn(label: string, logger: Logger, logDir: string): Promise<SystemUnderTest> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((err: Error) => logger.warn({ err: err.message }, 'error while stopping'));
  };
  try {
    const env = parseEnv(testEnv);
    let brokers = env.KAFKA_BROKERS;
    if (!brokers) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `ftlab-${label}-kafka-`));
      stops.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
      const broker: KafkaBroker = await startKafka({ logger, port: await freePort(), dataDir, logDir: path.join(logDir, 'kafka') });
      stops.push(() => broker.stop());
      brokers = broker.brokers;
    }
    const postgres = await ensurePostgres(`${env.TEST_DATABASE_URL_BASE}/postgres`, logger);
    stops.push(() => postgres.stop());
    const databaseUrl = await freshDatabaseUrl(label);
    const adminToken = crypto.randomBytes(24).toString('hex');
    const [orders, inventory1, inventory2, inventory3, monitor, voter] = await Promise.all(Array.from({ length: 6 }, () => freePort()));
    const system: RunningSystem = await startSystem({
      kafkaBrokers: brokers,
      databaseUrl,
      topicPrefix: uniqueTopicPrefix(label),
      adminToken,
      ports: { orders, inventory1, inventory2, inventory3, monitor, voter },
      logDir,
      // Per-request info logs would cost the services CPU that the benchmark means to measure.
      env: { LOG_LEVEL: parseEnv({ LOG_LEVEL: commonEnv.LOG_LEVEL.default('warn') }).LOG_LEVEL },
      logger,
    });
    stops.push(() => system.stop());
    await system.waitHealthy('all', READY_TIMEOUT_MS);
    await waitReady(system.endpoints);
    return {
      endpoints: system.endpoints,
      databaseUrl,
      adminToken,
      owned: true,
      description: `own system (database ${new URL(databaseUrl).pathname.slice(1)}, Kafka ${brokers.join(',')}, logs in ${logDir})`,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

export async function acquireSystem(opts: { choice: SystemChoice; label: string; logger: Logger; logDir: string }): Promise<SystemUnderTest> {
  const endpoints = endpointsFromEnv();
  if (opts.choice !== 'own' && (await runningSystemAt(endpoints))) {
    await waitReady(endpoints);
    return {
      endpoints,
      databaseUrl: parseEnv({ DATABASE_URL: commonEnv.DATABASE_URL }).DATABASE_URL,
      adminToken: readAdminToken(),
      owned: false,
      description: `running system at ${endpoints.orders} (orders), ${endpoints.voter} (voter)`,
      stop: async () => undefined,
    };
  }
  if (opts.choice === 'running') throw new Error(`no running system answers at ${endpoints.orders}, ${endpoints.voter}... (start one with npm start)`);
  opts.logger.info('no system running at the configured endpoints: starting one');
  return startOwn(opts.label, opts.logger, opts.logDir);
}

/** Runs `work` against a system and stops it afterwards, also on Ctrl-C (exit 130). */
export async function withSystem<T>(opts: { choice: SystemChoice; label: string; logger: Logger; logDir: string }, work: (sut: SystemUnderTest) => Promise<T>): Promise<T> {
  const sut = await acquireSystem(opts);
  const onSignal = () => {
    opts.logger.warn('interrupted: stopping what the benchmark started');
    void sut.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await work(sut);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await sut.stop();
  }
}
