import { z } from 'zod';
import { commonEnv, ConfigError, endpointsEnv, parseServiceEnv } from '@ftlab/shared';

const ms = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

const envShape = {
  ...commonEnv,
  ...endpointsEnv,
  /** From RESERVED: by then the order is CONFIRMED, or CANCELLED as unpaid (payment_unavailable). */
  PAYMENT_DEADLINE_MS: ms(1000, 600_000, 15_000),
  /** One charge attempt: abandoned after this (seed 001 waited 5 s per call; 2 s leaves room for several tries). */
  PAYMENT_ATTEMPT_TIMEOUT_MS: ms(10, 60_000, 2000),
  /** The lookup of a charge by its idempotency key, before giving up and by the reconciler. */
  PAYMENT_LOOKUP_TIMEOUT_MS: ms(10, 60_000, 2000),
  /** Exponential backoff with full jitter between attempts: the first cap and the largest. */
  PAYMENT_BACKOFF_INITIAL_MS: ms(1, 60_000, 100),
  PAYMENT_BACKOFF_MAX_MS: ms(1, 60_000, 1000),
  /** Calls to the gateway (charges and lookups) on the wire at once; the rest wait their turn (policies/bulkhead.ts). */
  PAYMENT_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(10_000).default(16),
  /** Failed attempts in a row that open the breaker, and how long it stays open before a trial call. */
  PAYMENT_BREAKER_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  PAYMENT_BREAKER_HALF_OPEN_MS: ms(10, 600_000, 3000),
  /** How often charges of unknown outcome are looked up again (and refunded if no order keeps them). */
  PAYMENT_RECONCILE_INTERVAL_MS: ms(10, 600_000, 1000),
  /**
   * After a payment settled with no charge found behind an unanswered attempt, the gateway is
   * asked again this long: that attempt may still reach it (queued on a busy host) and charge.
   */
  PAYMENT_IN_FLIGHT_GRACE_MS: ms(0, 600_000, 10_000),
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  const parsed = parseServiceEnv(envShape, env);
  if (parsed.PAYMENT_LOOKUP_TIMEOUT_MS + parsed.PAYMENT_BACKOFF_MAX_MS >= parsed.PAYMENT_DEADLINE_MS) {
    throw new ConfigError('invalid environment: PAYMENT_DEADLINE_MS must exceed PAYMENT_LOOKUP_TIMEOUT_MS + PAYMENT_BACKOFF_MAX_MS (the lookup and the last backoff end by the deadline)');
  }
  return parsed;
}
export type Config = ReturnType<typeof loadConfig>;
