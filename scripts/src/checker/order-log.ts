import crypto from 'node:crypto';
import { createKafka, decodeEvent, inventoryEvent, type Logger } from '@ftlab/shared';
import type { LogRecord } from './history';

/**
 * Adapter: the whole order log as the replicas consume it, from offset 0 of every partition up
 * to its end as of the call, for the checker's replay. Records that do not parse as events are
 * left out, as the replicas dead-letter them. A throwaway consumer group reads it and is deleted.
 */

export interface OrderLogAddress {
  brokers: string[];
  topic: string;
}

export interface OrderLog {
  records: LogRecord[];
  /** partition → end offset (the next offset to be written) when the log was read. */
  end: Record<string, number>;
}

/** partition → end offset of `topic` now. */
export async function logEnd(brokers: string[], topic: string, logger: Logger): Promise<Record<string, number>> {
  const admin = createKafka(brokers, 'history-checker', logger).admin();
  await admin.connect();
  try {
    return Object.fromEntries((await admin.fetchTopicOffsets(topic)).map((p) => [String(p.partition), Number(p.high)]));
  } finally {
    await admin.disconnect();
  }
}

export async function readOrderLog(brokers: string[], topic: string, logger: Logger, timeoutMs = 60_000): Promise<OrderLog> {
  const end = await logEnd(brokers, topic, logger);
  const kafka = createKafka(brokers, 'history-checker', logger);
  const groupId = `history-checker-${crypto.randomUUID()}`;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  const records: LogRecord[] = [];
  const remaining = new Set(Object.keys(end).filter((p) => end[p]! > 0));
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  if (remaining.size === 0) finished();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const p = String(batch.partition);
        for (const m of batch.messages) {
          const offset = Number(m.offset);
          if (offset >= end[p]!) break;
          const decoded = decodeEvent(inventoryEvent, m.value);
          if (decoded.ok) records.push({ partition: batch.partition, offset, event: decoded.event });
          if (offset === end[p]! - 1) remaining.delete(p);
        }
        if (remaining.size === 0) finished();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`order log not read within ${timeoutMs} ms (partitions left: ${[...remaining].join(', ')})`)), timeoutMs);
    });
    await Promise.race([done, timeout]).finally(() => clearTimeout(timer));
  } finally {
    await consumer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([groupId]).catch((err: Error) => logger.warn({ groupId, err: err.message }, 'could not delete the checker’s consumer group'));
    await admin.disconnect();
  }
  return { records, end };
}
