import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { z } from 'zod';
import { SEED_PRODUCTS, createLogger, type Endpoints, type Logger } from '@ftlab/shared';
import { UsageError, numeric, parseOptions } from '../lib/args';
import { acquireSystem, type TargetSystem } from '../lib/target-system';
import { runLoad, type LoadReport } from '../load';
import { BENCH_DIR, commandLine } from './report';

/** Options every benchmark takes, and the command-line plumbing they share. */

const systemChoice = z.enum(['auto', 'own', 'running'], { errorMap: () => ({ message: 'must be auto, own or running' }) });

export const commonBenchArgs = {
  system: systemChoice,
  runs: numeric.pipe(z.number().int().min(1).max(20)),
};

/** The read benches (voter, gateway): inventory reads at a fixed open-loop rate, after an unmeasured warm-up. */
const readBenchArgs = z.object({
  ...commonBenchArgs,
  rps: numeric.pipe(z.number().positive().max(20_000)),
  duration: numeric.pipe(z.number().positive().max(600)),
  warmup: numeric.pipe(z.number().min(0).max(600)),
});
export type ReadBenchOptions = z.output<typeof readBenchArgs>;

/**
 * A read bench's whole setup: its command line parsed and announced (see startBench), then
 * `work` against the system (see withSystem). `help` says what one measured duration and the
 * warm-up cover in this bench.
 */
export async function withReadBench(
  name: string,
  description: string,
  help: { duration: string; warmup: string },
  work: (sut: TargetSystem, bench: BenchStart<ReadBenchOptions>) => Promise<void>,
): Promise<void> {
  const program = addCommonOptions(new Command(`bench:${name}`).description(description), 3)
    .option('--rps <n>', 'reads per second, open loop', '200')
    .option('--duration <s>', help.duration, '20')
    .option('--warmup <s>', help.warmup, '5');
  const bench = startBench(name, program, readBenchArgs, { rps: '--rps', duration: '--duration', warmup: '--warmup' });
  if (!bench) return;
  await withSystem({ choice: bench.opts.system, label: `bench_${name}`, logger: bench.logger, logDir: bench.logDir }, (sut) => work(sut, bench));
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

export interface BenchStart<T> {
  opts: T;
  /** The command line as run, for the report: so a result can be reproduced. */
  command: string;
  logger: Logger;
  /** Where the processes the bench starts write their logs. */
  logDir: string;
}

/**
 * Parses `bench:<name>`'s command line and prints it before anything runs, so even an interrupted
 * run shows what it was. Undefined after --help.
 */
export function startBench<S extends z.ZodTypeAny>(name: string, program: Command, schema: S, flags: Record<string, string>): BenchStart<z.output<S>> | undefined {
  const argv = process.argv.slice(2);
  const opts = parseBenchArgs(program, argv, schema, flags);
  if (opts === undefined) return undefined;
  const command = commandLine(`bench:${name}`, argv);
  process.stdout.write(`${command}\n`);
  return { opts, command, logger: createLogger(`bench-${name}`, undefined, 'info'), logDir: path.join(BENCH_DIR, 'logs', name) };
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
