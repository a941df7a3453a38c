import { z } from 'zod';
import { REPLICA_IDS, type ReplicaId } from '@ftlab/shared';

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

/** --limit of `failures`: the monitor accepts 1..1000. */
export const limitArg = numeric.pipe(z.number().int('must be a whole number').min(1).max(1000));

/**
 * How a contract field is given on the command line: its flag, or for a field in milliseconds
 * typed in seconds (--duration 2 for duration_ms 2000), the flag and `seconds: true`, so a bound
 * the contract enforces is reported in the unit the user typed.
 */
export type OptionOf = string | { flag: string; seconds: true };

/** A duration typed in seconds, as the whole milliseconds the contracts carry; the contract checks the bounds. */
export const secondsArg = numeric.transform((s) => Math.round(s * 1000));

function inSeconds(issue: z.ZodIssue): string {
  if (issue.code === 'too_small') return `must be at least ${Number(issue.minimum) / 1000} s`;
  if (issue.code === 'too_big') return `must be at most ${Number(issue.maximum) / 1000} s`;
  return issue.message;
}

/**
 * Parses a whole set of options at once; the first problem is reported under the option's own
 * name (`flagOf` maps schema keys to flags), with the value that was given.
 */
export function parseOptions<S extends z.ZodTypeAny>(schema: S, raw: Record<string, unknown>, flagOf: Record<string, OptionOf>): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const key = String(issue.path[0] ?? '');
  const option = flagOf[key] ?? key;
  if (typeof option === 'string') throw new UsageError(`${option}: ${issue.message} (got ${JSON.stringify(raw[key])})`);
  throw new UsageError(`${option.flag}: ${inSeconds(issue)} (got ${JSON.stringify(Number(raw[key]) / 1000)})`);
}

/** Repeatable option values, also accepting comma-separated lists: --product A --product B,C. */
export function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim()).filter((v) => v.length > 0)];
}
