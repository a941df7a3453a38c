import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { DEFAULT_HOST, createLogger, type Logger } from '@ftlab/shared';
import { runCommand, spawnOwned, terminate } from '../children';
import { pollUntil } from '../poll';
import { freePort } from '../ports';
import { newClusterId } from './cluster-id';
import { ensureKafkaJars } from './jars';

export interface KafkaOptions {
  logger?: Logger;
  /** Client port; 9092 by default. */
  port?: number;
  /** KRaft controller port; a free one when omitted. */
  controllerPort?: number;
  /** Broker state (topic logs, cluster metadata); reused across starts, formatted on first use. */
  dataDir: string;
  /** Where server.log (log4j) and kafka.out (JVM stdout/stderr) go. */
  logDir: string;
  /** Aborting gives up waiting for readiness (and stops the JVM), e.g. on Ctrl-C during startup. */
  signal?: AbortSignal;
}

export interface KafkaBroker {
  brokers: string[];
  pid: number;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 15_000;
/**
 * The broker shares two cores with everything else. C2, the JIT's optimising tier, spent a
 * quarter of a core for minutes after every start compiling hot paths of a broker that handles a
 * few thousand small requests a second; the quick C1 tier alone serves that load with a fraction
 * of the compile work (measured with bench:orders, see the README).
 */
const JVM_OPTS = ['-Xms256m', '-Xmx768m', '-Djava.awt.headless=true', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];

/** Single-node KRaft: this one process is both broker and controller, tuned for fast tests, not durability. */
function serverProperties(port: number, controllerPort: number, logDirs: string): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${DEFAULT_HOST}:${controllerPort}`,
    `listeners=PLAINTEXT://${DEFAULT_HOST}:${port},CONTROLLER://${DEFAULT_HOST}:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://${DEFAULT_HOST}:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${logDirs}`,
    // Topics are created explicitly (ensureTopics): a typo in a topic name must fail, not create a topic.
    'auto.create.topics.enable=false',
    // One broker: every internal topic and ISR requirement has to fit on it.
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'min.insync.replicas=1',
    // Consumers join at once instead of waiting 3 s for more members, and tests may use short sessions.
    'group.initial.rebalance.delay.ms=0',
    'group.min.session.timeout.ms=1000',
    // Two cores: a few request threads hand work over with fewer wake-ups than Kafka's 3 + 8.
    'num.network.threads=2',
    'num.io.threads=2',
    '',
  ].join('\n');
}

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

/** Formats the storage directory once, with a random cluster id; later starts reuse it. */
async function formatStorage(libsDir: string, log4jFile: string, propsFile: string, logDirs: string): Promise<void> {
  if (fs.existsSync(path.join(logDirs, 'meta.properties'))) return;
  const args = javaArgs(libsDir, log4jFile, 'kafka.tools.StorageTool', ['format', '-t', newClusterId(), '-c', propsFile]);
  await runCommand('formatting Kafka storage', 'java', args);
}

/** Resolves once a kafkajs admin client can list topics; rejects if the broker exits or the deadline passes. */
async function waitReady(brokers: string[], isDead: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const kafka = new Kafka({
    clientId: 'kafka-ready-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    retry: { retries: 0 },
  });
  const outcome = await pollUntil(
    async () => {
      if (isDead()) return 'exited';
      const admin = kafka.admin();
      try {
        await admin.connect();
        await admin.listTopics();
        return 'ready';
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
    { timeoutMs, intervalMs: 200, what: 'a client listing topics', retryErrors: true, signal },
  );
  if (outcome === 'exited') throw new Error('the broker process exited');
}

/**
 * Starts a real single-node Kafka (KRaft) from the cached jars and resolves once a client can
 * use it. The JVM is owned by this process: it dies with it (see spawnOwned).
 */
export async function startKafka(opts: KafkaOptions): Promise<KafkaBroker> {
  const logger = opts.logger ?? createLogger('kafka');
  const libsDir = await ensureKafkaJars(logger);
  const started = Date.now();
  const port = opts.port ?? 9092;
  const controllerPort = opts.controllerPort ?? (await freePort());
  const logDirs = path.join(opts.dataDir, 'kraft-logs');
  const propsFile = path.join(opts.dataDir, 'server.properties');
  const log4jFile = path.join(opts.dataDir, 'log4j.properties');
  const serverLog = path.join(opts.logDir, 'server.log');
  const stdoutLog = path.join(opts.logDir, 'kafka.out');
  fs.mkdirSync(logDirs, { recursive: true });
  fs.mkdirSync(opts.logDir, { recursive: true });
  fs.writeFileSync(propsFile, serverProperties(port, controllerPort, logDirs));
  fs.writeFileSync(log4jFile, log4jProperties(serverLog));

  await formatStorage(libsDir, log4jFile, propsFile, logDirs);

  // The JVM writes straight into the file, so its output survives us and needs no pumping.
  const out = fs.openSync(stdoutLog, 'a');
  const child = spawnOwned('java', javaArgs(libsDir, log4jFile, 'kafka.Kafka', [propsFile]), {
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  let dead = false;
  child.once('exit', () => (dead = true));
  child.once('error', () => (dead = true));
  const brokers = [`${DEFAULT_HOST}:${port}`];
  const stop = () => terminate(child, STOP_GRACE_MS);

  try {
    await waitReady(brokers, () => dead, READY_TIMEOUT_MS, opts.signal);
  } catch (err) {
    await stop();
    throw new Error(
      `Kafka on port ${port} did not start: ${(err as Error).message}\n` +
        `--- ${serverLog} ---\n${excerpt(serverLog)}\n--- ${stdoutLog} ---\n${excerpt(stdoutLog)}`,
    );
  }
  const readyMs = Date.now() - started;
  logger.info({ brokers, pid: child.pid, readyMs, logDir: opts.logDir }, `Kafka ready in ${readyMs} ms`);
  return {
    brokers,
    pid: child.pid!,
    stop: async () => {
      await stop();
      logger.info({ brokers }, 'Kafka stopped');
    },
  };
}
