import { Command, CommanderError } from 'commander';
import { z } from 'zod';
import { SEED_PRODUCTS, type Endpoints, type Logger } from '@ftlab/shared';
import { UsageError, numeric, parseOptions } from '../lib/args';
import { acquireSystem, type TargetSystem } from '../lib/target-system';
import { runLoad, type LoadReport } from '../load';

/** Options every benchmark takes, and the command-line plumbing they share. */

const systemChoice = z.enum(['auto', 'own', 'running'], { errorMap: () => ({ message: 'must be auto, own or running' }) });

export const commonBenchArgs = {
  system: systemChoice,
  runs: numeric.pipe(z.number().int().min(1).max(20)),
};

/** The read benches (voter, gateway): inventory reads at a fixed open-loop rate, after an unmeasured warm-up. */
export const readLoadArgs = {
  rps: numeric.pipe(z.number().positive().max(20_000)),
  duration: numeric.pipe(z.number().positive().max(600)),
  warmup: numeric.pipe(z.number().min(0).max(600)),
};
export const READ_LOAD_FLAGS = { rps: '--rps', duration: '--duration', warmup: '--warmup' };

/** `help` says what one measured duration and the warm-up cover in this bench. */
export function addReadLoadOptions(program: Command, help: { duration: string; warmup: string }): Command {
  return program
    .option('--rps <n>', 'reads per second, open loop', '200')
    .option('--duration <s>', help.duration, '20')
    .option('--warmup <s>', help.warmup, '5');
}

/** One read-load run over the seeded products; 5 s timeout, so a stalled path shows as timeouts, not a hang. */
export function runReads(endpoints: Endpoints, databaseUrl: string, rps: number, durationS: number): Promise<LoadReport> {
  return runLoad({ mode: 'query_inventory', rps, durationS, products: SEED_PRODUCTS.map((p) => p.product_id), endpoints, databaseUrl, timeoutMs: 5000 });
}

export function addCommonOptions(program: Command, defaultRuns: number): Command {
  return program
    .option(
      '--system <which>',
      'auto: use the system running at the configured endpoints, else start one; own: always start one (free ports, fresh database); running: only use a running one',
      'auto',
    )
    .option('--runs <n>', 'repetitions; the table shows medians', String(defaultRuns))
    .exitOverride()
    // Commander's own error messages are printed once, by runBench, like every other usage error.
    .configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: () => undefined });
}

/**
 * Parses argv with commander, then validates every option with zod under its flag's name.
 * Returns undefined after --help.
 */
export function parseBenchArgs<S extends z.ZodTypeAny>(program: Command, argv: string[], schema: S, flags: Record<string, string>): z.output<S> | undefined {
  try {
    program.parse(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help') return undefined;
      throw new UsageError(err.message.replace(/^error: /, ''));
    }
    throw err;
  }
  return parseOptions(schema, program.opts(), { system: '--system', runs: '--runs', ...flags });
}

/**
 * Runs `work` against the running system, or one of the benchmark's own (free ports, fresh
 * database `label`), and stops what it started afterwards, also on Ctrl-C (exit 130).
 */
export async function withSystem<T>(
  opts: { choice: z.infer<typeof systemChoice>; label: string; logger: Logger; logDir: string },
  work: (sut: TargetSystem) => Promise<T>,
): Promise<T> {
  const sut = await acquireSystem({ choice: opts.choice, isolateAs: opts.label, logger: opts.logger, logDir: opts.logDir });
  const onSignal = () => {
    opts.logger.warn('interrupted: stopping what the benchmark started');
    void sut.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await work(sut);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await sut.stop();
  }
}

/** Runs a benchmark's main; exit 2 for bad input, 1 for a failure, each with a one-line reason. */
export function runBench(name: string, main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: Error) => {
      process.stderr.write(`${name}: ${err.message}\n`);
      process.exit(err instanceof UsageError ? 2 : 1);
    },
  );
}
