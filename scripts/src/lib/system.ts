import path from 'node:path';
import {
  bindDatabaseToLog,
  DEFAULT_HOST,
  DEFAULT_KAFKA_BROKERS,
  createKafka,
  createLogger,
  describeFailure,
  endpointsEnv,
  ensureTopics,
  httpCall,
  parseEnv,
  prepareDatabase,
  resolveEndpoints,
  topicNames,
  type Endpoints,
  type Logger,
} from '@ftlab/shared';
import { startControlApi } from './control-api';
import { ProcessFaults, type ProcessHost } from './process-faults';
import { replicaFaultRecorder, serviceHost } from './service-faults';
import { Supervisor, type ChildSpec } from './supervisor';
import { REPO_ROOT, RUN_DIR } from './paths';
import { PollTimeout, pollUntil } from './poll';
import { freePort } from './ports';

/**
 * Every supervised process of the system. monitor-svc and monitor-svc-2 are the two monitors
 * (MONITOR_INSTANCE 1 and 2): one leads, the other is hot. payment-gateway and mail-sink are the
 * simulators of the outside world (externals/), run and supervised beside the services so the lab
 * can break them like anything else.
 */
export const SERVICE_NAMES = [
  'orders-svc',
  'inventory-1',
  'inventory-2',
  'inventory-3',
  'monitor-svc',
  'monitor-svc-2',
  'voter-svc',
  'gateway-svc',
  'payment-svc',
  'notification-svc',
  'payment-gateway',
  'mail-sink',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface ServicePorts {
  orders: number;
  inventory1: number;
  inventory2: number;
  inventory3: number;
  monitor: number;
  monitor2: number;
  voter: number;
  control: number;
  gateway: number;
  payment: number;
  notification: number;
  paymentGateway: number;
  mailSinkHttp: number;
  mailSinkSmtp: number;
}

export interface SystemOptions {
  /** Defaults to DEFAULT_KAFKA_BROKERS. */
  kafkaBrokers?: string[];
  databaseUrl: string;
  /** Prefix for topic and consumer group names, so several systems can share one broker. */
  topicPrefix?: string;
  /** Overrides of the default ports (5006, 5001-5003, 5004 and 5011, 5005, 5000, 5007, 5008, 5010, 8025 and 1025). */
  ports?: Partial<ServicePorts>;
  adminToken: string;
  /** Which services to run; all of them by default. */
  services?: ServiceName[];
  /** Per-service log files go here; .run/logs by default. */
  logDir?: string;
  /** Extra variables for every service (applied last, e.g. LOG_LEVEL). */
  env?: Record<string, string>;
  /** Also hand the services' output here, a whole line at a time (the launcher shows them). */
  echo?: (line: string) => void;
  /** Other supervised processes the control API may fault (the Kafka brokers). */
  processHosts?: ProcessHost[];
  logger?: Logger;
}

export type HealthPredicate = (status: number) => boolean;

export interface RunningSystem {
  /** Where each service listens, in the services' own Endpoints shape. */
  endpoints: Endpoints;
  /** Base URL of each running service. */
  urls: Record<ServiceName, string>;
  /** Every port the system listens on (the mail sink's SMTP port has no URL). */
  ports: ServicePorts;
  services: ServiceName[];
  logDir: string;
  /** Starts a stopped service again (and resumes restarting it after crashes). */
  startService(name: ServiceName): void;
  /** Stops a service and keeps it stopped until startService. */
  stopService(name: ServiceName): Promise<void>;
  /** Signals a service's process; unless stopped with stopService it is restarted like after any crash. */
  kill(name: ServiceName, signal?: NodeJS.Signals): boolean;
  pidOf(name: ServiceName): number | undefined;
  /** Polls GET /health until it answers 2xx (or `isHealthy`); rejects after timeoutMs naming what was not healthy. */
  waitHealthy(target: ServiceName | ServiceName[] | 'all', timeoutMs?: number, isHealthy?: HealthPredicate): Promise<void>;
  /** Stops every service: SIGTERM, SIGKILL after 10 s, resolves when all have exited. */
  stop(): Promise<void>;
}

const DEFAULT_PORTS: ServicePorts = {
  orders: endpointsEnv.ORDERS_PORT.parse(undefined),
  inventory1: endpointsEnv.INVENTORY_1_PORT.parse(undefined),
  inventory2: endpointsEnv.INVENTORY_2_PORT.parse(undefined),
  inventory3: endpointsEnv.INVENTORY_3_PORT.parse(undefined),
  monitor: endpointsEnv.MONITOR_PORT.parse(undefined),
  monitor2: endpointsEnv.MONITOR_2_PORT.parse(undefined),
  voter: endpointsEnv.VOTER_PORT.parse(undefined),
  control: endpointsEnv.CONTROL_PORT.parse(undefined),
  gateway: endpointsEnv.GATEWAY_PORT.parse(undefined),
  payment: endpointsEnv.PAYMENT_SVC_PORT.parse(undefined),
  notification: endpointsEnv.NOTIFICATION_SVC_PORT.parse(undefined),
  paymentGateway: endpointsEnv.PAYMENT_GATEWAY_PORT.parse(undefined),
  mailSinkHttp: endpointsEnv.MAIL_SINK_HTTP_PORT.parse(undefined),
  mailSinkSmtp: endpointsEnv.MAIL_SINK_SMTP_PORT.parse(undefined),
};

/** A free port for every service and the control API: a system of its own beside any other. */
export async function freeServicePorts(): Promise<ServicePorts> {
  const names = Object.keys(DEFAULT_PORTS) as (keyof ServicePorts)[];
  const ports = await Promise.all(names.map(() => freePort()));
  return Object.fromEntries(names.map((name, i) => [name, ports[i]!])) as unknown as ServicePorts;
}

/**
 * The payment provider's ledger lives in a database of its own beside the system's (`<name>_payment_gateway`):
 * a provider's books are not our tables, and faults on our database (db-flapping) do not reach them.
 */
export function paymentLedgerUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${paymentLedgerDatabase(decodeURIComponent(url.pathname.slice(1)))}`;
  return url.toString();
}

export const paymentLedgerDatabase = (database: string) => `${database}_payment_gateway`;

const isSuccess: HealthPredicate = (status) => status >= 200 && status < 300;

/** The built entry point and extra environment of each service process. */
function serviceProgram(name: ServiceName): { main: string; env: Record<string, string> } {
  const entry = (folder: string) => path.join(REPO_ROOT, folder, 'dist', 'main.js');
  switch (name) {
    case 'inventory-1':
    case 'inventory-2':
    case 'inventory-3':
      return { main: entry('inventory-svc'), env: { INSTANCE_ID: name.slice('inventory-'.length) } };
    case 'monitor-svc':
      return { main: entry('monitor-svc'), env: { MONITOR_INSTANCE: '1' } };
    case 'monitor-svc-2':
      return { main: entry('monitor-svc'), env: { MONITOR_INSTANCE: '2' } };
    case 'payment-gateway':
    case 'mail-sink':
      return { main: entry(path.join('externals', name)), env: {} };
    default:
      return { main: entry(name), env: {} };
  }
}

/** The variable that sets a service's HTTP port (a duplicate of it gets another). */
function portVariable(name: ServiceName): string {
  return {
    'orders-svc': 'ORDERS_PORT',
    'inventory-1': 'INVENTORY_1_PORT',
    'inventory-2': 'INVENTORY_2_PORT',
    'inventory-3': 'INVENTORY_3_PORT',
    'monitor-svc': 'MONITOR_PORT',
    'monitor-svc-2': 'MONITOR_2_PORT',
    'voter-svc': 'VOTER_PORT',
    'gateway-svc': 'GATEWAY_PORT',
    'payment-svc': 'PAYMENT_SVC_PORT',
    'notification-svc': 'NOTIFICATION_SVC_PORT',
    'payment-gateway': 'PAYMENT_GATEWAY_PORT',
    'mail-sink': 'MAIL_SINK_HTTP_PORT',
  }[name];
}

function serviceUrls(endpoints: Endpoints): Record<ServiceName, string> {
  return {
    'orders-svc': endpoints.orders,
    'inventory-1': endpoints.inventory['1'],
    'inventory-2': endpoints.inventory['2'],
    'inventory-3': endpoints.inventory['3'],
    'monitor-svc': endpoints.monitor,
    'monitor-svc-2': endpoints.monitor2,
    'voter-svc': endpoints.voter,
    'gateway-svc': endpoints.gateway,
    // resolveEndpoints always sets the simulators' (they are optional only for Endpoints written by hand).
    'payment-svc': endpoints.payment!,
    'notification-svc': endpoints.notification!,
    'payment-gateway': endpoints.paymentGateway!,
    'mail-sink': endpoints.mailSink!,
  };
}

/** The status GET /health answered, or why there was none. */
export async function healthStatus(url: string, timeoutMs = 1000): Promise<number | string> {
  const answer = await httpCall(`${url}/health`, { timeoutMs });
  return answer.ok ? answer.status : describeFailure(answer.failure);
}

/** undefined once the service is healthy, or what it last answered when it was not within timeoutMs. */
async function pollHealthy(name: ServiceName, url: string, timeoutMs: number, isHealthy: HealthPredicate): Promise<string | undefined> {
  let status: number | string = 'not asked';
  try {
    await pollUntil(
      async () => {
        status = await healthStatus(url);
        return typeof status === 'number' && isHealthy(status);
      },
      { timeoutMs, intervalMs: 100, what: name },
    );
    return undefined;
  } catch (err) {
    if (err instanceof PollTimeout) return `${name} (${url}/health: ${status})`;
    throw err;
  }
}

/**
 * Applies the schema, makes sure the database belongs to this Kafka log, and creates the topics,
 * so no service races another on first start.
 */
async function prepareInfrastructure(brokers: string[], databaseUrl: string, topicPrefix: string, logger: Logger): Promise<void> {
  const kafka = createKafka(brokers, 'system-setup', logger);
  const pool = await prepareDatabase(databaseUrl, 1);
  try {
    await bindDatabaseToLog(pool, kafka, topicPrefix, logger);
  } finally {
    await pool.end();
  }
  await ensureTopics(kafka, topicNames(topicPrefix));
}

/**
 * Starts the services as supervised child processes (`node <svc>/dist/main.js`), after preparing
 * the database schema and the topics. Crashed services are restarted (see Supervisor).
 */
export async function startSystem(opts: SystemOptions): Promise<RunningSystem> {
  const logger = opts.logger ?? createLogger('system');
  const brokers = opts.kafkaBrokers ?? DEFAULT_KAFKA_BROKERS.split(',');
  const topicPrefix = opts.topicPrefix ?? '';
  const ports = { ...DEFAULT_PORTS, ...opts.ports };
  const services = opts.services ?? [...SERVICE_NAMES];
  const logDir = opts.logDir ?? path.join(RUN_DIR, 'logs');

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KAFKA_BROKERS: brokers.join(','),
    DATABASE_URL: opts.databaseUrl,
    TOPIC_PREFIX: topicPrefix,
    HOST: DEFAULT_HOST,
    ADMIN_TOKEN: opts.adminToken,
    ORDERS_PORT: String(ports.orders),
    INVENTORY_1_PORT: String(ports.inventory1),
    INVENTORY_2_PORT: String(ports.inventory2),
    INVENTORY_3_PORT: String(ports.inventory3),
    MONITOR_PORT: String(ports.monitor),
    MONITOR_2_PORT: String(ports.monitor2),
    VOTER_PORT: String(ports.voter),
    CONTROL_PORT: String(ports.control),
    GATEWAY_PORT: String(ports.gateway),
    PAYMENT_SVC_PORT: String(ports.payment),
    NOTIFICATION_SVC_PORT: String(ports.notification),
    PAYMENT_GATEWAY_PORT: String(ports.paymentGateway),
    PAYMENT_GATEWAY_DATABASE_URL: paymentLedgerUrl(opts.databaseUrl),
    MAIL_SINK_HTTP_PORT: String(ports.mailSinkHttp),
    MAIL_SINK_SMTP_PORT: String(ports.mailSinkSmtp),
    ...opts.env,
  };
  // Resolved from exactly what the services will see, so our URLs and theirs cannot disagree.
  const endpoints = resolveEndpoints(parseEnv(endpointsEnv, env), env.HOST);
  const urls = serviceUrls(endpoints);

  await prepareInfrastructure(brokers, opts.databaseUrl, topicPrefix, logger);

  const specs = Object.fromEntries(
    services.map((name): [ServiceName, ChildSpec] => {
      const program = serviceProgram(name);
      return [
        name,
        { command: process.execPath, args: [program.main], env: { ...env, ...program.env }, logFile: path.join(logDir, `${name}.log`) },
      ];
    }),
  ) as Record<ServiceName, ChildSpec>;
  const supervisor = new Supervisor(specs, { logger, echo: opts.echo });
  for (const name of services) supervisor.start(name);
  logger.info({ services, logDir, topicPrefix }, 'services started');
  const faultRecords = await prepareDatabase(opts.databaseUrl, 1, logger);
  const control = await startControlApi({
    faults: new ProcessFaults([serviceHost(supervisor, portVariable), ...(opts.processHosts ?? [])], logger, replicaFaultRecorder(faultRecords)),
    databaseUrl: opts.databaseUrl,
    adminToken: opts.adminToken,
    host: env.HOST!,
    port: ports.control,
    logger,
  });

  return {
    endpoints,
    urls,
    ports,
    services,
    logDir,
    startService: (name) => supervisor.start(name),
    stopService: (name) => supervisor.stop(name),
    kill: (name, signal = 'SIGKILL') => supervisor.kill(name, signal),
    pidOf: (name) => supervisor.pidOf(name),
    waitHealthy: async (target, timeoutMs = 30_000, isHealthy = isSuccess) => {
      const names = target === 'all' ? services : Array.isArray(target) ? target : [target];
      const failures = (await Promise.all(names.map((name) => pollHealthy(name, urls[name], timeoutMs, isHealthy)))).filter(Boolean);
      if (failures.length > 0) throw new Error(`not healthy after ${timeoutMs} ms: ${failures.join(', ')}`);
    },
    stop: async () => {
      await control.close();
      await supervisor.close();
      await faultRecords.end();
    },
  };
}
