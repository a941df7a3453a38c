import { createApp, createRegistry, finishApp, listen, closeServer, runService } from '@ftlab/shared';
import { loadConfig } from './config';

runService('voter-svc', undefined, async (logger) => {
  const config = loadConfig();
  const registry = createRegistry('voter-svc', 'voter-svc');
  const app = createApp({ registry, health: () => ({ ok: true, service: 'voter-svc' }) });
  finishApp(app, logger);
  const server = await listen(app, config.VOTER_PORT, config.HOST);
  logger.info({ port: config.VOTER_PORT, host: config.HOST }, 'listening');
  return [{ name: 'http', close: () => closeServer(server) }];
});
