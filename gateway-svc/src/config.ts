import { z } from 'zod';
import { commonEnv, endpointsEnv, GATEWAY_DEFAULTS as D, parseServiceEnv } from '@ftlab/shared';

const positiveInt = (max: number) => z.coerce.number().int().min(1).max(max);
const ms = z.coerce.number().int().min(10).max(600_000);

const envShape = {
  ...commonEnv,
  ...endpointsEnv,
  /** Names this instance in logs and metrics when several run side by side. */
  GATEWAY_INSTANCE: z.string().regex(/^[\w.-]{1,40}$/, 'letters, digits, ".", "_" or "-", at most 40').default('gateway-1'),
  GATEWAY_READ_RATE_PER_S: positiveInt(100_000).default(D.readRatePerS),
  GATEWAY_READ_BURST: z.coerce.number().int().min(0).max(1_000_000).default(D.readBurst),
  GATEWAY_ORDER_RATE_PER_S: positiveInt(100_000).default(D.orderRatePerS),
  GATEWAY_ORDER_BURST: z.coerce.number().int().min(0).max(1_000_000).default(D.orderBurst),
  GATEWAY_BURST_WINDOW_S: positiveInt(3600).default(D.burstWindowS),
  GATEWAY_VOTER_MAX_IN_FLIGHT: positiveInt(10_000).default(D.voterMaxInFlight),
  GATEWAY_ORDERS_MAX_IN_FLIGHT: positiveInt(10_000).default(D.ordersMaxInFlight),
  GATEWAY_BULKHEAD_QUEUE: z.coerce.number().int().min(0).max(10_000).default(D.bulkheadQueue),
  GATEWAY_VOTER_TIMEOUT_MS: ms.default(D.voterTimeoutMs),
  GATEWAY_ORDERS_TIMEOUT_MS: ms.default(D.ordersTimeoutMs),
  GATEWAY_BREAKER_THRESHOLD: z.coerce.number().gt(0).max(1).default(D.breakerThreshold),
  GATEWAY_BREAKER_WINDOW_MS: ms.default(D.breakerWindowMs),
  GATEWAY_BREAKER_MIN_RPS: z.coerce.number().gt(0).max(1_000_000).default(D.breakerMinimumRps),
  GATEWAY_BREAKER_HALF_OPEN_MS: ms.default(D.breakerHalfOpenMs),
  STALE_MAX_MS: z.coerce.number().int().min(0).max(86_400_000).default(D.staleMaxMs),
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  return parseServiceEnv(envShape, env);
}
export type Config = ReturnType<typeof loadConfig>;
