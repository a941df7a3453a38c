import { closeServer, createApp, createPool, createRegistry, ensureDatabase, finishApp, listen, runService } from '@ftlab/shared';
import { loadConfig } from './config';
import { registerGauges } from './gauges';
import { LIMITER_POOL_SIZE, SharedRateLimiter, limiterDatabaseUrl } from './rate-limiter';
import { gatewayRoutes } from './routes';
import { StaleCache } from './stale-cache';
import { Upstream } from './upstream';

const SERVICE = 'gateway-svc';

// The instance name is validated with the rest of the environment in loadConfig; a bad one stops the start.
runService(SERVICE, process.env.GATEWAY_INSTANCE ?? 'gateway-1', async (logger) => {
  const config = loadConfig();
  const registry = createRegistry(SERVICE, config.GATEWAY_INSTANCE);
  await ensureDatabase(config.DATABASE_URL);
  const pool = createPool(limiterDatabaseUrl(config.DATABASE_URL), LIMITER_POOL_SIZE);
  const limiter = await SharedRateLimiter.create(
    pool,
    {
      read: { ratePerS: config.GATEWAY_READ_RATE_PER_S, burst: config.GATEWAY_READ_BURST, burstWindowS: config.GATEWAY_BURST_WINDOW_S },
      order: { ratePerS: config.GATEWAY_ORDER_RATE_PER_S, burst: config.GATEWAY_ORDER_BURST, burstWindowS: config.GATEWAY_BURST_WINDOW_S },
    },
    registry,
    logger,
  );
  const breaker = {
    threshold: config.GATEWAY_BREAKER_THRESHOLD,
    windowMs: config.GATEWAY_BREAKER_WINDOW_MS,
    minimumRps: config.GATEWAY_BREAKER_MIN_RPS,
    halfOpenAfterMs: config.GATEWAY_BREAKER_HALF_OPEN_MS,
  };
  const common = { queue: config.GATEWAY_BULKHEAD_QUEUE, breaker, registry, logger };
  const upstreams = {
    voter: new Upstream({ ...common, name: 'voter', baseUrl: config.endpoints.voter, maxInFlight: config.GATEWAY_VOTER_MAX_IN_FLIGHT, timeoutMs: config.GATEWAY_VOTER_TIMEOUT_MS }),
    orders: new Upstream({ ...common, name: 'orders', baseUrl: config.endpoints.orders, maxInFlight: config.GATEWAY_ORDERS_MAX_IN_FLIGHT, timeoutMs: config.GATEWAY_ORDERS_TIMEOUT_MS }),
  };
  const cache = new StaleCache();
  registerGauges(registry, upstreams, cache);

  // /health touches no upstream and no database: it answers whatever the bulkheads are doing.
  const app = createApp({
    registry,
    health: () => ({
      ok: true,
      service: SERVICE,
      instance: config.GATEWAY_INSTANCE,
      breakers: { voter: upstreams.voter.breakerState(), orders: upstreams.orders.breakerState() },
      in_flight: { voter: upstreams.voter.inFlight(), orders: upstreams.orders.inFlight() },
      stale_cache_entries: cache.size,
    }),
  });
  gatewayRoutes(app, { instance: config.GATEWAY_INSTANCE, limiter, upstreams, cache, staleMaxMs: config.STALE_MAX_MS, breakerHalfOpenMs: config.GATEWAY_BREAKER_HALF_OPEN_MS, registry, logger });
  finishApp(app, logger);
  const server = await listen(app, config.GATEWAY_PORT, config.HOST);
  logger.info({ port: config.GATEWAY_PORT, host: config.HOST, voter: config.endpoints.voter, orders: config.endpoints.orders }, 'listening');

  return [
    { name: 'http', close: () => closeServer(server) },
    { name: 'upstreams', close: () => Promise.all([upstreams.voter.close(), upstreams.orders.close()]) },
    { name: 'pool', close: () => pool.end() },
  ];
});
