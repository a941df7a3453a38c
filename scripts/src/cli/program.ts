import { Command, CommanderError } from 'commander';
import type { Endpoints } from '@ftlab/shared';
import { readAdminToken } from '../lib/admin-token';
import { UsageError, limitArg, parseArg, parseInstance } from '../lib/args';
import { injectProcessFault, startDbFlapping } from '../lib/control-client';
import { injectFault, injectSimulatorFault, readFailures } from '../lib/fault-api';
import { TargetError } from '../lib/http';
import { formatTable } from '../lib/table';
import { endpointsFromEnv } from '../lib/targets';
import { FAULTS, parseTarget, planFault, type FaultAction, type Options } from './faults';
import { renderFailures, renderInjected, renderStatusReport, type Injected } from './render';
import { readStatus, statusProblems } from './status';

/**
 * `npm run inject-failures -- <command>`: injects, clears and inspects faults of every target:
 * the replicas' own faults, whole processes and the database through the launcher's control API,
 * and the simulators of the outside world (payment-gateway, mail-sink). faults.ts decides what
 * each command line means; this file sends it. Every argument is checked before the first request
 * is sent; exit codes: 0 done, 2 bad input, 1 a target could not be reached or refused (wrong
 * token, server error).
 */

export interface Io {
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  err: (text: string) => void;
}

async function send(action: FaultAction, endpoints: Endpoints, token: string): Promise<Injected> {
  switch (action.via) {
    case 'replica':
      return { via: 'replica', target: `inventory-${action.instance}`, answer: await injectFault(endpoints, token, action.instance, action.fault) };
    case 'process':
      return { via: 'process', fault: action.fault, answer: await injectProcessFault(endpoints, token, action.process, action.fault) };
    case 'simulator':
      return { via: 'simulator', target: action.simulator, answer: await injectSimulatorFault(endpoints, token, action.simulator, action.fault) };
    case 'db-flapping':
      return { via: 'db-flapping', request: action.request, answer: await startDbFlapping(endpoints, token, action.request) };
  }
}

const TARGET_FLAGS = '--target <name>';

/** The part of --help that says which fault each target has. */
function faultTable(): string {
  const rows = FAULTS.map((f) => [f.name, f.targets ?? '(the database server; no --target)']);
  return `\nFaults and their targets (--instance N is short for --target inventory-N):\n${formatTable(['fault', 'targets'], rows).replace(/^/gm, '  ')}\n`;
}

function buildProgram(io: Io): Command {
  const print = (json: boolean, value: unknown, human: string) => io.out(`${json ? JSON.stringify(value, null, 2) : human}\n`);
  // Read lazily: `failures` needs no token, and bad arguments must be reported before a missing token.
  const token = () => readAdminToken(io.env);
  const endpoints = () => endpointsFromEnv(io.env);

  const program = new Command('inject-failures')
    .description('Inject, clear and inspect faults of the replicas, the supervised processes, the database and the simulators.')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showSuggestionAfterError(true)
    .addHelpText('after', faultTable());

  for (const spec of FAULTS) {
    const command = program
      .command(spec.name)
      .summary(spec.summary)
      .description(spec.targets ? `${spec.summary}\ntargets: ${spec.targets}` : spec.summary);
    if (spec.targets) {
      command.option(TARGET_FLAGS, 'what to break (see the targets above)').option('--instance <n>', 'replica 1, 2 or 3: short for --target inventory-N');
    }
    for (const option of spec.options) {
      if (option.required) command.requiredOption(option.flags, option.description);
      else command.option(option.flags, option.description);
    }
    command.option('--json', 'print the JSON answer').action(async (opts: Options) => {
      const action = planFault(spec, opts);
      const injected = await send(action, endpoints(), token());
      print(Boolean(opts.json), injected.answer, renderInjected(injected));
    });
  }

  program
    .command('status')
    .description('every target: replica faults with the monitor\'s view, supervised processes, simulators, database flapping')
    .option(TARGET_FLAGS, 'only this target')
    .option('--instance <n>', 'only this replica: 1, 2 or 3')
    .option('--json', 'print JSON')
    .action(async (opts: Options) => {
      const target = opts.target === undefined && opts.instance === undefined ? undefined : parseTarget(opts);
      const report = await readStatus(endpoints(), token(), target);
      print(Boolean(opts.json), report, renderStatusReport(report));
      // Every part is printed when a call fails, but a failed call still fails the command.
      const problems = statusProblems(report);
      if (problems.length > 0) throw new TargetError(problems.join('; '));
    });

  program
    .command('failures')
    .description("the monitor's failure audit (newest first), with time to detect and to recover")
    .option('--instance <n>', 'only this replica: 1, 2 or 3')
    .option('--limit <n>', 'at most this many rows, 1-1000', '50')
    .option('--json', 'print JSON')
    .action(async (opts: Options) => {
      const instance = opts.instance === undefined ? undefined : parseInstance(opts.instance);
      const limit = parseArg(limitArg, opts.limit, '--limit');
      const failures = await readFailures(endpoints(), instance, limit);
      print(Boolean(opts.json), { failures }, renderFailures(failures));
    });

  return program;
}

/** Runs one command line (without the node and script arguments); resolves with the exit code. */
export async function runInjectFailures(args: string[], io: Io): Promise<number> {
  const program = buildProgram(io);
  try {
    if (args.length === 0) {
      program.outputHelp({ error: true });
      return 2;
    }
    await program.parseAsync(args, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed its one-line message (unknown command, missing option).
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.help' ? 0 : 2;
    }
    if (err instanceof TargetError) {
      // status printed its partial view already; the reason still goes to stderr.
      io.err(`inject-failures: ${err.message}\n`);
      return 1;
    }
    io.err(`inject-failures: ${(err as Error).message}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
}
