import type { ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { DEFAULT_DATABASE_URL, commonEnv, createPool, parseEnv } from '@ftlab/shared';
import { exited, spawnOwned, terminate } from './children';
import { TEST_ARTIFACTS_DIR } from './paths';
import { freePort } from './ports';
import { paymentLedgerDatabase } from './system';

/**
 * Helpers for integration tests run by the test harness (`npm test`), which starts a broker and
 * sets KAFKA_BROKERS and TEST_DATABASE_URL_BASE for them.
 */

/** What the harness passes to tests; the harness reads the same variables from its own environment. */
export const testEnv = {
  KAFKA_BROKERS: commonEnv.KAFKA_BROKERS.removeDefault().optional(),
  /** Server URL without a database: each test creates its own database there. */
  TEST_DATABASE_URL_BASE: z
    .string()
    .regex(/^postgres(ql)?:\/\/[^/]+$/, 'expected postgres://user@host:port, without a database')
    .default(DEFAULT_DATABASE_URL.replace(/\/[^/]*$/, '')),
};

/** The broker the harness started (or the one KAFKA_BROKERS names). */
export function testKafkaBrokers(): string[] {
  const brokers = parseEnv(testEnv).KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: run integration tests through `npm test`, which starts a broker');
  return brokers;
}

/** A database name from a test's name: lowercase, [a-z0-9_] only, within PostgreSQL's 63 bytes. */
function databaseName(name: string): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9_]+/g, '_').slice(0, 40);
  return `ftlab_test_${slug}`;
}

/**
 * An empty database for one test: `ftlab_test_<name>` is dropped (even with open connections left
 * by an earlier, aborted run) and created again. Use a different name in every test.
 */
export async function freshDatabaseUrl(name: string): Promise<string> {
  const base = parseEnv(testEnv).TEST_DATABASE_URL_BASE;
  const database = databaseName(name);
  const admin = createPool(`${base}/postgres`, 1);
  try {
    // The payment gateway's ledger lives beside the system's database: a fresh system has fresh books.
    await admin.query(`DROP DATABASE IF EXISTS "${paymentLedgerDatabase(database)}" WITH (FORCE)`);
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${database}"`);
  } finally {
    await admin.end();
  }
  return `${base}/${database}`;
}

/** A topic (and consumer group) prefix no other test or run uses, so tests never see each other's messages. */
export function uniqueTopicPrefix(label = 't'): string {
  return `${label}-${Date.now().toString(36)}-${crypto.randomBytes(3).toString('hex')}.`;
}

/** Where a test keeps its logs (service logs, broker logs): kept after the run for inspection. */
export function testLogDir(name: string): string {
  return path.join(TEST_ARTIFACTS_DIR, name);
}

/**
 * The environment of a whole system of its own (a test running a tool that brings the system up
 * itself, a benchmark's own system): the harness's broker (KAFKA_BROKERS) or else a free port for
 * one of its own, a fresh database, its own topics and admin token, free ports.
 */
export async function isolatedStackEnv(name: string, base: NodeJS.ProcessEnv = process.env): Promise<NodeJS.ProcessEnv> {
  const brokers = parseEnv(testEnv, base).KAFKA_BROKERS;
  return {
    ...base,
    ...(brokers ? { KAFKA_BROKERS: brokers.join(',') } : { KAFKA_PORT: String(await freePort()) }),
    DATABASE_URL: await freshDatabaseUrl(name),
    TOPIC_PREFIX: uniqueTopicPrefix(name),
    ADMIN_TOKEN: crypto.randomBytes(24).toString('hex'),
    ORDERS_PORT: String(await freePort()),
    INVENTORY_1_PORT: String(await freePort()),
    INVENTORY_2_PORT: String(await freePort()),
    INVENTORY_3_PORT: String(await freePort()),
    MONITOR_PORT: String(await freePort()),
    MONITOR_2_PORT: String(await freePort()),
    VOTER_PORT: String(await freePort()),
    CONTROL_PORT: String(await freePort()),
    GATEWAY_PORT: String(await freePort()),
    PAYMENT_SVC_PORT: String(await freePort()),
    NOTIFICATION_SVC_PORT: String(await freePort()),
    PAYMENT_GATEWAY_PORT: String(await freePort()),
    MAIL_SINK_HTTP_PORT: String(await freePort()),
    MAIL_SINK_SMTP_PORT: String(await freePort()),
  };
}

export interface StartedProgram {
  child: ChildProcess;
  /** SIGTERM (SIGKILL after 5 s); resolves when the process has exited. */
  stop(): Promise<void>;
}

/**
 * A built program (e.g. `externals/mail-sink/dist/main.js`) as a real child process of the test,
 * its output appended to `<testLogDir(name)>/<name>.log`. Resolves once `healthUrl` answers 200;
 * rejects, naming the log, if the process exits first or is not healthy within `timeoutMs`.
 */
export async function startProgram(name: string, main: string, env: Record<string, string>, healthUrl: string, timeoutMs = 30_000): Promise<StartedProgram> {
  const logFile = path.join(testLogDir(name), `${name}.log`);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = fs.openSync(logFile, 'a');
  const child = spawnOwned(process.execPath, [main], { env: { ...process.env, ...env }, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const stop = () => terminate(child, 5000);
  let gone = false;
  void exited(child).then(() => (gone = true));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await fetch(healthUrl, { signal: AbortSignal.timeout(1000) }).then((r) => r.status, () => undefined);
    if (status === 200) return { child, stop };
    if (gone || Date.now() > deadline) {
      await stop();
      throw new Error(`${name} did not become healthy at ${healthUrl} (${gone ? `exited with ${child.exitCode ?? child.signalCode}` : 'timed out'}); see ${logFile}`);
    }
    await sleep(100);
  }
}
