import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_HOST, commonEnv, endpointsEnv, port, type Logger } from '@ftlab/shared';
import { startKafka, type KafkaCluster } from './kafka/broker';
import { CACHE_DIR } from './paths';
import { portAnswers } from './ports';
import { ensurePostgres, type PostgresServer } from './postgres/server';
import { startSystem, type RunningSystem } from './system';
import { adminToken, ensureAdminTokenFile } from './admin-token';
import type { Lifecycle } from './lifecycle';

/** Variables of everything that brings the whole system up here: `npm start` and the experiment. */
export const localStackEnv = {
  /** An existing cluster to use; when unset local brokers are started on KAFKA_PORT and up. */
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

/** Each cluster size has its own log, so going from one broker to three and back keeps both. */
export const kafkaDataDir = (brokers: number) => (brokers === 1 ? KAFKA_DATA_DIR : `${KAFKA_DATA_DIR}-${brokers}-brokers`);

/** Local node n (1-based) listens on KAFKA_PORT + n - 1: 9092, 9093, 9094 for three. */
const localPorts = (firstPort: number, brokers: number) => Array.from({ length: brokers }, (_, i) => firstPort + i);

export interface LocalStack {
  brokers: string[];
  /** How the brokers were found: external (KAFKA_BROKERS), already listening on KAFKA_PORT, or started here. */
  kafka: 'external' | 'running' | 'started';
  /** The brokers started here (supervised, with per-broker fault control), when kafka is 'started'. */
  cluster?: KafkaCluster;
  postgres: PostgresServer;
  system: RunningSystem;
  adminToken: string;
}

/**
 * Kafka (unless KAFKA_BROKERS, or one already listening on KAFKA_PORT; `brokers` local nodes,
 * one by default), PostgreSQL (the running one, or embedded) and the supervised services and simulators,
 * each registered with `lifecycle` so that stopping it stops them in reverse order.
 */
export async function startLocalStack(
  env: LocalStackEnv,
  opts: {
    lifecycle: Lifecycle;
    logger: Logger;
    logDir: string;
    /** How many Kafka nodes to start when none is given or running (1 by default). */
    brokers?: number;
    /** Where the services' output lines go, besides their log files. */
    echo?: (line: string) => void;
    serviceEnv?: Record<string, string>;
    /** Where brokers started here keep their logs; under .cache/kafka by default. */
    kafkaDataDir?: string;
  },
): Promise<LocalStack> {
  const { lifecycle, logger } = opts;
  const ports = localPorts(env.KAFKA_PORT, opts.brokers ?? 1);
  let brokers = env.KAFKA_BROKERS;
  let kafka: LocalStack['kafka'] = 'external';
  let cluster: KafkaCluster | undefined;
  if (!brokers && (await portAnswers(DEFAULT_HOST, env.KAFKA_PORT))) {
    // Brokers left running by an earlier `npm start`: use them rather than fail on their ports.
    const answering = await Promise.all(ports.map((p) => portAnswers(DEFAULT_HOST, p)));
    brokers = ports.filter((_, i) => answering[i]).map((p) => `${DEFAULT_HOST}:${p}`);
    kafka = 'running';
    logger.info({ brokers }, 'using the brokers already listening on KAFKA_PORT and up');
  }
  if (!brokers) {
    kafka = 'started';
    const dataDir = opts.kafkaDataDir ?? kafkaDataDir(ports.length);
    const logDir = path.join(opts.logDir, 'kafka');
    cluster = await lifecycle.add('kafka', () => startKafka({ logger, ports, dataDir, logDir, signal: lifecycle.signal }), (started) => started.stop());
    brokers = cluster.brokers;
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
          monitor2: env.MONITOR_2_PORT,
          voter: env.VOTER_PORT,
          control: env.CONTROL_PORT,
          gateway: env.GATEWAY_PORT,
          payment: env.PAYMENT_SVC_PORT,
          notification: env.NOTIFICATION_SVC_PORT,
          paymentGateway: env.PAYMENT_GATEWAY_PORT,
          mailSinkHttp: env.MAIL_SINK_HTTP_PORT,
          mailSinkSmtp: env.MAIL_SINK_SMTP_PORT,
        },
        logDir: opts.logDir,
        echo: opts.echo,
        env: opts.serviceEnv,
        logger,
        // The brokers started here can be crashed and frozen through the control API too.
        processHosts: cluster ? [cluster.processes] : undefined,
      }),
    (running) => running.stop(),
  );
  return { brokers, kafka, cluster, postgres, system, adminToken: token };
}
