import { createApp, createRegistry, finishApp, listen, closeServer, runService } from '@ftlab/shared';
import { loadConfig } from './config';

runService('orders-svc', undefined, async (logger) => {
  const config = loadConfig();
  const registry = createRegistry('orders-svc', 'orders-svc');
  const app = createApp({ registry, health: () => ({ ok: true, service: 'orders-svc' }) });
  finishApp(app, logger);
  const server = await listen(app, config.ORDERS_PORT, config.HOST);
  logger.info({ port: config.ORDERS_PORT, host: config.HOST }, 'listening');
  return [{ name: 'http', close: () => closeServer(server) }];
});
