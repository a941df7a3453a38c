import { counter, eventMessage, type EventProducer, type Logger, type Registry, type ReplicaErrorReport } from '@ftlab/shared';

/** At most one report per replica and cause in this interval: a burst of reads must not flood the topic. */
const MIN_INTERVAL_MS = 50;
/** Reports waiting for the broker beyond this are dropped (and counted): a read never waits for Kafka. */
const MAX_QUEUED = 200;

/**
 * Publishes error reports for the monitor, fire-and-forget: a report is evidence, not a
 * transaction. Reports queue while one send is in flight and go out together in the next, so a
 * slow broker or a starved CPU cannot pile up one pending send per report.
 */
export function createReporter(producer: EventProducer, topic: string, logger: Logger, registry: Registry) {
  const sent = counter(registry, 'voter_error_reports_total', 'Error reports published about a replica, by cause', ['instance_id', 'cause']);
  const dropped = counter(registry, 'voter_error_reports_dropped_total', 'Error reports dropped because too many were waiting for the broker');
  const last = new Map<string, number>();
  let queue: ReplicaErrorReport[] = [];
  let sending = false;

  const flush = async () => {
    if (sending || queue.length === 0) return;
    sending = true;
    const batch = queue;
    queue = [];
    try {
      await producer.send({ topic, messages: batch.map((r) => eventMessage('replicaErrors', r)) });
      for (const r of batch) sent.inc({ instance_id: r.instance_id, cause: r.cause });
    } catch (err) {
      logger.warn({ err: (err as Error).message, reports: batch.length }, 'could not publish error reports');
    } finally {
      sending = false;
      void flush();
    }
  };

  return (report: ReplicaErrorReport): void => {
    const key = `${report.instance_id}:${report.cause}`;
    const now = Date.now();
    if (now - (last.get(key) ?? 0) < MIN_INTERVAL_MS) return;
    last.set(key, now);
    if (queue.length >= MAX_QUEUED) return void dropped.inc();
    queue.push(report);
    void flush();
  };
}
