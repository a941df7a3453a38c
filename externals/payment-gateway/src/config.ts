import { z } from 'zod';
import { DEFAULT_PAYMENT_GATEWAY_PORT, commonEnv, parseEnv, port } from '@ftlab/shared';

const envShape = {
  HOST: commonEnv.HOST,
  LOG_LEVEL: commonEnv.LOG_LEVEL,
  DATABASE_URL: commonEnv.DATABASE_URL,
  PAYMENT_GATEWAY_PORT: port.default(DEFAULT_PAYMENT_GATEWAY_PORT),
  /** Where the provider keeps its ledger; the services' database (DATABASE_URL) unless set. */
  PAYMENT_GATEWAY_DATABASE_URL: commonEnv.DATABASE_URL.removeDefault().optional(),
  /** How long every answer takes without a fault: a provider is never instant. */
  PAYMENT_GATEWAY_BASE_LATENCY_MS: z.coerce.number().int().min(0).max(10_000).default(5),
  ADMIN_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = parseEnv(envShape, env);
  return { ...parsed, databaseUrl: parsed.PAYMENT_GATEWAY_DATABASE_URL ?? parsed.DATABASE_URL };
}
export type Config = ReturnType<typeof loadConfig>;
