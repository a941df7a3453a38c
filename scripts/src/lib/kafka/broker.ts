import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { DEFAULT_HOST, createLogger, type Logger } from '@ftlab/shared';
import { runCommand } from '../children';
import { pollUntil } from '../poll';
import type { ProcessHost } from '../process-faults';
import { Supervisor, type ChildSpec } from '../supervisor';
import { freePort } from '../ports';
import { newClusterId } from './cluster-id';
import { ensureKafkaJars } from './jars';
import { serverProperties, type KraftNode } from './kraft-config';

export interface KafkaOptions {
  logger?: Logger;
  /** One client port per node: [9092] runs one broker, three ports a three-node cluster. */
  ports: number[];
  /**
   * Broker state (topic logs, cluster metadata), kept across restarts and starts: the log is the
   * system's source of truth. One node keeps it here directly, node n of a cluster in broker-<n>/.
   */
  dataDir: string;
  /** Node n's server.log (log4j) and kafka.out (JVM stdout/stderr) go to broker-<n>/ under it. */
  logDir: string;
  /** Aborting gives up waiting for readiness (and stops the JVMs), e.g. on Ctrl-C during startup. */
  signal?: AbortSignal;
}

/** A broker's name in logs and for the fault tools: broker-1 .. broker-N. */
export type BrokerName = `broker-${number}`;
export const brokerName = (n: number): BrokerName => `broker-${n}`;

/**
 * Local KRaft nodes, each broker and controller, supervised: a node that exits unasked (kill -9,
 * a crash) is restarted with the services' backoff, on the same data. Nodes are numbered from 1.
 */
export interface KafkaCluster {
  /** Every node's client address, for KAFKA_BROKERS. */
  brokers: string[];
  names: BrokerName[];
  pidOf(n: number): number | undefined;
  /** Signals node n; after an exit it is restarted like any crashed child (SIGKILL: a crash). */
  kill(n: number, signal?: NodeJS.Signals): boolean;
  /** Kills node n (SIGKILL) and keeps it down for `ms`, then starts it again; resolves once it is down. */
  stopFor(n: number, ms: number): Promise<void>;
  /** Freezes (SIGSTOP) or thaws (SIGCONT) node n: a frozen broker is not restarted, only unresponsive. */
  signal(n: number, signal: 'SIGSTOP' | 'SIGCONT'): boolean;
  /** Resolves once node n serves clients; rejects after timeoutMs. */
  waitReady(n: number, timeoutMs?: number): Promise<void>;
  /** The nodes by name, in the shape of the launcher's ProcessHost, for the control API's faults. */
  processes: BrokerProcesses;
  /** Stops every node (SIGTERM, SIGKILL after a grace period) and keeps them stopped. */
  stop(): Promise<void>;
}

/** Three JVMs starting at once on two busy cores took 89 s once (load average 70). */
/** What the control API's process faults need (ProcessHost), for the brokers: a broker cannot be duplicated. */
export type BrokerProcesses = Omit<ProcessHost, 'names' | 'spawnCopy'> & { readonly names: readonly BrokerName[] };

const READY_TIMEOUT_MS = 180_000;
/** A node that crashed this many times in a row while starting will not come up by itself. */
const MAX_START_CRASHES = 3;
/**
 * The broker shares two cores with everything else. C2, the JIT's optimising tier, spent a
 * quarter of a core for minutes after every start compiling hot paths of a broker that handles a
 * few thousand small requests a second; the quick C1 tier alone serves that load with a fraction
 * of the compile work (measured with bench:orders, see the README).
 */
const JVM_OPTS = ['-Xms256m', '-Xmx768m', '-Djava.awt.headless=true', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];

/** log4j 1.x config (reload4j): everything to server.log, nothing to stdout. */
function log4jProperties(logFile: string): string {
  return [
    'log4j.rootLogger=INFO, file',
    'log4j.appender.file=org.apache.log4j.FileAppender',
    `log4j.appender.file.File=${logFile}`,
    'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
    // Per-partition state changes are noise at INFO on a broker that creates many test topics.
    'log4j.logger.state.change.logger=WARN',
    'log4j.logger.kafka.cluster.Partition=WARN',
    'log4j.logger.kafka.log.LogLoader=WARN',
    'log4j.logger.org.apache.kafka.storage.internals.log=WARN',
    '',
  ].join('\n');
}

