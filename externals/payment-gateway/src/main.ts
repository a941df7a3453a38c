import { closeServer, createApp, createRegistry, finishApp, listen, runService } from '@ftlab/shared';
import { loadConfig } from './config';
import { FaultSwitch, faultRoutes, gatewayRoutes } from './routes';
import { createGatewayStore, openLedgerDatabase } from './store';

/** A payment provider of the outside world, for the lab to break: not one of our services. */
runService('payment-gateway', undefined, async (logger) => {
  const config = loadConfig();
  const registry = createRegistry('payment-gateway', 'payment-gateway');
  const pool = await openLedgerDatabase(config.databaseUrl);
  const store = createGatewayStore(pool);
  const faults = new FaultSwitch();

  const app = createApp({
    registry,
    // Healthy as a process even under a fault: the fault is what the lab asked for, and says so.
    health: () => ({ ok: true, fault: faults.current }),
  });
  gatewayRoutes(app, { store, faults, baseLatencyMs: config.PAYMENT_GATEWAY_BASE_LATENCY_MS, registry, logger });
  faultRoutes(app, { adminToken: config.ADMIN_TOKEN, faults, registry, logger });
  finishApp(app, logger);
  const server = await listen(app, config.PAYMENT_GATEWAY_PORT, config.HOST);
  logger.info({ port: config.PAYMENT_GATEWAY_PORT, host: config.HOST }, 'listening');

  return [
    { name: 'http', close: () => closeServer(server) },
    { name: 'pool', close: () => pool.end() },
  ];
});
