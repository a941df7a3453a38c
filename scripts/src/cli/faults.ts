import {
  REPLICA_IDS,
  dbFlappingRequest,
  faultRequest,
  mailSink,
  paymentGateway,
  processFaultRequest,
  processName,
  type DbFlappingRequest,
  type FaultRequest,
  type ProcessFaultRequest,
  type ReplicaId,
} from '@ftlab/shared';
import { UsageError, numeric, parseArg, parseInstance, parseOptions, secondsArg, type OptionOf } from '../lib/args';
import type { SimulatorFaultRequest } from '../lib/fault-api';
import { SIMULATOR_NAMES, type SimulatorName } from '../lib/targets';

/**
 * Every fault of `inject-failures`, which targets have it, and what one command line turns into:
 * a request checked against the contract of whoever receives it (a replica, the launcher's
 * control API, a simulator), before anything is sent. Pure: program.ts sends what this decides.
 */

/** Commander's options of one command line (camelCase keys: --down-for is downFor). */
export type Options = Record<string, string | boolean | undefined>;

/** Where a fault goes, and its body. */
export type FaultAction =
  | { via: 'replica'; instance: ReplicaId; fault: FaultRequest }
  | { via: 'process'; process: string; fault: ProcessFaultRequest }
  | { via: 'simulator'; simulator: SimulatorName; fault: SimulatorFaultRequest }
  | { via: 'db-flapping'; request: DbFlappingRequest };

/**
 * A --target by what it is. Every name is a supervised process as far as we can tell before
 * asking the launcher; a replica and a simulator also have a fault switch of their own.
 */
export interface Target {
  name: string;
  replica?: ReplicaId;
  simulator?: SimulatorName;
}

const REPLICA_NAMES = REPLICA_IDS.map((id) => `inventory-${id}`);

/** --target or its short form --instance N (the seed's, for inventory-N); exactly one of them. */
export function parseTarget(opts: Options): Target {
  if (opts.target !== undefined && opts.instance !== undefined) throw new UsageError('--instance: give --target or --instance, not both');
  if (opts.instance !== undefined) {
    const replica = parseInstance(opts.instance);
    return { name: `inventory-${replica}`, replica };
  }
  if (opts.target === undefined) throw new UsageError(`--target: required (${REPLICA_NAMES.join(', ')}, ${SIMULATOR_NAMES.join(', ')} or a process such as orders-svc)`);
  const name = parseArg(processName, opts.target, '--target');
  if (name.startsWith('inventory-') && !REPLICA_NAMES.includes(name)) {
    throw new UsageError(`--target: the replicas are ${REPLICA_NAMES.join(', ')} (got ${JSON.stringify(name)})`);
  }
  const replica = REPLICA_IDS.find((id) => name === `inventory-${id}`);
  const simulator = SIMULATOR_NAMES.find((s) => s === name);
  return { name, ...(replica && { replica }), ...(simulator && { simulator }) };
}

/** The option that carries each contract field, to name it when a contract says no. */
const OPTION_OF_FIELD: Record<string, OptionOf> = {
  latency_ms: '--latency',
  probability: '--probability',
  product_id: '--product',
  tick_ms: '--tick',
  duration_ms: { flag: '--duration', seconds: true },
  down_for_ms: { flag: '--down-for', seconds: true },
};

/** A number option, or undefined when it was not given (the contract says whether it must be). */
const numberArg = (raw: unknown, flag: string) => (raw === undefined ? undefined : parseArg(numeric, raw, flag));
const msArg = (raw: unknown, flag: string) => (raw === undefined ? undefined : parseArg(secondsArg, raw, flag));

const toReplica = (instance: ReplicaId, candidate: Record<string, unknown>): FaultAction => ({
  via: 'replica',
  instance,
  fault: parseOptions(faultRequest, candidate, OPTION_OF_FIELD),
});
const toProcess = (process: string, candidate: Record<string, unknown>): FaultAction => ({
  via: 'process',
  process,
  fault: parseOptions(processFaultRequest, candidate, OPTION_OF_FIELD),
});
const SIMULATOR_FAULTS = { 'payment-gateway': paymentGateway.gatewayFaultRequest, 'mail-sink': mailSink.mailSinkFaultRequest } as const;
const toSimulator = (simulator: SimulatorName, candidate: Record<string, unknown>): FaultAction => ({
  via: 'simulator',
  simulator,
  fault: parseOptions(SIMULATOR_FAULTS[simulator], candidate, OPTION_OF_FIELD),
});

/** A fault both a replica and the payment gateway have, each checked against its own contract (their limits differ). */
function toReplicaOrGateway(t: Target, candidate: Record<string, unknown>): FaultAction | undefined {
  if (t.replica) return toReplica(t.replica, candidate);
  return t.simulator === 'payment-gateway' ? toSimulator(t.simulator, candidate) : undefined;
}

export interface OptionSpec {
  flags: string;
  description: string;
  required?: boolean;
}

export interface FaultSpec {
  name: string;
  summary: string;
  /** Which targets have this fault, for --help and for the error when one does not; undefined: no --target (db-flapping). */
  targets?: string;
  options: OptionSpec[];
  /** The request for this target; a target without this fault is a UsageError on --target. */
  plan: (target: Target | undefined, opts: Options) => FaultAction;
}

class NoSuchFault extends UsageError {
  constructor(spec: { name: string; targets?: string }, target: Target) {
    super(`--target: ${target.name} has no ${spec.name} fault; ${spec.name} applies to ${spec.targets}`);
  }
}

