import type {
  DbFlappingRequest,
  DbFlappingView,
  FailureRecord,
  FaultChangeResponse,
  MonitoredInstance,
  ProcessFaultRequest,
  ProcessView,
} from '@ftlab/shared';
import type { SimulatorFaultState } from '../lib/fault-api';
import { fixed, formatTable } from '../lib/table';
import type { SimulatorName } from '../lib/targets';
import type { SimulatorStatus, StatusReport, StatusView } from './status';

/** Human-readable output of inject-failures; `--json` prints the raw answers instead. */

/** "latency (latency_ms=1200)", or "none". */
export function describeFault(fault: Record<string, unknown> | null | undefined): string {
  if (!fault) return 'none';
  const { type, ...params } = fault;
  const details = Object.entries(params).map(([k, v]) => `${k}=${String(v)}`);
  return details.length > 0 ? `${String(type)} (${details.join(', ')})` : String(type);
}

/** A fault as sent, with what its target answered. */
export type Injected =
  | { via: 'replica'; target: string; answer: FaultChangeResponse }
  | { via: 'process'; fault: ProcessFaultRequest; answer: ProcessView }
  | { via: 'simulator'; target: SimulatorName; answer: SimulatorFaultState }
  | { via: 'db-flapping'; request: DbFlappingRequest; answer: DbFlappingView };

function replicaInjected(replica: string, answer: FaultChangeResponse): string {
  if (!answer.fault) return `${replica}: fault cleared`;
  const what = describeFault(answer.fault);
  const when = 'fault_id' in answer ? ` (fault #${answer.fault_id} at ${answer.injected_at})` : '';
  const after = answer.fault.type === 'crash' ? '; the process dies now and its supervisor restarts it' : '';
  return `${replica}: ${what} injected${when}${after}`;
}

function processInjected(fault: ProcessFaultRequest, p: ProcessView): string {
  const until = p.fault?.ends_at ?? '?';
  const after = {
    crash: fault.type === 'crash' && fault.down_for_ms > 0 ? `held down until ${until}, then restarted` : 'killed; its supervisor restarts it now',
    pause: `frozen until ${until}, then resumed`,
    duplicate: `a second copy runs beside it until ${until}`,
  }[fault.type];
  return `${p.name}: ${describeFault(fault)} injected; ${after}`;
}

const smtpLine = (state: SimulatorFaultState) => (state.smtp_listening === undefined ? '' : `smtp ${state.smtp_listening ? 'listening' : 'closed'}`);

export function renderInjected(injected: Injected): string {
  switch (injected.via) {
    case 'replica':
      return replicaInjected(injected.target, injected.answer);
    case 'process':
      return processInjected(injected.fault, injected.answer);
    case 'simulator': {
      const { answer } = injected;
      const smtp = smtpLine(answer);
      return `${injected.target}: ${answer.fault ? `${describeFault(answer.fault)} injected` : 'fault cleared'}${smtp ? `; ${smtp}` : ''}`;
    }
    case 'db-flapping':
      return `database: ${describeFault({ type: 'flapping', ...injected.request })} until ${injected.answer.ends_at ?? '?'}`;
  }
}


function monitorLine(m: MonitoredInstance): string {
  const parts = [`${m.status} since ${m.since ?? '?'}`];
  if (m.cause) parts.push(`cause ${m.cause}`);
  if (m.last_probe_latency_ms !== undefined && m.last_probe_latency_ms !== null) parts.push(`last probe ${fixed(m.last_probe_latency_ms)} ms`);
  if (m.consecutive_failures) parts.push(`${m.consecutive_failures} failed probes in a row`);
  return parts.join(', ');
}

export function renderStatus(view: StatusView): string {
  const fault = view.replica ? describeFault(view.replica.fault) : `unknown: ${view.replica_error}`;
  const monitor = view.monitor ? monitorLine(view.monitor) : `unknown: ${view.monitor_error ?? 'the monitor does not list this replica'}`;
  return [`inventory-${view.instance_id}`, `  fault:   ${fault}`, `  monitor: ${monitor}`].join('\n');
}

const indent = (text: string) => text.replace(/^/gm, '  ');

function processesSection(report: StatusReport): string | undefined {
  if (report.processes_error !== undefined) return `processes\n  unknown: ${report.processes_error}`;
  if (!report.processes || report.processes.length === 0) return undefined;
  const rows = report.processes.map((p) => [p.name, p.state, p.pid, p.restarts, p.fault ? `${p.fault.type} until ${p.fault.ends_at}` : 'none']);
  return `processes\n${indent(formatTable(['name', 'state', 'pid', 'restarts', 'fault'], rows))}`;
}

function simulatorSection(sim: SimulatorStatus): string {
  if (!sim.state) return `${sim.name}\n  fault:   unknown: ${sim.error}`;
  const smtp = smtpLine(sim.state);
  return [`${sim.name}`, `  fault:   ${describeFault(sim.state.fault)}`, ...(smtp ? [`  smtp:    ${smtp.slice('smtp '.length)}`] : [])].join('\n');
}

function databaseSection(report: StatusReport): string | undefined {
  if (report.db_flapping === undefined) return undefined;
  const f = report.db_flapping;
  if (!f) return `database\n  flapping: unknown: ${report.db_flapping_error}`;
  const terminated = Object.entries(f.terminated).map(([name, n]) => `${name} ${n}`);
  return [
    'database',
    `  flapping: ${f.active ? `yes, until ${f.ends_at}` : 'no'}`,
    ...(terminated.length > 0 ? [`  terminated (${f.active ? 'so far' : 'last run'}): ${terminated.join(', ')}`] : []),
  ].join('\n');
}

/** Every target's block: replicas, the supervised processes, the simulators, the database. */
export function renderStatusReport(report: StatusReport): string {
  return [...report.replicas.map(renderStatus), processesSection(report), ...report.simulators.map(simulatorSection), databaseSection(report)]
    .filter((section): section is string => section !== undefined)
    .join('\n');
}

export function renderFailures(failures: FailureRecord[]): string {
  if (failures.length === 0) return 'no failures recorded';
  return formatTable(
    ['instance', 'cause', 'fault', 'started_at', 'detected_at', 'resolved_at', 'ttd ms', 'ttr ms'],
    failures.map((f) => [f.instance_id, f.cause, f.fault_type, f.started_at, f.detected_at, f.resolved_at ?? 'open', fixed(f.ttd_ms, 0), fixed(f.ttr_ms, 0)]),
  );
}
