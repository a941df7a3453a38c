import { Command, CommanderError } from 'commander';
import { z } from 'zod';
import type { Logger } from '@ftlab/shared';
import { UsageError, numeric, parseOptions } from '../lib/args';
import { acquireSystem, type TargetSystem } from '../lib/target-system';

/** Options every benchmark takes, and the command-line plumbing they share. */

const systemChoice = z.enum(['auto', 'own', 'running'], { errorMap: () => ({ message: 'must be auto, own or running' }) });

export const commonBenchArgs = {
  system: systemChoice,
  runs: numeric.pipe(z.number().int().min(1).max(20)),
};

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
