import { Command, CommanderError } from 'commander';
import { REPLICA_IDS, type Endpoints, type FaultRequest, type ReplicaId } from '@ftlab/shared';
import { readAdminToken } from '../lib/admin-token';
import { UsageError, limitArg, numeric, parseArg, parseFault, parseInstance } from '../lib/args';
import { injectFault, readFailures, readFault, readMonitorStatus } from '../lib/fault-api';
import { TargetError } from '../lib/http';
import { renderFailures, renderInjected, renderStatus, type StatusView } from './render';
import { endpointsFromEnv } from '../lib/targets';

/**
 * `npm run inject-failures -- <command>`: injects, clears and inspects replica faults.
 * Every argument is checked before the first request is sent; exit codes: 0 done, 2 bad input,
 * 1 a target could not be reached or refused (wrong token, server error).
 */

export interface Io {
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  err: (text: string) => void;
}

type Options = Record<string, string | boolean | undefined>;

interface FaultCommand {
  name: FaultRequest['type'];
  summary: string;
  option?: { flags: string; description: string };
  /** The fault from the command's options, unvalidated: parseFault checks it against the contract. */
  build: (opts: Options) => Record<string, unknown>;
}

const FAULT_COMMANDS: FaultCommand[] = [
  { name: 'crash', summary: 'kill the replica like kill -9 (its supervisor restarts it)', build: () => ({ type: 'crash' }) },
  {
    name: 'latency',
    summary: "delay the replica's /health and reads",
    option: { flags: '--latency <ms>', description: 'added delay in ms, 1-60000 (±20 % jitter)' },
    build: (o) => ({ type: 'latency', latency_ms: parseArg(numeric, o.latency, '--latency') }),
  },
  {
    name: 'intermittent',
    summary: "fail a share of the replica's /health and reads with 500",
    option: { flags: '--probability <p>', description: 'share of requests that fail, 0-1' },
    build: (o) => ({ type: 'intermittent', probability: parseArg(numeric, o.probability, '--probability') }),
  },
  {
    name: 'incorrect',
    summary: 'make the replica misreport one product',
    option: { flags: '--product <id>', description: 'product whose available quantity it gets wrong' },
    build: (o) => ({ type: 'incorrect', product_id: o.product }),
  },
  { name: 'clear', summary: "remove the replica's fault", build: () => ({ type: 'clear' }) },
];

async function statusOf(endpoints: Endpoints, token: string, instance: ReplicaId): Promise<StatusView> {
  const [replica, monitor] = await Promise.allSettled([readFault(endpoints, token, instance), readMonitorStatus(endpoints)]);
  return {
    instance_id: instance,
    replica: replica.status === 'fulfilled' ? replica.value : null,
    ...(replica.status === 'rejected' && { replica_error: (replica.reason as Error).message }),
    monitor: monitor.status === 'fulfilled' ? (monitor.value.find((m) => m.instance_id === instance) ?? null) : null,
    ...(monitor.status === 'rejected' && { monitor_error: (monitor.reason as Error).message }),
  };
}

function buildProgram(io: Io): Command {
  const print = (json: boolean, value: unknown, human: string) => io.out(`${json ? JSON.stringify(value, null, 2) : human}\n`);
  // Read lazily: `failures` needs no token, and bad arguments must be reported before a missing token.
  const token = () => readAdminToken(io.env);
  const endpoints = () => endpointsFromEnv(io.env);

  const program = new Command('inject-failures')
    .description('Inject, clear and inspect faults of the inventory replicas.')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showSuggestionAfterError(true);

  for (const spec of FAULT_COMMANDS) {
    const command = program
      .command(spec.name)
      .description(spec.summary)
      .requiredOption('--instance <n>', 'replica: 1, 2 or 3')
      .option('--json', 'print the JSON answer');
    if (spec.option) command.requiredOption(spec.option.flags, spec.option.description);
    command.action(async (opts: Options) => {
      const instance = parseInstance(opts.instance);
      const fault = parseFault(spec.build(opts));
      const answer = await injectFault(endpoints(), token(), instance, fault);
      print(Boolean(opts.json), answer, renderInjected(`inventory-${instance}`, answer));
    });
  }

  program
    .command('status')
    .description("each replica's current fault and the monitor's view of it")
    .option('--instance <n>', 'only this replica: 1, 2 or 3')
    .option('--json', 'print JSON')
    .action(async (opts: Options) => {
      const instances = opts.instance === undefined ? REPLICA_IDS : [parseInstance(opts.instance)];
      const views = await Promise.all(instances.map((instance) => statusOf(endpoints(), token(), instance)));
      print(Boolean(opts.json), opts.instance === undefined ? views : views[0], views.map(renderStatus).join('\n'));
      // Every view is printed when a call fails, but a failed call still fails the command.
      const failed = views.map((view) => view.replica_error ?? view.monitor_error).find((error) => error !== undefined);
      if (failed) throw new TargetError(failed);
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
