import { createApp, createRegistry, finishApp, listen, closeServer, runService } from '@ftlab/shared';
import { loadConfig } from './config';

runService('monitor-svc', undefined, async (logger) => {
  const config = loadConfig();
  const registry = createRegistry('monitor-svc', 'monitor-svc');
  const app = createApp({ registry, health: () => ({ ok: true, service: 'monitor-svc' }) });
  finishApp(app, logger);
  const server = await listen(app, config.MONITOR_PORT, config.HOST);
  logger.info({ port: config.MONITOR_PORT, host: config.HOST }, 'listening');
  return [{ name: 'http', close: () => closeServer(server) }];
});
