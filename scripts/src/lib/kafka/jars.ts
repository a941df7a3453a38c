import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '@ftlab/shared';
import { runCommand } from '../children';
import { CACHE_DIR, REPO_ROOT } from '../paths';

/** The pom listing the broker's runtime jars; editing it (e.g. the Kafka version) invalidates the cache. */
const KAFKA_POM = path.join(REPO_ROOT, 'infra', 'kafka', 'pom.xml');
const KAFKA_LIBS_DIR = path.join(CACHE_DIR, 'kafka', 'libs');
/** Written last, holding the pom's hash: its absence means a fetch never finished. */
const MARKER = path.join(KAFKA_LIBS_DIR, '.complete');

function pomHash(): string {
  return crypto.createHash('sha256').update(fs.readFileSync(KAFKA_POM)).digest('hex');
}

function cacheIsComplete(hash: string): boolean {
  try {
    return fs.readFileSync(MARKER, 'utf8').trim() === hash;
  } catch {
    return false;
  }
}

/**
 * Makes sure .cache/kafka/libs holds the jars of infra/kafka/pom.xml (from Maven Central via mvn)
 * and returns that directory. Jars are copied into a private directory first and renamed into
 * place, so a concurrent or interrupted fetch never leaves a half-filled classpath behind.
 */
export async function ensureKafkaJars(logger: Logger): Promise<string> {
  const hash = pomHash();
  if (cacheIsComplete(hash)) return KAFKA_LIBS_DIR;

  const started = Date.now();
  logger.info({ pom: KAFKA_POM }, 'fetching Kafka jars with Maven');
  const staging = `${KAFKA_LIBS_DIR}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    await runCommand('fetching the Kafka jars with mvn', 'mvn', [
      '-q',
      '-B',
      '-f',
      KAFKA_POM,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${staging}`,
      '-DincludeScope=runtime',
    ]);
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  fs.writeFileSync(path.join(staging, '.complete'), `${hash}\n`);
  fs.rmSync(KAFKA_LIBS_DIR, { recursive: true, force: true });
  fs.renameSync(staging, KAFKA_LIBS_DIR);
  logger.info({ ms: Date.now() - started, dir: KAFKA_LIBS_DIR }, `Kafka jars ready in ${Date.now() - started} ms`);
  return KAFKA_LIBS_DIR;
}
