import { createApp, createRegistry, finishApp, listen, closeServer, runService } from '@ftlab/shared';
import { loadConfig } from './config';

runService('inventory-svc', process.env.INSTANCE_ID, async (logger) => {
  const config = loadConfig();
  const registry = createRegistry('inventory-svc', config.INSTANCE_ID);
  const app = createApp({ registry, health: () => ({ ok: true, instance_id: config.INSTANCE_ID }) });
  finishApp(app, logger);
  const server = await listen(app, config.port, config.HOST);
  logger.info({ port: config.port, host: config.HOST }, 'listening');
  return [{ name: 'http', close: () => closeServer(server) }];
});
