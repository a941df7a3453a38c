import path from 'node:path';
import { ConfigError, commonEnv, createLogger, endpointsEnv, parseEnv, port } from '@ftlab/shared';
import { startKafka } from '../kafka/broker';
import { CACHE_DIR, RUN_DIR } from '../paths';
import { ensurePostgres } from '../postgres/server';
import { SERVICE_NAMES, startSystem, type RunningSystem } from '../system';
import { ADMIN_TOKEN_FILE, adminToken, ensureAdminTokenFile } from './admin-token';
import { Lifecycle } from './lifecycle';

/**
 * `npm start`: the whole system in the foreground: a local Kafka (unless KAFKA_BROKERS points at
 * one), PostgreSQL (the running one, or an embedded one), and the six services, restarted when
 * they crash. Ctrl-C stops everything it started, in reverse order.
 */

const launcherEnv = {
  /** An existing cluster to use; when unset a local broker is started on KAFKA_PORT. */
  KAFKA_BROKERS: commonEnv.KAFKA_BROKERS.removeDefault().optional(),
  KAFKA_PORT: port.default(9092),
  DATABASE_URL: commonEnv.DATABASE_URL,
  TOPIC_PREFIX: commonEnv.TOPIC_PREFIX,
  ADMIN_TOKEN: adminToken.optional(),
  ORDERS_PORT: endpointsEnv.ORDERS_PORT,
  INVENTORY_1_PORT: endpointsEnv.INVENTORY_1_PORT,
  INVENTORY_2_PORT: endpointsEnv.INVENTORY_2_PORT,
  INVENTORY_3_PORT: endpointsEnv.INVENTORY_3_PORT,
  MONITOR_PORT: endpointsEnv.MONITOR_PORT,
  VOTER_PORT: endpointsEnv.VOTER_PORT,
};

const LOG_DIR = path.join(RUN_DIR, 'logs');
const KAFKA_LOG_DIR = path.join(LOG_DIR, 'kafka');
/** Broker data persists across runs like the database does: the order log is the system's source of truth. */
const KAFKA_DATA_DIR = path.join(CACHE_DIR, 'kafka', 'data');
const HEALTHY_WITHIN_MS = 30_000;

const logger = createLogger('launcher');

function printSummary(system: RunningSystem, kafka: string, postgres: string, tokenSource: string): void {
  const rows: [string, string][] = [
    ...SERVICE_NAMES.map((name): [string, string] => [name, system.urls[name]]),
    ['kafka', kafka],
    ['postgres', postgres],
    ['admin token', tokenSource],
    ['logs', system.logDir],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  const lines = rows.map(([name, where]) => `  ${name.padEnd(width)}  ${where}`);
  process.stdout.write(`\nft-lab is running:\n${lines.join('\n')}\nPress Ctrl-C to stop.\n\n`);
}

async function main(): Promise<void> {
  const env = parseEnv(launcherEnv);
  const token = env.ADMIN_TOKEN ?? ensureAdminTokenFile();
  const tokenSource = env.ADMIN_TOKEN ? 'from ADMIN_TOKEN' : ADMIN_TOKEN_FILE;
  const lifecycle = new Lifecycle(logger);

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now (children are killed)');
      process.exit(130);
    }
    logger.info({ signal }, 'stopping: services, then Kafka, then PostgreSQL (signal again to force)');
    void lifecycle.stop().then(() => {
      logger.info('everything stopped');
      process.exit(0);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const brokers =
      env.KAFKA_BROKERS ??
      (
        await lifecycle.add(
          'kafka',
          () => startKafka({ logger, port: env.KAFKA_PORT, dataDir: KAFKA_DATA_DIR, logDir: KAFKA_LOG_DIR, signal: lifecycle.signal }),
          (broker) => broker.stop(),
        )
      ).brokers;
    const postgres = await lifecycle.add('postgres', () => ensurePostgres(env.DATABASE_URL, logger), (server) => server.stop());
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
          logDir: LOG_DIR,
          echo: true,
          logger,
        }),
      (running) => running.stop(),
    );
    const started = Date.now();
    await system.waitHealthy('all', HEALTHY_WITHIN_MS).then(
      () => logger.info({ ms: Date.now() - started }, 'all services healthy'),
      // Not fatal: the supervisor keeps restarting whatever is down, and the logs say why.
      (err: Error) => logger.warn(err.message),
    );
    if (lifecycle.isStopping) return;
    const kafka = env.KAFKA_BROKERS ? `${brokers.join(',')} (external)` : `${brokers.join(',')} (local broker, logs in ${KAFKA_LOG_DIR})`;
    printSummary(system, kafka, `${env.DATABASE_URL}${postgres.embedded ? ' (embedded)' : ''}`, tokenSource);
  } catch (err) {
    if (lifecycle.isStopping) return; // a signal interrupted the start: onSignal finishes the shutdown
    logger.fatal({ err }, `start failed: ${(err as Error).message}`);
    await lifecycle.stop();
    process.exit(1);
  }
}

main().catch((err: Error) => {
  // Only errors from before anything was started get here: configuration, the token file.
  logger.fatal(err.message);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
