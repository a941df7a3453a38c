import {
  closeServer,
  connectToLog,
  createApp,
  createHttpPool,
  createRegistry,
  finishApp,
  gauge,
  listen,
  prepareDatabase,
  runService,
  sagaEvent,
  startOutboxRelay,
  startTableMaintenance,
  startTransactionalConsumer,
  storageClosers,
  topicNames,
  type PaymentStatsResponse,
} from '@ftlab/shared';
import { createCharger } from './charger';
import { callsWaiting, createGatewayBulkhead } from './policies/bulkhead';
import { loadConfig } from './config';
import { gatewayClient } from './gateway-client';
import { startReconciler } from './reconciler';
import { createPaymentStore, SOURCE } from './store';

/**
 * The saga's payment step: consumes OrderReserved (and OrderWithdrawn) from the order saga topic,
 * charges each order's amount through the external payment gateway, and publishes the outcome
 * (PaymentSettled) through its outbox for orders-svc to confirm or cancel the order.
 */
runService(SOURCE, undefined, async (logger) => {
  const config = loadConfig();
  const topics = topicNames(config.TOPIC_PREFIX);
  const registry = createRegistry(SOURCE, SOURCE);
  const pool = await prepareDatabase(config.DATABASE_URL, 10, logger);
  const store = createPaymentStore(pool, topics, config.PAYMENT_DEADLINE_MS);
  const maintenance = await startTableMaintenance({ pool, logger, registry, tables: ['payments'] });

  const log = await connectToLog({ brokers: config.KAFKA_BROKERS, clientId: SOURCE, topics, logger, registry });
  const relay = startOutboxRelay({ pool, producer: log.producer, source: SOURCE, logger, registry });

  const http = createHttpPool();
  const limit = createGatewayBulkhead(config.PAYMENT_MAX_IN_FLIGHT);
  const waiting = gauge(registry, 'payment_gateway_calls_waiting', 'Calls to the gateway waiting for a slot of its bulkhead (PAYMENT_MAX_IN_FLIGHT on the wire)');
  setInterval(() => waiting.set(callsWaiting(limit)), 1000).unref();
  const client = gatewayClient(config.endpoints.paymentGateway!, http, { attemptMs: config.PAYMENT_ATTEMPT_TIMEOUT_MS, lookupMs: config.PAYMENT_LOOKUP_TIMEOUT_MS }, limit);
  const charger = createCharger({
    client,
    limit,
    store,
    timing: {
      deadlineMs: config.PAYMENT_DEADLINE_MS,
      lookupTimeoutMs: config.PAYMENT_LOOKUP_TIMEOUT_MS,
      backoffMaxMs: config.PAYMENT_BACKOFF_MAX_MS,
      backoffInitialMs: config.PAYMENT_BACKOFF_INITIAL_MS,
      attemptTimeoutMs: config.PAYMENT_ATTEMPT_TIMEOUT_MS,
      breakerFailures: config.PAYMENT_BREAKER_FAILURES,
      breakerHalfOpenMs: config.PAYMENT_BREAKER_HALF_OPEN_MS,
    },
    publish: (rows) => relay.publish(rows),
    logger,
    registry,
  });
  // What a previous process left charging (killed mid-charge) resumes first, within its own deadline.
  const resumed = await store.openPayments();
  if (resumed.length > 0) logger.info({ payments: resumed.length }, 'resuming payments left charging');
  charger.start(resumed);
  const reconciler = startReconciler({ client, store, intervalMs: config.PAYMENT_RECONCILE_INTERVAL_MS, inFlightGraceMs: config.PAYMENT_IN_FLIGHT_GRACE_MS, logger, registry });

  const consumer = await startTransactionalConsumer({
    ...log,
    pool,
    consumer: SOURCE,
    topic: topics.orderSaga,
    schema: sagaEvent,
    apply: (c, records) => store.applySaga(c, records),
    committed: (payments) => charger.start(payments),
  });

  const app = createApp({
    registry,
    health: () => ({ ok: true, service: SOURCE, breaker: charger.breakerState(), charging: charger.charging(), outbox_backlog: relay.backlog() }),
  });
  app.get('/payments/stats', async (_req, res) => {
    const body: PaymentStatsResponse = { breaker: charger.breakerState(), breaker_opens: charger.breakerOpens(), deadline_ms: config.PAYMENT_DEADLINE_MS, ...(await store.counts()) };
    res.json(body);
  });
  finishApp(app, logger);
  const server = await listen(app, config.PAYMENT_SVC_PORT, config.HOST);
  logger.info({ port: config.PAYMENT_SVC_PORT, host: config.HOST, gateway: config.endpoints.paymentGateway }, 'listening');

  return [
    { name: 'http', close: () => closeServer(server) },
    { name: 'consumer', close: () => consumer.stop() },
    { name: 'reconciler', close: () => reconciler.stop() },
    { name: 'relay', close: () => relay.stop() },
    { name: 'http pool', close: () => http.close() },
    ...storageClosers({ producer: log.producer, maintenance, pool }),
  ];
});
