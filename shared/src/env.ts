import { z } from 'zod';
import {
  DEFAULT_DATABASE_URL,
  DEFAULT_HOST,
  DEFAULT_KAFKA_BROKERS,
  DEFAULT_MAIL_SINK_HTTP_PORT,
  DEFAULT_MAIL_SINK_SMTP_PORT,
  DEFAULT_PAYMENT_GATEWAY_PORT,
  DEFAULT_PAYMENT_SVC_PORT,
  DEFAULT_NOTIFICATION_SVC_PORT,
  GATEWAY_DEFAULTS,
  REPLICA_IDS,
  type ReplicaId,
} from './config';

/** A configuration error names the variable and what was wrong with it; entry points exit non-zero on it. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const port = z.coerce.number().int().min(1).max(65535);
const brokerList = z
  .string()
  .min(1)
  .transform((s) => s.split(',').map((b) => b.trim()))
  .pipe(z.array(z.string().regex(/^[\w.-]+:\d{1,5}$/, 'expected host:port')).min(1));
const postgresUrl = z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL');

/** Variables every service reads. */
export const commonEnv = {
  KAFKA_BROKERS: brokerList.default(DEFAULT_KAFKA_BROKERS),
  DATABASE_URL: postgresUrl.default(DEFAULT_DATABASE_URL),
  TOPIC_PREFIX: z.string().regex(/^[\w.-]*$/, 'letters, digits, ".", "_" or "-" only').default(''),
  HOST: z.string().min(1).default(DEFAULT_HOST),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

const replicaCount = z.coerce.number().int().min(1).max(32);

/**
 * Replication of the topics a service creates (see topicReplication): unset, they are derived
 * from the number of brokers in the cluster.
 */
export const kafkaReplicationEnv = {
  KAFKA_REPLICATION_FACTOR: replicaCount.optional(),
  KAFKA_MIN_INSYNC_REPLICAS: replicaCount.optional(),
};

export const instanceIdEnv = z.enum(REPLICA_IDS);

/** Base URL of each inventory replica, from INVENTORY_1_URL... or the default host and ports. */
export const replicaUrl = z.string().url();

export function parseEnv<T extends z.ZodRawShape>(
  shape: T,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<T>> {
  const result = z.object(shape).safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid environment: ${problems.join('; ')}`);
  }
  return result.data;
}

/**
 * Where every service listens. Each port is overridable (ORDERS_PORT, INVENTORY_1_PORT, ...), and
 * each URL too (INVENTORY_1_URL, ...) for deployments where services live on other hosts.
 */
export const endpointsEnv = {
  ORDERS_PORT: port.default(5006),
  INVENTORY_1_PORT: port.default(5001),
  INVENTORY_2_PORT: port.default(5002),
  INVENTORY_3_PORT: port.default(5003),
  MONITOR_PORT: port.default(5004),
  /** The second monitor (MONITOR_INSTANCE=2): it probes too and takes over when the leading one fails. */
  MONITOR_2_PORT: port.default(5011),
  VOTER_PORT: port.default(5005),
  /** The launcher's control API: process faults and database flapping. */
  CONTROL_PORT: port.default(5009),
  PAYMENT_SVC_PORT: port.default(DEFAULT_PAYMENT_SVC_PORT),
  NOTIFICATION_SVC_PORT: port.default(DEFAULT_NOTIFICATION_SVC_PORT),
  /** gateway-svc: the one address for clients. */
  GATEWAY_PORT: port.default(GATEWAY_DEFAULTS.port),
  /** The simulators outside the system (externals/): the payment provider and the mail catcher's HTTP side. */
  PAYMENT_GATEWAY_PORT: port.default(DEFAULT_PAYMENT_GATEWAY_PORT),
  MAIL_SINK_HTTP_PORT: port.default(DEFAULT_MAIL_SINK_HTTP_PORT),
  MAIL_SINK_SMTP_PORT: port.default(DEFAULT_MAIL_SINK_SMTP_PORT),
  ORDERS_URL: replicaUrl.optional(),
  INVENTORY_1_URL: replicaUrl.optional(),
  INVENTORY_2_URL: replicaUrl.optional(),
  INVENTORY_3_URL: replicaUrl.optional(),
  MONITOR_URL: replicaUrl.optional(),
  MONITOR_2_URL: replicaUrl.optional(),
  VOTER_URL: replicaUrl.optional(),
  CONTROL_URL: replicaUrl.optional(),
  GATEWAY_URL: replicaUrl.optional(),
  PAYMENT_SVC_URL: replicaUrl.optional(),
  NOTIFICATION_SVC_URL: replicaUrl.optional(),
  PAYMENT_GATEWAY_URL: replicaUrl.optional(),
  MAIL_SINK_URL: replicaUrl.optional(),
};

export interface Endpoints {
  orders: string;
  inventory: Record<ReplicaId, string>;
  monitor: string;
  /** The second monitor: the same API, and whichever of the two leads records the transitions. */
  monitor2: string;
  voter: string;
  control: string;
  gateway: string;
  /** Optional so that Endpoints written out by hand need not name payment-svc and the simulators; resolveEndpoints always sets them. */
  payment?: string;
  notification?: string;
  paymentGateway?: string;
  mailSink?: string;
}

type EndpointsEnv = z.infer<z.ZodObject<typeof endpointsEnv>>;

export function resolveEndpoints(env: EndpointsEnv, host: string = DEFAULT_HOST): Endpoints {
  // A service bound to all interfaces is still reached through loopback.
  const reach = host === '0.0.0.0' || host === '::' ? DEFAULT_HOST : host;
  const at = (p: number) => `http://${reach}:${p}`;
  return {
    orders: env.ORDERS_URL ?? at(env.ORDERS_PORT),
    inventory: {
      '1': env.INVENTORY_1_URL ?? at(env.INVENTORY_1_PORT),
      '2': env.INVENTORY_2_URL ?? at(env.INVENTORY_2_PORT),
      '3': env.INVENTORY_3_URL ?? at(env.INVENTORY_3_PORT),
    },
    monitor: env.MONITOR_URL ?? at(env.MONITOR_PORT),
    monitor2: env.MONITOR_2_URL ?? at(env.MONITOR_2_PORT),
    voter: env.VOTER_URL ?? at(env.VOTER_PORT),
    control: env.CONTROL_URL ?? at(env.CONTROL_PORT),
    gateway: env.GATEWAY_URL ?? at(env.GATEWAY_PORT),
    payment: env.PAYMENT_SVC_URL ?? at(env.PAYMENT_SVC_PORT),
    notification: env.NOTIFICATION_SVC_URL ?? at(env.NOTIFICATION_SVC_PORT),
    paymentGateway: env.PAYMENT_GATEWAY_URL ?? at(env.PAYMENT_GATEWAY_PORT),
    mailSink: env.MAIL_SINK_URL ?? at(env.MAIL_SINK_HTTP_PORT),
  };
}

export function replicaPort(env: EndpointsEnv, id: ReplicaId): number {
  return { '1': env.INVENTORY_1_PORT, '2': env.INVENTORY_2_PORT, '3': env.INVENTORY_3_PORT }[id];
}

/**
 * A service's configuration: its environment parsed against `shape` (which spreads commonEnv and
 * endpointsEnv), and where every part of the system is, as reached from the service's own host.
 */
export function parseServiceEnv<T extends z.ZodRawShape>(shape: T, env: NodeJS.ProcessEnv = process.env) {
  const parsed = parseEnv(shape, env);
  const system = parseEnv({ ...commonEnv, ...endpointsEnv }, env);
  return { ...parsed, endpoints: resolveEndpoints(system, system.HOST) };
}
