import { REPLICA_IDS, type CurrentFaultResponse, type DbFlappingView, type Endpoints, type MonitoredInstance, type ProcessView, type ReplicaId } from '@ftlab/shared';
import { listProcesses, readDbFlapping } from '../lib/control-client';
import { readFault, readMonitorStatus, readSimulatorFault, type SimulatorFaultState } from '../lib/fault-api';
import { SIMULATOR_NAMES, type SimulatorName } from '../lib/targets';
import type { Target } from './faults';

/**
 * `inject-failures status`: what every target says about itself, read all at once. A target that
 * cannot be read gets its reason in its own place; the others are still shown.
 */

/** One replica: its own fault and the monitor's view of it. */
export interface StatusView {
  instance_id: string;
  replica: CurrentFaultResponse | null;
  replica_error?: string;
  monitor: MonitoredInstance | null;
  monitor_error?: string;
}

export interface SimulatorStatus {
  name: SimulatorName;
  state: SimulatorFaultState | null;
  error?: string;
  /**
   * Read as part of the whole system's status rather than named with --target: the simulators
   * stand outside the system and need not run, so one that cannot be read is shown, not a failure.
   */
  optional?: boolean;
}

export interface StatusReport {
  replicas: StatusView[];
  /** Supervised processes as the launcher's control API lists them (only the target's, with --target). */
  processes: ProcessView[] | null;
  processes_error?: string;
  simulators: SimulatorStatus[];
  /** Whether the database is flapping; not part of a one-target status. */
  db_flapping?: DbFlappingView | null;
  db_flapping_error?: string;
}

type Settled<T> = { value: T; error?: undefined } | { value: null; error: string };

async function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  try {
    return { value: await promise };
  } catch (err) {
    return { value: null, error: (err as Error).message };
  }
}

function replicaView(instance: ReplicaId, fault: Settled<CurrentFaultResponse>, monitor: Settled<MonitoredInstance[]>): StatusView {
  return {
    instance_id: instance,
    replica: fault.value,
    ...(fault.error !== undefined && { replica_error: fault.error }),
    monitor: monitor.value?.find((m) => m.instance_id === instance) ?? null,
    ...(monitor.error !== undefined && { monitor_error: monitor.error }),
  };
}

/** The processes to show: all, or the target's; a plain process the launcher does not run is a problem. */
export function selectProcesses(listed: ProcessView[], target: Target | undefined): { processes: ProcessView[]; error?: string } {
  if (!target) return { processes: listed };
  const processes = listed.filter((p) => p.name === target.name);
  if (processes.length > 0 || target.replica || target.simulator) return { processes };
  return { processes, error: `the launcher supervises no process named ${target.name} (it runs ${listed.map((p) => p.name).join(', ') || 'none'})` };
}

export async function readStatus(endpoints: Endpoints, token: string, target?: Target): Promise<StatusReport> {
  const replicas: readonly ReplicaId[] = target ? (target.replica ? [target.replica] : []) : REPLICA_IDS;
  const simulators: readonly SimulatorName[] = target ? (target.simulator ? [target.simulator] : []) : SIMULATOR_NAMES;
  const [faults, monitor, processes, simulatorStates, flapping] = await Promise.all([
    Promise.all(replicas.map((instance) => settle(readFault(endpoints, token, instance)))),
    replicas.length > 0 ? settle(readMonitorStatus(endpoints)) : Promise.resolve<Settled<MonitoredInstance[]>>({ value: [] }),
    settle(listProcesses(endpoints, token)),
    Promise.all(simulators.map((name) => settle(readSimulatorFault(endpoints, token, name)))),
    target ? undefined : settle(readDbFlapping(endpoints, token)),
  ]);
  const selected = processes.value ? selectProcesses(processes.value, target) : undefined;
  const processesError = processes.error ?? selected?.error;
  return {
    replicas: replicas.map((instance, i) => replicaView(instance, faults[i]!, monitor)),
    processes: selected?.processes ?? null,
    ...(processesError !== undefined && { processes_error: processesError }),
    simulators: simulators.map((name, i) => ({
      name,
      state: simulatorStates[i]!.value,
      ...(simulatorStates[i]!.error !== undefined && { error: simulatorStates[i]!.error }),
      ...(!target && { optional: true }),
    })),
    ...(flapping && { db_flapping: flapping.value, ...(flapping.error !== undefined && { db_flapping_error: flapping.error }) }),
  };
}

/** Every part that could not be read, for the command's exit status. */
export function statusProblems(report: StatusReport): string[] {
  const problems = [
    ...report.replicas.flatMap((r) => [r.replica_error, r.monitor_error]),
    report.processes_error,
    ...report.simulators.filter((s) => !s.optional).map((s) => s.error),
    report.db_flapping_error,
  ].filter((problem): problem is string => problem !== undefined);
  return [...new Set(problems)]; // the monitor's problem is every replica's
}
