import { z } from 'zod';
import { instanceId, validated, type Express, type FailuresResponse, type MonitoredInstance, type MonitorLeadership, type MonitorStatusResponse } from '@ftlab/shared';
import type { DetectorConfig } from './detector';
import type { Leadership } from './leadership';
import type { MonitorStore, RecordedStatus } from './store';
import type { ReplicaWatcher } from './watcher';

const failuresQuery = z.object({ instance_id: instanceId.optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) }).strict();

/** One replica as this monitor sees it; with `recorded`, its status is the recorded one and its own view goes in own_status. */
export function instanceReport(w: ReplicaWatcher, since: ReadonlyMap<string, Date>, recorded?: RecordedStatus): MonitoredInstance {
  return {
    instance_id: w.id,
    url: w.url,
    status: recorded?.status ?? w.state.status,
    since: (recorded?.since ?? since.get(w.id))?.toISOString() ?? null,
    cause: recorded ? recorded.cause : w.state.offCause,
    own_status: w.state.status,
    quarantined: w.state.quarantine !== null,
    last_probe_at: w.lastProbe?.at.toISOString() ?? null,
    last_probe_ok: w.lastProbe?.result.ok ?? null,
    last_probe_latency_ms: w.lastProbe ? Math.round(w.lastProbe.result.latencyMs * 10) / 10 : null,
    probe_timeout_ms: w.lastProbe?.timeoutMs ?? null,
    consecutive_failures: w.state.consecutiveFailures,
    consecutive_successes: w.state.consecutiveSuccesses,
    probes_total: w.probes,
    probe_failures_total: w.probeFailures,
  };
}

/** This monitor's part in the election, as /status tells it. */
export function leadershipReport(lease: { instance: string; state: Leadership }): MonitorLeadership {
  const { state } = lease;
  return {
    instance: lease.instance,
    role: state.role,
    leader: state.lease?.leader ?? null,
    term: state.lease?.term ?? null,
    leader_since: state.lease?.since.toISOString() ?? null,
  };
}

export function monitorRoutes(
  app: Express,
  deps: { watchers: ReplicaWatcher[]; since: ReadonlyMap<string, Date>; store: MonitorStore; config: DetectorConfig; lease: { instance: string; state: Leadership } },
): void {
  app.get('/status', async (_req, res) => {
    // A follower's own view can differ from what the leader recorded (it is not the one deciding),
    // so every monitor answers with the recorded statuses, the ones the voter acts on.
    const recorded = await deps.store.statuses().catch(() => undefined);
    const body: MonitorStatusResponse = {
      monitor: leadershipReport(deps.lease),
      instances: deps.watchers.map((w) => instanceReport(w, deps.since, recorded?.get(w.id))),
      detector: { ...deps.config },
    };
    res.json(body);
  });
  app.get('/failures', async (req, res) => {
    const query = validated(res, failuresQuery, req.query, 'query');
    if (query === undefined) return;
    const body: FailuresResponse = { failures: await deps.store.failures(query.instance_id, query.limit) };
    res.json(body);
  });
}
