import { counter, gauge, histogram, type Logger, type Registry, type ReplicaId, type StatusChange } from '@ftlab/shared';
import type { Transition } from './detector';
import { reconcileTransition, type RecordingDecision } from './leadership';
import { recordRetryPolicy } from './policies/record-retry';
import type { MonitorStore, Recording } from './store';
import type { ReplicaWatcher } from './watcher';

/**
 * Records the detector's transitions, only while this monitor leads and only under its term, and
 * retried until recorded (safe: recording is idempotent, store.ts). A follower records nothing: the
 * leader does, and if this monitor takes the lead, `reconcile` records whatever its own view holds
 * that the database does not (a failure the old leader died before recording).
 */
export function transitionRecorder(deps: {
  store: MonitorStore;
  decision: () => RecordingDecision;
  /** Since-when of each replica's status, for /status and the dashboard. */
  since: Map<string, Date>;
  registry: Registry;
  logger: Logger;
  stopping: AbortSignal;
}) {
  const { store, logger, registry } = deps;
  const up = gauge(registry, 'monitor_instance_up', '1 while the monitor has the replica ON, 0 while OFF', ['instance_id']);
  const transitions = counter(registry, 'monitor_transitions_total', 'Replica status changes recorded, by new status and cause', ['instance_id', 'to', 'cause']);
  const ttd = histogram(registry, 'monitor_time_to_detect_seconds', 'Failure start (injection, or last healthy probe) → OFF', ['cause'], [0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 5, 10]);
  const recordRetries = counter(registry, 'monitor_status_write_retries_total', 'Status changes written again after the database failed the write (or the leadership lock was unconfirmed)', ['instance_id']);
  const unrecorded = counter(registry, 'monitor_transitions_left_to_leader_total', 'Transitions this monitor saw but did not record: it was not leading (or was fenced off by a newer leader)', ['instance_id', 'to']);
  const retry = recordRetryPolicy();

  async function record(instance: ReplicaId, transition: Transition, detail: string, lastHealthyAt: Date | null): Promise<void> {
    up.set({ instance_id: instance }, transition.to === 'ON' ? 1 : 0);
    const recorded: Recording<StatusChange & { ttd_ms?: number }> | undefined = await retry
      .execute(({ attempt }): Promise<Recording<StatusChange & { ttd_ms?: number }>> | 'fenced' => {
        if (attempt > 0) recordRetries.inc({ instance_id: instance });
        const decision = deps.decision();
        if (decision.action === 'leave-to-leader') return 'fenced' as const;
        if (decision.action === 'wait') throw new Error('leadership lock unconfirmed');
        return transition.to === 'OFF' ? store.markOff(decision.term, instance, transition.cause, detail, lastHealthyAt) : store.markOn(decision.term, instance);
      }, deps.stopping)
      .catch((err: Error) => {
        // Only the monitor's shutdown ends the retries; the status stays as the database has it.
        logger.warn({ err: err.message, instance_id: instance, transition }, 'status change not recorded: monitor stopping');
        return undefined;
      });
    if (recorded === 'fenced') {
      unrecorded.inc({ instance_id: instance, to: transition.to });
      // Still this monitor's view: its /status shows it, and it is what it records should it lead.
      deps.since.set(instance, new Date());
      return;
    }
    if (recorded === undefined || recorded === 'unchanged') return;
    deps.since.set(instance, new Date(recorded.since));
    transitions.inc({ instance_id: instance, to: transition.to, cause: transition.cause });
    if (recorded.ttd_ms !== undefined) {
      ttd.observe({ cause: transition.cause }, recorded.ttd_ms / 1000);
      logger.warn({ instance_id: instance, cause: transition.cause, ttd_ms: Math.round(recorded.ttd_ms), detail }, 'replica OFF');
    } else {
      logger.info({ instance_id: instance }, 'replica ON');
    }
  }

  /** On taking the lead: each replica's recorded status is brought to this monitor's view, in order with its transitions. */
  function reconcile(watchers: readonly ReplicaWatcher[]): void {
    for (const w of watchers) {
      w.afterTransitions(async () => {
        const statuses = await retry.execute(() => store.statuses(), deps.stopping).catch(() => undefined);
        if (!statuses) return; // stopping
        const transition = reconcileTransition(w.state, statuses.get(w.id)?.status);
        if (!transition) return;
        logger.warn({ instance_id: w.id, recorded: statuses.get(w.id)?.status ?? null, transition }, 'taking the lead: recording what this monitor saw');
        await record(w.id, transition, `recorded by the new leader: ${transition.to === 'OFF' ? transition.cause : 'healthy probes'}`, w.lastHealthyAt);
      });
    }
  }

  return { record, reconcile, up };
}
