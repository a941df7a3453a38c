import { setTimeout as sleep } from 'node:timers/promises';
import {
  closeServer,
  counter,
  createApp,
  createKafka,
  createProducer,
  createRegistry,
  ensureTopics,
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
  topicNames,
  type ReplicaId,
  type StatusChange,
  type StockView,
} from '@ftlab/shared';
import { loadConfig } from './config';
import { crossCheck } from './consistency';
import { dashboardRoutes } from './dashboard/routes';
import { DEFAULT_DETECTOR_CONFIG, initialDetectorState } from './detector';
import { configureProber, fetchStock, watchMonitorLag } from './prober';
import { monitorRoutes } from './routes';
import { createMonitorStore } from './store';
import { recordRetryPolicy } from './policies/record-retry';
import { ReplicaWatcher } from './watcher';

const SERVICE = 'monitor-svc';

runService(SERVICE, undefined, async (logger) => {
  const config = loadConfig();
  const detectorConfig = { ...DEFAULT_DETECTOR_CONFIG, ...config.detector };
  const topics = topicNames(config.TOPIC_PREFIX);
  const registry = createRegistry(SERVICE, SERVICE);
  const probeSeconds = histogram(registry, 'monitor_probe_duration_seconds', 'GET /health probe duration, by replica and result', ['instance_id', 'result']);
  const up = gauge(registry, 'monitor_instance_up', '1 while the monitor has the replica ON, 0 while OFF', ['instance_id']);
  const transitions = counter(registry, 'monitor_transitions_total', 'Replica status changes, by new status and cause', ['instance_id', 'to', 'cause']);
  const ttd = histogram(registry, 'monitor_time_to_detect_seconds', 'Failure start (injection, or last healthy probe) → OFF', ['cause'], [0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 5, 10]);
  const hostDelaySeconds = histogram(registry, 'monitor_probe_host_delay_seconds', "At each probe timeout, the host's delay it was judged against: the monitor's own lag and the fastest peer's latency", ['instance_id', 'part'], [0.005, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2]);
  const reports = counter(registry, 'monitor_error_reports_total', 'Error reports received about a replica, by cause', ['instance_id', 'cause']);
  const recordRetries = counter(registry, 'monitor_status_write_retries_total', 'Status changes written again after the database failed the write', ['instance_id']);
  const recordRetry = recordRetryPolicy();
  const stopping = new AbortController();

  const pool = await prepareDatabase(config.DATABASE_URL, undefined, logger);
  const store = createMonitorStore(pool);
  const persisted = await store.statuses();
  const since = new Map<string, Date>([...persisted].map(([id, s]) => [id, s.since]));

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
          logger.warn({ instance_id: instance, waited_ms: Math.round(result.latencyMs), timeout_ms: timeoutMs, unanswered: result.unanswered, host: result.host }, 'probe timed out');
        },
        transitioned: async (instance, transition, detail, lastHealthyAt) => {
          const recorded: (StatusChange & { ttd_ms?: number }) | undefined = await recordRetry.execute(({ attempt }) => {
            if (attempt > 0) recordRetries.inc({ instance_id: instance });
            return transition.to === 'OFF' ? store.markOff(instance, transition.cause, detail, lastHealthyAt) : store.markOn(instance);
          }, stopping.signal).catch((err: Error) => {
            // Only the monitor's shutdown ends the retries; the status stays as the database has it.
            logger.warn({ err: err.message, instance_id: instance, transition }, 'status change not recorded: monitor stopping');
            return undefined;
          });
          up.set({ instance_id: instance }, transition.to === 'ON' ? 1 : 0);
          if (!recorded) return;
          since.set(instance, new Date(recorded.since));
          transitions.inc({ instance_id: instance, to: transition.to, cause: transition.cause });
          if (recorded.ttd_ms !== undefined) {
            ttd.observe({ cause: transition.cause }, recorded.ttd_ms / 1000);
            logger.warn({ instance_id: instance, cause: transition.cause, ttd_ms: Math.round(recorded.ttd_ms), detail }, 'replica OFF');
          } else {
            logger.info({ instance_id: instance }, 'replica ON');
          }
        },
      }),
  );
  const byId = new Map(watchers.map((w) => [w.id, w]));
  for (const w of watchers) up.set({ instance_id: w.id }, w.state.status === 'ON' ? 1 : 0);

  const app = createApp({ registry, health: () => ({ ok: true, service: SERVICE }) });
  monitorRoutes(app, { watchers, since, store, config: detectorConfig });
  const dashboard = dashboardRoutes(app, { watchers, since, store, endpoints: config.endpoints, databaseUrl: config.DATABASE_URL, reportsDir: config.REPORTS_DIR, logger });
  finishApp(app, logger);
  const server = await listen(app, config.MONITOR_PORT, config.HOST);
  logger.info({ port: config.MONITOR_PORT, host: config.HOST, detector: detectorConfig }, 'listening');
  configureProber(detectorConfig);
  const stopLagWatch = watchMonitorLag();
  for (const w of watchers) w.start();

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
    for (const w of watchers) {
      void store
        .saveCounters(w.id, {
          last_probe_at: w.lastProbe?.at ?? null,
          last_probe_latency_ms: w.lastProbe?.result.latencyMs ?? null,
          probes_total: w.probes,
          probe_failures_total: w.probeFailures,
        })
        .catch(() => undefined);
    }
  }, 1000);

  const maintenance = await startTableMaintenance({ pool, logger, registry, tables: ['instance_status', 'failure_audit', 'fault_injections'] });
  const kafka = createKafka(config.KAFKA_BROKERS, SERVICE, logger);
  await ensureTopics(kafka, topics);
  const producer = createProducer(kafka);
  await producer.connect();
  const errors = await startEventConsumer({
    kafka,
    logger,
    registry,
    consumer: SERVICE,
    topic: topics.replicaErrors,
    schema: replicaErrorReport,
    producer,
    deadLetterTopic: topics.deadLetters,
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
    { name: 'producer', close: () => producer.disconnect() },
    { name: 'maintenance', close: () => maintenance.stop() },
    { name: 'pool', close: () => pool.end() },
  ];
});
