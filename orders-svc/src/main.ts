import {
  closeServer,
  connectToLog,
  counter,
  createApp,
  createRegistry,
  finishApp,
  histogram,
  isFinalOrderStatus,
  listen,
  paymentSettled,
  prepareDatabase,
  replicaResult,
  runService,
  startOutboxRelay,
  startTableMaintenance,
  startTransactionalConsumer,
  storageClosers,
  topicNames,
  type OutboxRelay,
  type OutboxRow,
} from '@ftlab/shared';
import { loadConfig } from './config';
import { orderRoutes } from './routes';
import { createOrderStore, SOURCE, type Decided } from './store';
import { DecisionWaiters } from './waiters';

runService(SOURCE, undefined, async (logger) => {
  const config = loadConfig();
  const topics = topicNames(config.TOPIC_PREFIX);
  const registry = createRegistry(SOURCE, SOURCE);
  const decisions = counter(
    registry,
    'orders_decisions_total',
    'Orders that reached a status: RESERVED or REJECTED by 2-of-3 replica agreement, CONFIRMED or CANCELLED by their payment',
    ['status'],
  );
  const decisionSeconds = histogram(registry, 'orders_decision_duration_seconds', 'Order accepted → this status', ['status']);

  const pool = await prepareDatabase(config.DATABASE_URL, 20, logger);
  // Orders are accepted while Kafka is away: they wait in the outbox, so HTTP comes up first and
  // the relay, which needs the broker, is attached later (it sweeps up what was written meanwhile).
  let relay: OutboxRelay | undefined;
  const store = createOrderStore(pool, topics, (rows) => relay?.publish(rows));
  const seeded = await store.seedProducts();
  if (seeded.length > 0) logger.info({ products: seeded }, 'seed products put into the log');

  const maintenance = await startTableMaintenance({ pool, logger, registry, tables: ['orders', 'order_results', 'outbox', 'products', 'consumer_offsets'] });
  const waiters = new DecisionWaiters();
  const app = createApp({ registry, health: () => ({ ok: true, service: SOURCE, outbox_backlog: relay?.backlog() ?? null }) });
  orderRoutes(app, { store, waiters, registry, adminToken: config.ADMIN_TOKEN });
  finishApp(app, logger);
  const server = await listen(app, config.ORDERS_PORT, config.HOST);
  logger.info({ port: config.ORDERS_PORT, host: config.HOST }, 'listening');

  const log = await connectToLog({ brokers: config.KAFKA_BROKERS, clientId: SOURCE, topics, logger, registry });
  const publisher = startOutboxRelay({ pool, producer: log.producer, source: SOURCE, logger, registry });
  relay = publisher;
  /** After a commit: count the new statuses, wake the clients waiting for a final one, publish. */
  const committed = ({ decided, outbox }: { decided: Decided[]; outbox: OutboxRow[] }) => {
    for (const d of decided) {
      decisions.inc({ status: d.status });
      decisionSeconds.observe({ status: d.status }, (d.at.getTime() - d.created_at.getTime()) / 1000);
      if (isFinalOrderStatus(d.status)) waiters.decided(d.order_id);
    }
    publisher.publish(outbox);
  };
  const consumer = await startTransactionalConsumer({
    ...log,
    pool,
    consumer: SOURCE,
    topic: topics.replicaResults,
    schema: replicaResult,
    apply: (client, records) => store.recordResults(client, records),
    committed,
  });
  // The saga's other half: payment-svc's outcome makes a RESERVED order CONFIRMED or CANCELLED.
  const payments = await startTransactionalConsumer({
    ...log,
    pool,
    consumer: `${SOURCE}-payments`,
    topic: topics.paymentResults,
    schema: paymentSettled,
    apply: (client, records) => store.recordPayments(client, records),
    committed,
  });

  return [
    { name: 'http', close: () => closeServer(server) },
    { name: 'consumer', close: () => consumer.stop() },
    { name: 'payments consumer', close: () => payments.stop() },
    { name: 'relay', close: () => publisher.stop() },
    ...storageClosers({ producer: log.producer, maintenance, pool }),
  ];
});