function javaArgs(libsDir: string, log4jFile: string, mainClass: string, args: string[]): string[] {
  // The classpath wildcard is expanded by java itself, not by a shell.
  return [...JVM_OPTS, `-Dlog4j.configuration=file:${log4jFile}`, '-cp', path.join(libsDir, '*'), mainClass, ...args];
}

/** The first ERROR lines (the cause; the tail is mostly shutdown noise), then the last lines of a log. */
function excerpt(file: string, errors = 5, lines = 20): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').trimEnd();
  } catch {
    return '(no output)';
  }
  const all = text.split('\n');
  const firstErrors = all.filter((line) => / (ERROR|FATAL) /.test(line)).slice(0, errors);
  return [...firstErrors, ...(firstErrors.length > 0 ? ['...'] : []), ...all.slice(-lines)].join('\n');
}


/** Where node n keeps its state: a single node in dataDir itself (as before clusters existed), else broker-<n>/. */
function nodeDataDir(dataDir: string, n: number, size: number): string {
  return size === 1 ? dataDir : path.join(dataDir, brokerName(n));
}

/** The files of one node. */
interface NodeFiles {
  logDirs: string;
  propsFile: string;
  log4jFile: string;
  serverLog: string;
  stdoutLog: string;
}

function nodeFiles(opts: KafkaOptions, n: number): NodeFiles {
  const dir = nodeDataDir(opts.dataDir, n, opts.ports.length);
  const logDir = path.join(opts.logDir, brokerName(n));
  return {
    logDirs: path.join(dir, 'kraft-logs'),
    propsFile: path.join(dir, 'server.properties'),
    log4jFile: path.join(dir, 'log4j.properties'),
    serverLog: path.join(logDir, 'server.log'),
    stdoutLog: path.join(logDir, 'kafka.out'),
  };
}

/** The cluster id in a node's storage, if it was formatted. */
function formattedClusterId(node: NodeFiles): string | undefined {
  try {
    return /^cluster\.id=(.+)$/m.exec(fs.readFileSync(path.join(node.logDirs, 'meta.properties'), 'utf8'))?.[1]?.trim();
  } catch {
    return undefined;
  }
}

/**
 * Formats the storage of every node not formatted yet, all with one cluster id: the one already
 * on disk (so a node whose data was deleted rejoins its cluster), else a new one. Later starts
 * reuse the storage.
 */
async function formatStorage(libsDir: string, nodes: NodeFiles[]): Promise<void> {
  const clusterId = nodes.map(formattedClusterId).find(Boolean) ?? newClusterId();
  for (const [i, node] of nodes.entries()) {
    if (formattedClusterId(node)) continue;
    const args = javaArgs(libsDir, node.log4jFile, 'kafka.tools.StorageTool', ['format', '-t', clusterId, '-c', node.propsFile]);
    await runCommand(`formatting the Kafka storage of ${brokerName(i + 1)}`, 'java', args);
  }
}