/** A fault on one target: `plan` sees the target parsed, and answers undefined when it does not apply. */
function targeted(spec: Omit<FaultSpec, 'plan' | 'targets'> & { targets: string; plan: (t: Target, o: Options) => FaultAction | undefined }): FaultSpec {
  return {
    ...spec,
    plan: (target, opts) => {
      const action = spec.plan(target!, opts);
      if (!action) throw new NoSuchFault(spec, target!);
      return action;
    },
  };
}

const probabilityOption: OptionSpec = { flags: '--probability <p>', description: 'share of calls that fail, 0-1', required: true };
const durationOption: OptionSpec = { flags: '--duration <s>', description: 'how long, in seconds (up to 600)', required: true };

export const FAULTS: FaultSpec[] = [
  targeted({
    name: 'crash',
    summary: 'kill the process like kill -9; its supervisor restarts it (after --down-for, if given)',
    targets: 'inventory-N, any supervised process (orders-svc, monitor-svc, voter-svc, broker-N...)',
    options: [{ flags: '--down-for <s>', description: 'the launcher kills it and holds it down this many seconds (without it, a replica ends itself)' }],
    plan: (t, o) =>
      t.replica && o.downFor === undefined
        ? toReplica(t.replica, { type: 'crash' })
        : toProcess(t.name, { type: 'crash', down_for_ms: msArg(o.downFor, '--down-for') }),
  }),
  targeted({
    name: 'pause',
    summary: 'freeze the process (SIGSTOP), then resume it (SIGCONT)',
    targets: 'any supervised process: inventory-N, orders-svc, monitor-svc, voter-svc, broker-N...',
    options: [durationOption],
    plan: (t, o) => toProcess(t.name, { type: 'pause', duration_ms: msArg(o.duration, '--duration') }),
  }),
  targeted({
    name: 'duplicate',
    summary: 'run a second copy of the replica beside it',
    targets: 'inventory-N',
    options: [durationOption],
    plan: (t, o) => (t.replica ? toProcess(t.name, { type: 'duplicate', duration_ms: msArg(o.duration, '--duration') }) : undefined),
  }),
  targeted({
    name: 'latency',
    summary: 'delay the answers (a replica: /health and reads, ±20 % jitter; the gateway: every call)',
    targets: 'inventory-N (up to 60000 ms), payment-gateway (up to 120000 ms)',
    options: [{ flags: '--latency <ms>', description: 'added delay in ms', required: true }],
    plan: (t, o) => toReplicaOrGateway(t, { type: 'latency', latency_ms: numberArg(o.latency, '--latency') }),
  }),
  targeted({
    name: 'intermittent',
    summary: 'fail a share of the calls (a replica: /health and reads with 500; the gateway: 503 before, 500 after charging)',
    targets: 'inventory-N, payment-gateway',
    options: [probabilityOption],
    plan: (t, o) => toReplicaOrGateway(t, { type: 'intermittent', probability: numberArg(o.probability, '--probability') }),
  }),
  targeted({
    name: 'incorrect',
    summary: 'make the replica misreport one product',
    targets: 'inventory-N',
    options: [{ flags: '--product <id>', description: 'product whose available quantity it gets wrong', required: true }],
    plan: (t, o) => (t.replica ? toReplica(t.replica, { type: 'incorrect', product_id: o.product }) : undefined),
  }),
  targeted({
    name: 'down',
    summary: 'the gateway answers 503 to every call; the mail sink closes its SMTP port',
    targets: 'payment-gateway, mail-sink',
    options: [],
    plan: (t) => (t.simulator ? toSimulator(t.simulator, { type: 'down' }) : undefined),
  }),
  targeted({
    name: 'decline',
    summary: 'the gateway declines every new charge',
    targets: 'payment-gateway',
    options: [],
    plan: (t) => (t.simulator === 'payment-gateway' ? toSimulator(t.simulator, { type: 'decline' }) : undefined),
  }),
  targeted({
    name: 'clear',
    summary: "remove the target's fault (process faults end by themselves after their duration)",
    targets: 'inventory-N, payment-gateway, mail-sink',
    options: [],
    plan: (t) => {
      if (t.replica) return toReplica(t.replica, { type: 'clear' });
      return t.simulator ? toSimulator(t.simulator, { type: 'clear' }) : undefined;
    },
  }),
  {
    name: 'db-flapping',
    summary: "the database server terminates the services' connections at random",
    options: [
      { flags: '--probability <p>', description: 'chance per tick that each connection is terminated, 0-1', required: true },
      durationOption,
      { flags: '--tick <ms>', description: 'how often connections are picked, 50-10000 ms (default: the launcher\'s)' },
    ],
    plan: (_t, o) => ({
      via: 'db-flapping',
      request: parseOptions(
        dbFlappingRequest,
        {
          probability: numberArg(o.probability, '--probability'),
          duration_ms: msArg(o.duration, '--duration'),
          ...(o.tick !== undefined && { tick_ms: numberArg(o.tick, '--tick') }),
        },
        OPTION_OF_FIELD,
      ),
    }),
  },
];

/** Checks the whole command line of one fault; throws a UsageError naming the option, sends nothing. */
export function planFault(spec: FaultSpec, opts: Options): FaultAction {
  return spec.plan(spec.targets === undefined ? undefined : parseTarget(opts), opts);
}
