import { closeServer, counter, createApp, createRegistry, finishApp, gauge, listen, runService } from '@ftlab/shared';
import { loadConfig } from './config';
import { MessageStore } from './message-store';
import { faultRoutes, messageRoutes, SinkFaults } from './routes';
import { SmtpListener } from './smtp-listener';

/** A mail server of the outside world, for the lab to break: not one of our services. */
runService('mail-sink', undefined, async (logger) => {
  const config = loadConfig();
  const registry = createRegistry('mail-sink', 'mail-sink');
  const received = counter(registry, 'mail_sink_messages_total', 'Messages accepted over SMTP: stored, or duplicate (a Message-ID seen before)', ['outcome']);
  const evicted = counter(registry, 'mail_sink_messages_evicted_total', 'Oldest messages forgotten to stay within MAIL_SINK_MAX_MESSAGES');
  const held = gauge(registry, 'mail_sink_messages_stored', 'Messages held now');
  const store = new MessageStore(config.MAIL_SINK_MAX_MESSAGES);

  const smtp = new SmtpListener({
    port: config.MAIL_SINK_SMTP_PORT,
    host: config.HOST,
    logger,
    onMessage: (message) => {
      const added = store.add(message);
      received.inc({ outcome: added.duplicate ? 'duplicate' : 'stored' });
      evicted.inc(added.evicted);
      held.set(store.size);
      logger.info({ message_id: message.message_id, to: message.to, order_id: message.order_id, duplicate: added.duplicate }, 'message received');
    },
  });
  const faults = new SinkFaults(smtp);

  const app = createApp({
    registry,
    // Healthy while the SMTP port is in the state the lab asked for.
    health: () => ({ ok: smtp.listening || faults.current !== null, ...faults.state(), messages: store.size }),
  });
  messageRoutes(app, { store, adminToken: config.ADMIN_TOKEN });
  faultRoutes(app, { faults, adminToken: config.ADMIN_TOKEN, registry, logger });
  finishApp(app, logger);

  await smtp.open();
  const server = await listen(app, config.MAIL_SINK_HTTP_PORT, config.HOST);
  logger.info({ smtp_port: config.MAIL_SINK_SMTP_PORT, http_port: config.MAIL_SINK_HTTP_PORT, host: config.HOST }, 'listening');

  return [
    { name: 'smtp', close: () => smtp.close() },
    { name: 'http', close: () => closeServer(server) },
  ];
});
