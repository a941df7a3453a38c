import { setTimeout as sleep } from 'node:timers/promises';
import {
  closeServer,
  connectToLog,
  counter,
  createApp,
  createRegistry,
  finishApp,
  gauge,
  histogram,
  listen,
  prepareDatabase,
  REPLICA_IDS,
  replicaErrorReport,
  runService,
  startEventConsumer,
  startTableMaintenance,
  storageClosers,
  topicNames,
  type ReplicaId,
  type StockView,
} from '@ftlab/shared';
import { loadConfig } from './config';
import { crossCheck } from './consistency';
import { dashboardRoutes } from './dashboard/routes';
import { DEFAULT_DETECTOR_CONFIG, initialDetectorState } from './detector';
import { LeaderLease } from './lease';
import { configureProber, fetchStock, watchMonitorLag } from './prober';
import { transitionRecorder } from './recorder';
import { monitorRoutes } from './routes';
import { createMonitorStore } from './store';
import { ReplicaWatcher } from './watcher';

const SERVICE = 'monitor-svc';

runService(SERVICE, process.env.MONITOR_INSTANCE, async (logger) => {
  const config = loadConfig();
  const detectorConfig = { ...DEFAULT_DETECTOR_CONFIG, ...config.detector };
  const topics = topicNames(config.TOPIC_PREFIX);
  const registry = createRegistry(SERVICE, config.instance);
  const probeSeconds = histogram(registry, 'monitor_probe_duration_seconds', 'GET /health probe duration, by replica and result', ['instance_id', 'result']);
  const hostDelaySeconds = histogram(registry, 'monitor_probe_host_delay_seconds', "At each probe timeout, the host's delay it was judged against: the monitor's own lag and the fastest peer's latency", ['instance_id', 'part'], [0.005, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2]);
  const reports = counter(registry, 'monitor_error_reports_total', 'Error reports received about a replica, by cause', ['instance_id', 'cause']);
  const leading = gauge(registry, 'monitor_leading', '1 while this monitor holds the leadership lock and records transitions');
  const leadershipChanges = counter(registry, 'monitor_leadership_changes_total', 'Times this monitor took the lead or stepped down', ['change']);
  const stopping = new AbortController();

  const pool = await prepareDatabase(config.DATABASE_URL, undefined, logger);
  const store = createMonitorStore(pool);
  const persisted = await store.statuses();
  const since = new Map<string, Date>([...persisted].map(([id, s]) => [id, s.since]));
  const lease: LeaderLease = new LeaderLease(
    config.instance,
    config.DATABASE_URL,
    config.leadership,
    {
      becameLeader: () => {
        leading.set(1);
        leadershipChanges.inc({ change: 'became-leader' });
        recorder.reconcile(watchers);
      },
      steppedDown: () => {
        leading.set(0);
        leadershipChanges.inc({ change: 'stepped-down' });
      },
    },
    logger,
  );
  const recorder = transitionRecorder({ store, decision: () => lease.decision(), since, registry, logger, stopping: stopping.signal });

  const watchers = REPLICA_IDS.map(
    (id) =>
      new ReplicaWatcher(id, config.endpoints.inventory[id], initialDetectorState(persisted.get(id)?.status ?? 'OFF'), detectorConfig, {
        probed: (instance, result, timeoutMs) => {
          probeSeconds.observe({ instance_id: instance, result: result.ok ? 'ok' : result.cause }, result.latencyMs / 1000);
          // Only a timeout against an ON replica is news; an OFF one times out on every probe.
          if (result.ok || result.cause !== 'timeout' || byId.get(instance)?.state.status !== 'ON') return;
          // A timeout is judged against the host's delay: what it was tells a frozen replica from a busy machine.
          hostDelaySeconds.observe({ instance_id: instance, part: 'monitor_lag' }, (result.host?.monitorLagMs ?? 0) / 1000);
          hostDelaySeconds.observe({ instance_id: instance, part: 'fastest_peer' }, (result.host?.fastestPeerMs ?? 0) / 1000);
          logger.warn({ instance_id: instance, waited_ms: Math.round(result.latencyMs), timeout_ms: timeoutMs, unanswered: result.unanswered, contended: result.contended, host: result.host }, 'probe timed out');
        },
        transitioned: (instance, transition, detail, lastHealthyAt) => recorder.record(instance, transition, detail, lastHealthyAt),
      }),
  );
  const byId = new Map(watchers.map((w) => [w.id, w]));
  for (const w of watchers) recorder.up.set({ instance_id: w.id }, w.state.status === 'ON' ? 1 : 0);

  const app = createApp({ registry, health: () => ({ ok: true, service: SERVICE }) });
  monitorRoutes(app, { watchers, since, store, config: detectorConfig, lease });
  const dashboard = dashboardRoutes(app, {
    watchers,
    since,
    store,
    // resolveEndpoints always sets payment-svc's and notification-svc's (optional only in hand-written Endpoints).
    endpoints: { ...config.endpoints, payment: config.endpoints.payment!, notification: config.endpoints.notification! },
    databaseUrl: config.DATABASE_URL,
    reportsDir: config.REPORTS_DIR,
    logger,
  });
  finishApp(app, logger);
  const server = await listen(app, config.port, config.HOST);
  logger.info({ port: config.port, host: config.HOST, monitor: config.instance, detector: detectorConfig, leadership: config.leadership }, 'listening');
  configureProber(detectorConfig);
  const stopLagWatch = watchMonitorLag();
  for (const w of watchers) w.start();
  lease.start();

  // Cross-check the replicas' data on a loop of its own: it catches a lying replica without any
  // client traffic, and it is the only evidence that releases a liar from quarantine.
  let checking = true;
  const consistencyLoop = (async () => {
    while (checking) {
      const answers = await Promise.all(REPLICA_IDS.map((id) => fetchStock(config.endpoints.inventory[id], detectorConfig.maxTimeoutMs)));
      const snapshots: Partial<Record<ReplicaId, StockView[]>> = {};
      REPLICA_IDS.forEach((id, i) => answers[i] && (snapshots[id] = answers[i]));
      for (const [id, verdict] of crossCheck(snapshots)) byId.get(id)!.consistency(verdict === 'matches');
      await sleep(config.CONSISTENCY_INTERVAL_MS);
    }
  })();

  const saveCounters = setInterval(() => {
    const decision = lease.decision();
    if (decision.action !== 'record') return;
    for (const w of watchers) {
      void store
        .saveCounters(decision.term, w.id, {
          last_probe_at: w.lastProbe?.at ?? null,
          last_probe_latency_ms: w.lastProbe?.result.latencyMs ?? null,
          probes_total: w.probes,
          probe_failures_total: w.probeFailures,
        })
        .catch(() => undefined);
    }
  }, 1000);

  const maintenance = await startTableMaintenance({ pool, logger, registry, tables: ['instance_status', 'failure_audit', 'fault_injections'] });
  const log = await connectToLog({ brokers: config.KAFKA_BROKERS, clientId: SERVICE, topics, logger, registry });
  const { producer } = log;
  const errors = await startEventConsumer({
    ...log,
    consumer: SERVICE,
    topic: topics.replicaErrors,
    schema: replicaErrorReport,
    handle: (report) => {
      reports.inc({ instance_id: report.instance_id, cause: report.cause });
      const watcher = byId.get(report.instance_id)!;
      if (report.cause === 'incorrect_response') watcher.reportIncorrect(`${report.reporter}: ${report.detail}`);
      else watcher.hint();
    },
  });

  return [
    // Open event streams first: the http server cannot finish closing while they are connected.
    { name: 'dashboard', close: () => dashboard.close() },
    { name: 'http', close: () => closeServer(server) },
    { name: 'errors', close: () => errors.stop() },
    {
      name: 'watchers',
      close: async () => {
        checking = false;
        stopping.abort();
        clearInterval(saveCounters);
        stopLagWatch();
        await Promise.all([...watchers.map((w) => w.stop()), consistencyLoop]);
      },
    },
    // After the watchers: a transition they were still recording is in; then the lock goes at once.
    { name: 'leadership', close: () => lease.stop() },
    ...storageClosers({ producer: producer, maintenance, pool }),
  ];
});
