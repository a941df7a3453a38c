import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_HOST, commonEnv, endpointsEnv, port, type Logger } from '@ftlab/shared';
import { startKafka } from './kafka/broker';
import { CACHE_DIR } from './paths';
import { portAnswers } from './ports';
import { ensurePostgres, type PostgresServer } from './postgres/server';
import { startSystem, type RunningSystem } from './system';
import { adminToken, ensureAdminTokenFile } from './admin-token';
import type { Lifecycle } from './lifecycle';

/** Variables of everything that brings the whole system up here: `npm start` and the experiment. */
export const localStackEnv = {
  /** An existing cluster to use; when unset a local broker is started on KAFKA_PORT. */
  KAFKA_BROKERS: commonEnv.KAFKA_BROKERS.removeDefault().optional(),
  KAFKA_PORT: port.default(9092),
  DATABASE_URL: commonEnv.DATABASE_URL,
  TOPIC_PREFIX: commonEnv.TOPIC_PREFIX,
  HOST: commonEnv.HOST,
  ADMIN_TOKEN: adminToken.optional(),
  ...endpointsEnv,
};
export type LocalStackEnv = z.infer<z.ZodObject<typeof localStackEnv>>;

/** Broker data persists across runs like the database does: the order log is the system's source of truth. */
const KAFKA_DATA_DIR = path.join(CACHE_DIR, 'kafka', 'data');

export interface LocalStack {
  brokers: string[];
  /** How the broker was found: external (KAFKA_BROKERS), already listening on KAFKA_PORT, or started here. */
  kafka: 'external' | 'running' | 'started';
  postgres: PostgresServer;
  system: RunningSystem;
  adminToken: string;
}

/**
 * Kafka (unless KAFKA_BROKERS, or one already listening on KAFKA_PORT), PostgreSQL (the running
 * one, or embedded) and the six supervised services, each registered with `lifecycle` so that
 * stopping it stops them in reverse order.
 */
export async function startLocalStack(
  env: LocalStackEnv,
  opts: {
    lifecycle: Lifecycle;
    logger: Logger;
    logDir: string;
    /** Where the services' output lines go, besides their log files. */
    echo?: (line: string) => void;
    serviceEnv?: Record<string, string>;
    /** Where a broker started here keeps its log; KAFKA_DATA_DIR by default. */
    kafkaDataDir?: string;
  },
): Promise<LocalStack> {
  const { lifecycle, logger } = opts;
  let brokers = env.KAFKA_BROKERS;
  let kafka: LocalStack['kafka'] = 'external';
  if (!brokers && (await portAnswers(DEFAULT_HOST, env.KAFKA_PORT))) {
    // A broker left running by an earlier `npm start`: use it rather than fail on its port.
    brokers = [`${DEFAULT_HOST}:${env.KAFKA_PORT}`];
    kafka = 'running';
    logger.info({ brokers }, 'using the broker already listening on KAFKA_PORT');
  }
  if (!brokers) {
    kafka = 'started';
    const kafkaLogDir = path.join(opts.logDir, 'kafka');
    brokers = (
      await lifecycle.add(
        'kafka',
        () => startKafka({ logger, port: env.KAFKA_PORT, dataDir: opts.kafkaDataDir ?? KAFKA_DATA_DIR, logDir: kafkaLogDir, signal: lifecycle.signal }),
        (broker) => broker.stop(),
      )
    ).brokers;
  }
  const postgres = await lifecycle.add('postgres', () => ensurePostgres(env.DATABASE_URL, logger), (server) => server.stop());
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
        echo: opts.echo,
        env: opts.serviceEnv,
        logger,
      }),
    (running) => running.stop(),
  );
  return { brokers, kafka, postgres, system, adminToken: token };
}