/** Resolves once a kafkajs admin client can list topics through `broker`; rejects when `failed()` names a reason or the deadline passes. */
async function waitReady(broker: string, failed: () => string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const kafka = new Kafka({
    clientId: 'kafka-ready-probe',
    brokers: [broker],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    retry: { retries: 0 },
  });
  const outcome = await pollUntil(
    async () => {
      const reason = failed();
      if (reason) return { failed: reason };
      const admin = kafka.admin();
      try {
        await admin.connect();
        await admin.listTopics();
        return { ready: true };
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
    { timeoutMs, intervalMs: 200, what: 'a client listing topics', retryErrors: true, signal },
  );
  if ('failed' in outcome) throw new Error(outcome.failed);
}

/**
 * Starts real Kafka (KRaft) from the cached jars, one node per port (a cluster when more than
 * one: every node is broker and controller, and a voter), as supervised children of this process
 * that die with it (see spawnOwned). Resolves once every node serves clients.
 */
export async function startKafka(opts: KafkaOptions): Promise<KafkaCluster> {
  const logger = opts.logger ?? createLogger('kafka');
  const size = opts.ports.length;
  if (size === 0) throw new Error('startKafka: no ports given');
  const libsDir = await ensureKafkaJars(logger);
  const started = Date.now();
  const nodes: KraftNode[] = [];
  for (const [i, port] of opts.ports.entries()) nodes.push({ id: i + 1, port, controllerPort: await freePort() });
  const files = nodes.map((node) => nodeFiles(opts, node.id));
  for (const [i, f] of files.entries()) {
    fs.mkdirSync(f.logDirs, { recursive: true });
    fs.mkdirSync(path.dirname(f.serverLog), { recursive: true });
    fs.writeFileSync(f.propsFile, serverProperties(nodes[i]!, nodes, DEFAULT_HOST, f.logDirs));
    fs.writeFileSync(f.log4jFile, log4jProperties(f.serverLog));
  }
  await formatStorage(libsDir, files);

  const names = nodes.map((node) => brokerName(node.id));
  const specs = Object.fromEntries(
    files.map((f, i): [BrokerName, ChildSpec] => [
      names[i]!,
      { command: 'java', args: javaArgs(libsDir, f.log4jFile, 'kafka.Kafka', [f.propsFile]), env: process.env, logFile: f.stdoutLog },
    ]),
  ) as Record<BrokerName, ChildSpec>;
  const supervisor = new Supervisor(specs, { logger });
  for (const name of names) supervisor.start(name);
  const brokers = nodes.map((node) => `${DEFAULT_HOST}:${node.port}`);

  const nameOf = (n: number): BrokerName => {
    if (!Number.isInteger(n) || n < 1 || n > size) throw new Error(`no broker ${n}: brokers are 1..${size}`);
    return brokerName(n);
  };
  const known = (name: string): BrokerName => {
    if (!names.includes(name as BrokerName)) throw new Error(`no broker named ${name}: brokers are ${names.join(', ')}`);
    return name as BrokerName;
  };
  /** Restarts scheduled by stopFor, cancelled by stop(). */
  const heldDown = new Set<NodeJS.Timeout>();
  const stopFor = async (n: number, ms: number) => {
    const name = nameOf(n);
    await supervisor.killAndHold(name);
    const timer = setTimeout(() => {
      heldDown.delete(timer);
      supervisor.start(name);
    }, ms);
    heldDown.add(timer);
  };
  const nodeReady = async (n: number, timeoutMs = READY_TIMEOUT_MS, signal?: AbortSignal): Promise<void> => {
    const name = nameOf(n);
    const restartsBefore = supervisor.status(name).restarts;
    const crashedOnStart = () => {
      const crashes = supervisor.status(name).restarts - restartsBefore;
      return crashes >= MAX_START_CRASHES ? `it exited ${crashes} times while we waited` : undefined;
    };
    try {
      await waitReady(brokers[n - 1]!, crashedOnStart, timeoutMs, signal);
    } catch (err) {
      const f = files[n - 1]!;
      throw new Error(
        `Kafka ${name} on port ${nodes[n - 1]!.port} did not start: ${(err as Error).message}\n` +
          `--- ${f.serverLog} ---\n${excerpt(f.serverLog)}\n--- ${f.stdoutLog} ---\n${excerpt(f.stdoutLog)}`,
      );
    }
  };

  try {
    await Promise.all(nodes.map((node) => nodeReady(node.id, READY_TIMEOUT_MS, opts.signal)));
  } catch (err) {
    await supervisor.close();
    throw err;
  }
  const readyMs = Date.now() - started;
  logger.info({ brokers, pids: names.map((name) => supervisor.pidOf(name)), readyMs, logDir: opts.logDir }, `Kafka (${size} node${size > 1 ? 's' : ''}) ready in ${readyMs} ms`);
  return {
    brokers,
    names,
    pidOf: (n) => supervisor.pidOf(nameOf(n)),
    kill: (n, signal = 'SIGKILL') => supervisor.kill(nameOf(n), signal),
    stopFor,
    signal: (n, signal) => supervisor.kill(nameOf(n), signal),
    waitReady: (n, timeoutMs) => nodeReady(n, timeoutMs),
    processes: {
      names,
      status: (name) => supervisor.status(known(name)),
      kill: (name, signal) => supervisor.kill(known(name), signal),
      killAndHold: (name) => supervisor.killAndHold(known(name)),
      start: (name) => supervisor.start(known(name)),
    },
    stop: async () => {
      for (const timer of heldDown) clearTimeout(timer);
      // A frozen node would not act on SIGTERM until the grace period ran out.
      for (const name of names) supervisor.kill(name, 'SIGCONT');
      await supervisor.close();
      logger.info({ brokers }, 'Kafka stopped');
    },
  };
}
