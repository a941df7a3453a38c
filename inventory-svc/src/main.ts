import {
  closeServer,
  connectToLog,
  ConsumerLease,
  createApp,
  createRegistry,
  eventMessage,
  finishApp,
  gauge,
  inventoryEvent,
  listen,
  prepareDatabase,
  replicaResultEvent,
  runService,
  servesReads,
  startTableMaintenance,
  startTransactionalConsumer,
  storageClosers,
  topicNames,
  type TransactionalConsumer,
} from '@ftlab/shared';
import { loadConfig } from './config';
import { stateViolations } from './integrity';
import { NO_DRAIN, nextDrain, readiness } from './readiness';
import { ReplicaView, type ProductChange } from './replica-view';
import { faultMiddleware, faultRoutes, FaultSwitch, inventoryRoutes, type Serving } from './routes';
import { applyEvent } from './state-machine';
import { createFaultLog, createInventoryStore } from './store';

runService('inventory-svc', process.env.INSTANCE_ID, async (logger) => {
  const config = loadConfig();
  const instanceId = config.INSTANCE_ID;
  const source = `inventory-${instanceId}`;
  const topics = topicNames(config.TOPIC_PREFIX);
  const registry = createRegistry('inventory-svc', instanceId);
  const lagGauge = gauge(registry, 'inventory_lag_messages', 'Log messages not yet applied by this replica');

  const pool = await prepareDatabase(config.DATABASE_URL, undefined, logger);
  const faultLog = createFaultLog(pool, instanceId);
  const faults = new FaultSwitch();

  const store = createInventoryStore(pool, instanceId);
  // Only one process at a time is this replica: a second copy (a rolling deploy, a supervisor
  // restarting a process that was only frozen) waits here fenced, applying and answering nothing.
  const lease = new ConsumerLease({ databaseUrl: config.DATABASE_URL, consumer: source, holder: `pid ${process.pid} port ${config.port}`, logger, registry });
  lease.start();
  void lease.held().then(async () => {
    // A restarted replica starts clean; for a crash, the restart is the repair, recorded now (by
    // the process that is the replica, not by a copy that may never be).
    if ((await faultLog.cleared()) > 0) logger.info('open fault closed by restart');
  }, () => undefined);
  let consumer: TransactionalConsumer | undefined;
  const logReachable = () => consumer?.log().unreachableForMs === null;
  const view = new ReplicaView(() => consumer?.positions() ?? new Map(), logReachable);
  const serving = (): Serving => {
    const state = lease.current();
    if (state.kind === 'fenced') return { unavailable: `this process is fenced: ${source} is ${state.reason}` };
    return consumer && servesReads(state) ? { view } : { unavailable: 'replica is starting' };
  };

  // What the last /health said, and whether a log outage's backlog is being drained (readiness.ts).
  let wasReady = false;
  let drain = NO_DRAIN;
  // Listen before joining Kafka so a restarted replica answers probes at once (not ready yet).
  const app = createApp({
    registry,
    before: [faultMiddleware(faults)],
    health: () => {
      const log = consumer?.log() ?? { lag: null, unreachableForMs: null };
      if (log.lag !== null) lagGauge.set(log.lag);
      drain = nextDrain(drain, wasReady, log, config.READY_MAX_LAG, Date.now());
      const ready = readiness(lease.current(), consumer !== undefined, log, config.READY_MAX_LAG, drain.kind !== 'none');
      wasReady = ready.ok;
      return { instance_id: instanceId, ...ready };
    },
  });
  inventoryRoutes(app, { instanceId, serving, faults });
  faultRoutes(app, { instanceId, adminToken: config.ADMIN_TOKEN, faults, log: faultLog, logger });
  finishApp(app, logger);
  const server = await listen(app, config.port, config.HOST);
  logger.info({ port: config.port, host: config.HOST }, 'listening');

  const maintenance = await startTableMaintenance({
    pool,
    logger,
    registry,
    tables: ['replica_stock', 'replica_reservations', 'replica_stock_events', 'consumer_offsets'],
  });
  const log = await connectToLog({ brokers: config.KAFKA_BROKERS, clientId: source, topics, logger, registry });
  const { producer } = log;

  consumer = await startTransactionalConsumer({
    ...log,
    pool,
    consumer: source,
    topic: topics.orderEvents,
    schema: inventoryEvent,
    apply: async (client, records) => {
      const ledger = await store.loadLedger(client, records, view.committedStock());
      const changes: ProductChange[] = [];
      const results = records.flatMap((r) => {
        const result = applyEvent(ledger, r.event, { partition: r.partition, offset: r.offset });
        const stock = ledger.stock.get(r.event.product_id);
        if (stock) changes.push({ product_id: stock.product_id, offset: r.offset, available_quantity: stock.available_quantity, reserved_quantity: stock.reserved_quantity });
        return result ?? [];
      });
      await store.saveLedger(client, ledger);
      // Published before the commit: results follow from the log alone, so if the commit is lost
      // the same records are applied again and the same results republished (orders-svc keys
      // them by order, replica and outcome). No outbox is needed for what can be recomputed.
      if (results.length > 0) {
        const messages = results.map((r) => eventMessage('replicaResults', replicaResultEvent({ instance_id: instanceId, ...r })));
        await producer.send({ topic: topics.replicaResults, messages });
      }
      return { ledger, changes };
    },
    committed: ({ ledger, changes }) => view.commit(ledger, changes),
    fencing: {
      lease,
      // Whenever this process becomes the replica: the rows as committed, unless they cannot be a
      // state of the log at the offsets, in which case they are wiped and rebuilt from offset 0.
      // (Checked unless this process held the lease just before: see Fencing.restore.)
      restore: async ({ verify }) => {
        const violations = verify ? await store.loadTotals(source).then((t) => stateViolations(t.products, t.eventsApplied)) : [];
        if (violations.length > 0) return { rebuild: (client) => store.wipe(client), reason: violations.join('; ') };
        const stock = await store.loadStock();
        return { install: () => view.reset(stock) };
      },
    },
  });
  const running = consumer;
  logger.info({ positions: Object.fromEntries(consumer.positions()) }, 'consuming the order log');

  return [
    { name: 'http', close: () => closeServer(server) },
    { name: 'consumer', close: () => running.stop() },
    { name: 'lease', close: () => lease.stop() },
    ...storageClosers({ producer, maintenance, pool }),
  ];
});
