import { z } from 'zod';
import { REPLICA_IDS, faultRequest, type FaultRequest, type ReplicaId } from '@ftlab/shared';

/**
 * Validation of command-line input, done before anything is sent: a typo must never turn into a
 * fault injected into the wrong replica, or a request the replica has to reject for us.
 */

/** Bad input; the CLI prints the message on one line and exits 2 without contacting anything. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A decimal number. Plain z.coerce.number() would accept "" (as 0) and "0x10" (as 16). */
export const numeric = z
  .string()
  .trim()
  .regex(/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/, 'not a number')
  .transform(Number);

const instanceArg = z.enum(REPLICA_IDS, {
  errorMap: () => ({ message: `must be one of ${REPLICA_IDS.join(', ')}` }),
});

/** Parses one option's raw string; the error names the option and echoes what was given. */
export function parseArg<S extends z.ZodTypeAny>(schema: S, raw: unknown, flag: string): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new UsageError(`${flag}: ${parsed.error.issues[0]?.message ?? 'invalid'} (got ${JSON.stringify(raw)})`);
}

export function parseInstance(raw: unknown): ReplicaId {
  return parseArg(instanceArg, raw, '--instance');
}

/** Which option carries each field of the fault contract, to name it when the contract says no. */
const FLAG_OF_FIELD: Record<string, string> = { latency_ms: '--latency', probability: '--probability', product_id: '--product' };

/**
 * Checks a fault against the same contract the replica enforces (shared `faultRequest`), so the
 * limits (latency 1..60000 ms, probability 0..1, product id syntax) live in one place.
 */
export function parseFault(candidate: Record<string, unknown>): FaultRequest {
  return parseOptions(faultRequest, candidate, FLAG_OF_FIELD);
}

/** --limit of `failures`: the monitor accepts 1..1000. */
export const limitArg = numeric.pipe(z.number().int('must be a whole number').min(1).max(1000));

/**
 * Parses a whole set of options at once; the first problem is reported under the option's own
 * name (`flagOf` maps schema keys to flags), with the value that was given.
 */
export function parseOptions<S extends z.ZodTypeAny>(schema: S, raw: Record<string, unknown>, flagOf: Record<string, string>): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const key = String(issue.path[0] ?? '');
  const flag = flagOf[key] ?? key;
  throw new UsageError(`${flag}: ${issue.message} (got ${JSON.stringify(raw[key])})`);
}

/** Repeatable option values, also accepting comma-separated lists: --product A --product B,C. */
export function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim()).filter((v) => v.length > 0)];
}
