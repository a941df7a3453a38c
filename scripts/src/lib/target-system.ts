import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SEED_PRODUCTS, commonEnv, httpCall, parseEnv, resolveEndpoints, type Endpoints, type Logger } from '@ftlab/shared';
import { readAdminToken } from './admin-token';
import { Lifecycle } from './lifecycle';
import { localStackEnv, startLocalStack } from './local-stack';
import { pollUntil } from './poll';
import { ensurePostgres } from './postgres/server';
import { waitAllOn } from './replicas-on';
import { healthStatus } from './system';
import { isolatedStackEnv, testEnv } from './testing';

/**
 * The system a tool measures (the experiment, the benchmarks, the JMeter test): the one already
 * running at the configured endpoints if its monitor and voter answer /health, otherwise one
 * started here (Kafka unless KAFKA_BROKERS, PostgreSQL, the services and simulators) and stopped by stop().
 * Either way it is handed over ready: every replica ON and the voter serving a seed product.
 *
 * A system started here is either where the configuration says (ports, DATABASE_URL, Kafka on
 * KAFKA_PORT: the same variables as `npm start`, so both agree), or, with `isolateAs`, on free
 * ports with a fresh database, its own topics and its own broker unless KAFKA_BROKERS, so its
 * orders never mix with anyone else's.
 */

/** auto: the running system, else start one; own: always start one (isolated); running: only a running one. */
export type SystemChoice = 'auto' | 'own' | 'running';

export interface TargetSystem {
  endpoints: Endpoints;
  adminToken: string;
  databaseUrl: string;
  /** True when this process started the services (and stop() stops them). */
  startedHere: boolean;
  kafkaBrokers: string[] | null;
  topicPrefix: string;
  /** Service logs, when started here. */
  logDir: string | null;
  /** For reports: what was measured. */
  description: string;
  stop(): Promise<void>;
}

export interface AcquireOptions {
  env?: NodeJS.ProcessEnv;
  logger: Logger;
  /** Where the services' (and a started broker's) logs go when we start them. */
  logDir: string;
  choice?: SystemChoice;
  /** Start an isolated system under this name (its database is ftlab_test_<name>) instead of one where the configuration says. */
  isolateAs?: string;
  readyWithinMs?: number;
}

const HEALTH_PROBE_MS = 1500;
const READY_WITHIN_MS = 90_000;

async function answersHealth(url: string): Promise<boolean> {
  const status = await healthStatus(url, HEALTH_PROBE_MS);
  return typeof status === 'number' && status >= 200 && status < 300;
}

/** Replicas ON and the voter answering for a seed product: what every measurement starts from. */
async function waitReady(endpoints: Endpoints, timeoutMs: number): Promise<void> {
  await waitAllOn(endpoints, { timeoutMs });
  const product = SEED_PRODUCTS[0]!.product_id;
  await pollUntil(
    async () => {
      const answer = await httpCall(`${endpoints.voter}/inventory/${product}`, { timeoutMs: 2000 });
      return answer.ok && answer.status === 200;
    },
    { timeoutMs, intervalMs: 250, what: `the voter serving ${product}`, retryErrors: true },
  );
}

/** Brings a system up with `lifecycle` owning every part of it; the caller stops the lifecycle on failure. */
async function startHere(opts: AcquireOptions, lifecycle: Lifecycle): Promise<Omit<TargetSystem, 'stop' | 'description'>> {
  const { logger, logDir } = opts;
  const base = opts.env ?? process.env;
  let stackEnv = base;
  let kafkaDataDir: string | undefined;
  if (opts.isolateAs !== undefined) {
    // The server first: the fresh database is created on it.
    await lifecycle.add('postgres', () => ensurePostgres(`${parseEnv(testEnv, base).TEST_DATABASE_URL_BASE}/postgres`, logger), (server) => server.stop());
    stackEnv = await isolatedStackEnv(opts.isolateAs, base);
    if (!stackEnv.KAFKA_BROKERS) {
      const prefix = path.join(os.tmpdir(), `ftlab-${opts.isolateAs}-kafka-`);
      kafkaDataDir = await lifecycle.add('kafka data', async () => fs.mkdtempSync(prefix), async (dir) => fs.rmSync(dir, { recursive: true, force: true }));
    }
  }
  const env = parseEnv(localStackEnv, stackEnv);
  // Per-request info logs would cost the services CPU that the measurement means to measure.
  const serviceEnv = { LOG_LEVEL: parseEnv({ LOG_LEVEL: commonEnv.LOG_LEVEL.default('warn') }, base).LOG_LEVEL };
  const { brokers, system, adminToken } = await startLocalStack(env, { lifecycle, logger, logDir, serviceEnv, kafkaDataDir });
  const readyWithinMs = opts.readyWithinMs ?? READY_WITHIN_MS;
  await system.waitHealthy('all', readyWithinMs);
  await waitReady(system.endpoints, readyWithinMs);
  logger.info({ logDir }, 'system started');
  return { endpoints: system.endpoints, adminToken, databaseUrl: env.DATABASE_URL, startedHere: true, kafkaBrokers: brokers, topicPrefix: env.TOPIC_PREFIX, logDir };
}

export async function acquireSystem(opts: AcquireOptions): Promise<TargetSystem> {
  const { logger } = opts;
  const choice = opts.choice ?? 'auto';
  if (choice === 'own' && opts.isolateAs === undefined) throw new Error('an own system must be isolated: it would take the configured ports');
  const env = parseEnv(localStackEnv, opts.env ?? process.env);
  const endpoints = resolveEndpoints(env, env.HOST);
  const [monitorUp, voterUp] = choice === 'own' ? [false, false] : await Promise.all([answersHealth(endpoints.monitor), answersHealth(endpoints.voter)]);

  if (monitorUp && voterUp) {
    logger.info({ monitor: endpoints.monitor, voter: endpoints.voter }, 'using the running system');
    await waitReady(endpoints, opts.readyWithinMs ?? READY_WITHIN_MS);
    return {
      endpoints,
      adminToken: env.ADMIN_TOKEN ?? readAdminToken(opts.env ?? process.env),
      databaseUrl: env.DATABASE_URL,
      startedHere: false,
      kafkaBrokers: env.KAFKA_BROKERS ?? null,
      topicPrefix: env.TOPIC_PREFIX,
      logDir: null,
      description: `running system at ${endpoints.orders} (orders), ${endpoints.voter} (voter)`,
      stop: async () => undefined,
    };
  }
  if (choice === 'running') throw new Error(`no running system answers at ${endpoints.monitor} (monitor), ${endpoints.voter} (voter): start one with npm start`);
  if ((monitorUp || voterUp) && opts.isolateAs === undefined) {
    // Starting a second system on top of half of one would fail on the ports, or worse, mix them.
    throw new Error(
      `only part of a system is running (monitor ${monitorUp ? 'up' : 'down'} at ${endpoints.monitor}, voter ${voterUp ? 'up' : 'down'} at ${endpoints.voter}): start it fully (npm start) or stop it`,
    );
  }

  logger.info(opts.isolateAs === undefined ? 'no system running: starting one' : `starting a system of its own (${opts.isolateAs})`);
  const lifecycle = new Lifecycle(logger);
  try {
    const started = await startHere(opts, lifecycle);
    const database = new URL(started.databaseUrl).pathname.slice(1);
    return {
      ...started,
      description: `system started here (database ${database}, Kafka ${started.kafkaBrokers?.join(',')}, logs in ${started.logDir})`,
      stop: () => lifecycle.stop(),
    };
  } catch (err) {
    await lifecycle.stop();
    throw err;
  }
}
