import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { UsageError, numeric } from '../lib/args';
import { REPO_ROOT } from '../lib/paths';
import { via, type Via } from '../lib/via';
import { SCENARIOS } from '../scenarios';

/** `npm run experiment -- [--trials N] [--quick] [--scenarios LIST] [--out DIR]`, checked before anything starts. */

export { UsageError };

const DEFAULT_TRIALS = 5;
/**
 * The failures below the services, and of the outside world the saga depends on (the payment
 * gateway, the mail server), that a full experiment plays after the replica faults: about a
 * minute each.
 */
export const DEFAULT_SCENARIOS = [
  'db-flapping',
  'frozen-replica',
  'frozen-orders',
  'duplicate-replica',
  'broker-crash-10s',
  'slow-gateway',
  'gateway-down',
  'payment-declined',
  'lost-email',
];
export const DEFAULT_REPORTS_DIR = path.join(REPO_ROOT, 'reports');

export const USAGE = `usage: npm run experiment -- [--trials N] [--quick] [--scenarios LIST] [--via direct|gateway] [--out DIR]

  --trials N        trials per fault type, 1-100 (default ${DEFAULT_TRIALS}; 1 with --quick)
  --quick           one trial per fault and a short baseline, no scenarios: a smoke run of the whole pipeline
  --scenarios LIST  comma-separated demo scenarios played after the replica faults, or "none"
                    (default ${DEFAULT_SCENARIOS.join(',')}; see npm run demo)
  --via PATH        where the standard load's reads and orders go: direct (voter-svc, orders-svc; default)
                    or gateway (gateway-svc, which forwards them; its per-client limits then apply)
  --out DIR         reports root: writes DIR/<timestamp>/ and DIR/latest (default reports/)

Uses the system if its monitor and voter answer /health (ports from ORDERS_PORT, VOTER_PORT...),
otherwise starts one (Kafka unless KAFKA_BROKERS is set, PostgreSQL at DATABASE_URL) and stops it after.`;

const options = z
  .object({
    trials: numeric.pipe(z.number().int('must be a whole number').min(1, 'at least 1').max(100, 'at most 100')).optional(),
    quick: z.boolean().default(false),
    scenarios: z
      .string()
      .transform((list) => (list === 'none' ? [] : list.split(',').map((n) => n.trim())))
      .pipe(z.array(z.enum(SCENARIOS.map((sc) => sc.name) as [string, ...string[]], { errorMap: () => ({ message: `scenarios are: ${SCENARIOS.map((sc) => sc.name).join(', ')}, or none` }) })))
      .optional(),
    via: via.default('direct'),
    out: z.string().trim().min(1, 'empty path').default(DEFAULT_REPORTS_DIR),
    help: z.boolean().default(false),
  })
  .strict();

export interface ExperimentArgs {
  trials: number;
  quick: boolean;
  /** Demo scenarios to play after the replica faults. */
  scenarios: string[];
  /** Where the standard load's requests go. */
  via: Via;
  /** Absolute reports root. */
  outDir: string;
  help: boolean;
}

export function parseExperimentArgs(argv: readonly string[]): ExperimentArgs {
  let raw: Record<string, unknown>;
  try {
    raw = parseArgs({
      args: [...argv],
      options: { trials: { type: 'string' }, quick: { type: 'boolean' }, scenarios: { type: 'string' }, via: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const parsed = options.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const flag = `--${String(issue.path[0] ?? '')}`;
    throw new UsageError(`${flag}: ${issue.message} (got ${JSON.stringify(raw[String(issue.path[0])])})`);
  }
  const { trials, quick, scenarios, via: viaChoice, out, help } = parsed.data;
  // An explicit --trials wins over --quick's single trial: "--quick --trials 2" is a short run with two.
  return { trials: trials ?? (quick ? 1 : DEFAULT_TRIALS), quick, scenarios: scenarios ?? (quick ? [] : DEFAULT_SCENARIOS), via: viaChoice, outDir: path.resolve(out), help };
}
