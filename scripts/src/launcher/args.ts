import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError } from '@ftlab/shared';

/** `npm start -- [--brokers N]`: how many local Kafka nodes to run (ignored when KAFKA_BROKERS names a cluster). */
export interface LauncherArgs {
  brokers: number;
}

/** At most 5 local nodes: each JVM takes up to ~0.8 GB, and a majority quorum gains nothing beyond that here. */
export const MAX_LOCAL_BROKERS = 5;

const launcherArgs = z.object({
  brokers: z
    .string()
    .regex(/^\d+$/, 'a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1, 'at least 1').max(MAX_LOCAL_BROKERS, `at most ${MAX_LOCAL_BROKERS}`))
    .default('1'),
});

/** Parses the launcher's arguments; the ConfigError (exit 2) names the option and what was given. */
export function parseLauncherArgs(argv: string[]): LauncherArgs {
  let values: { brokers?: string };
  try {
    ({ values } = parseArgs({ args: argv, options: { brokers: { type: 'string' } }, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const parsed = launcherArgs.safeParse(values);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new ConfigError(`--${String(issue.path[0])}: ${issue.message} (got ${JSON.stringify(values.brokers)})`);
}
