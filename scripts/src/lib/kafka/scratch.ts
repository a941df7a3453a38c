import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '@ftlab/shared';
import { freePort } from '../ports';
import { startKafka, type KafkaCluster } from './broker';

/**
 * Kafka of its own for a test run, a test file or a benchmark: `size` nodes on free ports, data
 * in a temporary directory that stop() deletes (logs stay in `logDir` for inspection).
 */
export async function startScratchKafka(opts: { label: string; logDir: string; size?: number; logger?: Logger }): Promise<KafkaCluster> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `ftlab-${opts.label}-kafka-`));
  const removeData = () => fs.rmSync(dataDir, { recursive: true, force: true });
  try {
    const ports = await Promise.all(Array.from({ length: opts.size ?? 1 }, () => freePort()));
    const cluster = await startKafka({ logger: opts.logger, ports, dataDir, logDir: opts.logDir });
    return {
      ...cluster,
      stop: async () => {
        await cluster.stop();
        removeData();
      },
    };
  } catch (err) {
    removeData();
    throw err;
  }
}
