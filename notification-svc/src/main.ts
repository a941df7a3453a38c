import nodemailer from 'nodemailer';
import {
  closeServer,
  connectToLog,
  createApp,
  createRegistry,
  finishApp,
  listen,
  orderFinalized,
  prepareDatabase,
  runService,
  startTableMaintenance,
  startTransactionalConsumer,
  storageClosers,
  topicNames,
  type NotificationStatsResponse,
} from '@ftlab/shared';
import { loadConfig } from './config';
import { startSender } from './sender';
import { createNotificationStore, SOURCE } from './store';

/**
 * Mails each order's final outcome (OrderFinalized on the order outcomes topic) over SMTP with
 * nodemailer. Not critical: nothing waits for it, and while mail is down outcomes wait in its
 * table and go out, once each, when mail is back.
 */
runService(SOURCE, undefined, async (logger) => {
  const config = loadConfig();
  const topics = topicNames(config.TOPIC_PREFIX);
  const registry = createRegistry(SOURCE, SOURCE);
  const pool = await prepareDatabase(config.DATABASE_URL, 4, logger);
  const store = createNotificationStore(pool, { to: config.NOTIFY_TO, domain: config.NOTIFY_FROM.split('@')[1]! });
  const maintenance = await startTableMaintenance({ pool, logger, registry, tables: ['notifications'] });

  const transport = nodemailer.createTransport({
    host: config.MAIL_SINK_SMTP_HOST,
    port: config.MAIL_SINK_SMTP_PORT,
    secure: false,
    pool: true,
    connectionTimeout: config.NOTIFY_SMTP_TIMEOUT_MS,
    greetingTimeout: config.NOTIFY_SMTP_TIMEOUT_MS,
    socketTimeout: config.NOTIFY_SMTP_TIMEOUT_MS,
  });
  const sender = startSender({
    store,
    transport,
    from: config.NOTIFY_FROM,
    retry: { initialDelayMs: config.NOTIFY_RETRY_INITIAL_MS, maxDelayMs: config.NOTIFY_RETRY_MAX_MS },
    logger,
    registry,
  });

  const log = await connectToLog({ brokers: config.KAFKA_BROKERS, clientId: SOURCE, topics, logger, registry });
  const consumer = await startTransactionalConsumer({
    ...log,
    pool,
    consumer: SOURCE,
    topic: topics.orderOutcomes,
    schema: orderFinalized,
    apply: (client, records) => store.record(client, records),
    committed: (fresh) => {
      if (fresh > 0) sender.wake();
    },
  });

  const app = createApp({ registry, health: () => ({ ok: true, service: SOURCE }) });
  app.get('/notifications/stats', async (_req, res) => {
    const body: NotificationStatsResponse = { pending: await store.pending() };
    res.json(body);
  });
  finishApp(app, logger);
  const server = await listen(app, config.NOTIFICATION_SVC_PORT, config.HOST);
  logger.info({ port: config.NOTIFICATION_SVC_PORT, host: config.HOST, smtp: `${config.MAIL_SINK_SMTP_HOST}:${config.MAIL_SINK_SMTP_PORT}` }, 'listening');

  return [
    { name: 'http', close: () => closeServer(server) },
    { name: 'consumer', close: () => consumer.stop() },
    { name: 'sender', close: () => sender.stop() },
    { name: 'transport', close: () => transport.close() },
    ...storageClosers({ producer: log.producer, maintenance, pool }),
  ];
});
