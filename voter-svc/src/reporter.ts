import { counter, jsonMessage, type Logger, type Producer, type Registry, type ReplicaErrorReport } from '@ftlab/shared';

/** At most one report per replica and cause in this interval: a burst of reads must not flood the topic. */
const MIN_INTERVAL_MS = 50;

/**
 * Publishes error reports for the monitor, fire-and-forget: a report is evidence, not a
 * transaction, and a read must never wait for Kafka.
 */
export function createReporter(producer: Producer, topic: string, logger: Logger, registry: Registry) {
  const sent = counter(registry, 'voter_error_reports_total', 'Error reports published about a replica, by cause', ['instance_id', 'cause']);
  const last = new Map<string, number>();
  return (report: ReplicaErrorReport): void => {
    const key = `${report.instance_id}:${report.cause}`;
    const now = Date.now();
    if (now - (last.get(key) ?? 0) < MIN_INTERVAL_MS) return;
    last.set(key, now);
    sent.inc({ instance_id: report.instance_id, cause: report.cause });
    producer.send({ topic, messages: [jsonMessage(report.instance_id, report)] }).catch((err: Error) => {
      logger.warn({ err: err.message, report }, 'could not publish an error report');
    });
  };
}
