import {
  closeServer,
  counter,
  createApp,
  createKafka,
  createProducer,
  createRegistry,
  ensureTopics,
  finishApp,
  histogram,
  listen,
  prepareDatabase,
  replicaResult,
  runService,
  startOutboxRelay,
  startTransactionalConsumer,
  topicNames,
  type OutboxRelay,
} from '@ftlab/shared';
import { loadConfig } from './config';
import { orderRoutes } from './routes';
import { createOrderStore, SOURCE } from './store';
import { DecisionWaiters } from './waiters';

runService(SOURCE, undefined, async (logger) => {
  const config = loadConfig();
  const topics = topicNames(config.TOPIC_PREFIX);
  const registry = createRegistry(SOURCE, SOURCE);
  const decisions = counter(registry, 'orders_decisions_total', 'Orders decided by 2-of-3 replica agreement, by status', ['status']);
  const decisionSeconds = histogram(registry, 'orders_decision_duration_seconds', 'Order accepted → decided', ['status']);

  const pool = await prepareDatabase(config.DATABASE_URL, 20);
  const store = createOrderStore(pool, topics);
  const seeded = await store.seedProducts();
  if (seeded.length > 0) logger.info({ products: seeded }, 'seed products put into the log');

  const kafka = createKafka(config.KAFKA_BROKERS, SOURCE, logger);
  const producer = createProducer(kafka);
  const waiters = new DecisionWaiters();
  // Orders are accepted while Kafka is away: they wait in the outbox, so HTTP comes up first.
  let relay: OutboxRelay | undefined;
  const app = createApp({ registry, health: () => ({ ok: true, service: SOURCE, outbox_backlog: relay?.backlog() ?? null }) });
  orderRoutes(app, { store, waiters, registry, adminToken: config.ADMIN_TOKEN, kick: () => relay?.kick() });
  finishApp(app, logger);
  const server = await listen(app, config.ORDERS_PORT, config.HOST);
  logger.info({ port: config.ORDERS_PORT, host: config.HOST }, 'listening');

  await ensureTopics(kafka, topics);
  await producer.connect();
  const publisher = startOutboxRelay({ pool, producer, source: SOURCE, logger, registry });
  relay = publisher;
  const consumer = await startTransactionalConsumer({
    kafka,
    pool,
    logger,
    registry,
    consumer: SOURCE,
    topic: topics.replicaResults,
    schema: replicaResult,
    producer,
    deadLetterTopic: topics.deadLetters,
    apply: (client, records) => store.recordResults(client, records),
    committed: (decided) => {
      for (const d of decided) {
        decisions.inc({ status: d.status });
        decisionSeconds.observe({ status: d.status }, (d.decided_at.getTime() - d.created_at.getTime()) / 1000);
        waiters.decided(d.order_id);
      }
      publisher.kick();
    },
  });

  return [
    { name: 'http', close: () => closeServer(server) },
    { name: 'consumer', close: () => consumer.stop() },
    { name: 'relay', close: () => publisher.stop() },
    { name: 'producer', close: () => producer.disconnect() },
    { name: 'pool', close: () => pool.end() },
  ];
});
