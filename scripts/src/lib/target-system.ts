import { parseEnv, resolveEndpoints, type Endpoints, type Logger } from '@ftlab/shared';
import { readAdminToken } from './admin-token';
import { Lifecycle } from './lifecycle';
import { localStackEnv, startLocalStack } from './local-stack';

/**
 * The system an experiment (or the JMeter test) runs against: the one already running if its
 * monitor and voter answer /health, otherwise one started here (Kafka unless KAFKA_BROKERS,
 * PostgreSQL, the six services) and stopped by stop(). Configured by the same variables as the
 * launcher and the services, so `npm start` + `npm run experiment` agree on ports and database.
 */

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
  const env = parseEnv(localStackEnv, opts.env ?? process.env);
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
    const { brokers, system, adminToken: token } = await startLocalStack(env, { lifecycle, logger, logDir: opts.logDir, serviceEnv: { LOG_LEVEL: 'warn' } });
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
