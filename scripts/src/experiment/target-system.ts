import path from 'node:path';
import {
  DEFAULT_HOST,
  commonEnv,
  endpointsEnv,
  parseEnv,
  port,
  resolveEndpoints,
  type Endpoints,
  type Logger,
} from '@ftlab/shared';
import { startKafka } from '../kafka/broker';
import { adminToken, ensureAdminTokenFile, readAdminToken } from '../launcher/admin-token';
import { Lifecycle } from '../launcher/lifecycle';
import { CACHE_DIR } from '../paths';
import { portAnswers } from '../ports';
import { ensurePostgres } from '../postgres/server';
import { startSystem } from '../system';

/**
 * The system an experiment (or the JMeter test) runs against: the one already running if its
 * monitor and voter answer /health, otherwise one started here (Kafka unless KAFKA_BROKERS,
 * PostgreSQL, the six services) and stopped by stop(). Configured by the same variables as the
 * launcher and the services, so `npm start` + `npm run experiment` agree on ports and database.
 */

export const targetEnv = {
  KAFKA_BROKERS: commonEnv.KAFKA_BROKERS.removeDefault().optional(),
  KAFKA_PORT: port.default(9092),
  DATABASE_URL: commonEnv.DATABASE_URL,
  TOPIC_PREFIX: commonEnv.TOPIC_PREFIX,
  HOST: commonEnv.HOST,
  ADMIN_TOKEN: adminToken.optional(),
  ...endpointsEnv,
};

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
  stop(): Promise<void>;
}

export interface AcquireOptions {
  env?: NodeJS.ProcessEnv;
  logger: Logger;
  /** Where the services' (and a started broker's) logs go when we start them. */
  logDir: string;
  healthyWithinMs?: number;
}

/** The launcher's broker data, so a broker started here carries on the same log as `npm start`'s. */
const KAFKA_DATA_DIR = path.join(CACHE_DIR, 'kafka', 'data');
const HEALTH_PROBE_MS = 1500;

async function answersHealth(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(HEALTH_PROBE_MS) });
    await res.body?.cancel();
    return res.status >= 200 && res.status < 300;
  } catch {
    return false;
  }
}

export async function acquireSystem(opts: AcquireOptions): Promise<TargetSystem> {
  const env = parseEnv(targetEnv, opts.env ?? process.env);
  const { logger } = opts;
  const endpoints = resolveEndpoints(env, env.HOST);
  const [monitorUp, voterUp] = await Promise.all([answersHealth(endpoints.monitor), answersHealth(endpoints.voter)]);

  if (monitorUp && voterUp) {
    logger.info({ monitor: endpoints.monitor, voter: endpoints.voter }, 'using the running system');
    return {
      endpoints,
      adminToken: env.ADMIN_TOKEN ?? readAdminToken(opts.env ?? process.env),
      databaseUrl: env.DATABASE_URL,
      startedHere: false,
      kafkaBrokers: env.KAFKA_BROKERS ?? null,
      topicPrefix: env.TOPIC_PREFIX,
      logDir: null,
      stop: async () => undefined,
    };
  }
  if (monitorUp || voterUp) {
    // Starting a second system on top of half of one would fail on the ports, or worse, mix them.
    throw new Error(
      `only part of a system is running (monitor ${monitorUp ? 'up' : 'down'} at ${endpoints.monitor}, voter ${voterUp ? 'up' : 'down'} at ${endpoints.voter}): start it fully (npm start) or stop it`,
    );
  }

  logger.info('no system running: starting Kafka (unless KAFKA_BROKERS), PostgreSQL and the services');
  const lifecycle = new Lifecycle(logger);
  try {
    let brokers = env.KAFKA_BROKERS;
    if (!brokers && (await portAnswers(DEFAULT_HOST, env.KAFKA_PORT))) {
      // A broker left running by `npm start` (services stopped): use it rather than fail on its port.
      brokers = [`${DEFAULT_HOST}:${env.KAFKA_PORT}`];
      logger.info({ brokers }, 'using the broker already listening on KAFKA_PORT');
    }
    brokers ??= (
      await lifecycle.add(
        'kafka',
        () => startKafka({ logger, port: env.KAFKA_PORT, dataDir: KAFKA_DATA_DIR, logDir: path.join(opts.logDir, 'kafka') }),
        (broker) => broker.stop(),
      )
    ).brokers;
    await lifecycle.add('postgres', () => ensurePostgres(env.DATABASE_URL, logger), (pg) => pg.stop());
    const token = env.ADMIN_TOKEN ?? ensureAdminTokenFile();
    const system = await lifecycle.add(
      'services',
      () =>
        startSystem({
          kafkaBrokers: brokers,
          databaseUrl: env.DATABASE_URL,
          topicPrefix: env.TOPIC_PREFIX,
          adminToken: token,
          ports: {
            orders: env.ORDERS_PORT,
            inventory1: env.INVENTORY_1_PORT,
            inventory2: env.INVENTORY_2_PORT,
            inventory3: env.INVENTORY_3_PORT,
            monitor: env.MONITOR_PORT,
            voter: env.VOTER_PORT,
          },
          logDir: opts.logDir,
          env: { LOG_LEVEL: 'warn' },
          logger,
        }),
      (running) => running.stop(),
    );
    await system.waitHealthy('all', opts.healthyWithinMs ?? 60_000);
    logger.info({ logDir: opts.logDir }, 'system started');
    return {
      endpoints: system.endpoints,
      adminToken: token,
      databaseUrl: env.DATABASE_URL,
      startedHere: true,
      kafkaBrokers: brokers,
      topicPrefix: env.TOPIC_PREFIX,
      logDir: opts.logDir,
      stop: () => lifecycle.stop(),
    };
  } catch (err) {
    await lifecycle.stop();
    throw err;
  }
}
