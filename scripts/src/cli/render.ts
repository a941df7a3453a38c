import type { CurrentFaultResponse, FailureRecord, FaultChangeResponse, MonitoredInstance } from '@ftlab/shared';
import { fixed, formatTable } from '../lib/table';

/** Human-readable output of inject-failures; `--json` prints the raw answers instead. */

/** "latency (latency_ms=1200)", or "none". */
export function describeFault(fault: Record<string, unknown> | null | undefined): string {
  if (!fault) return 'none';
  const { type, ...params } = fault;
  const details = Object.entries(params).map(([k, v]) => `${k}=${String(v)}`);
  return details.length > 0 ? `${String(type)} (${details.join(', ')})` : String(type);
}

export function renderInjected(replica: string, answer: FaultChangeResponse): string {
  if (!answer.fault) return `${replica}: fault cleared`;
  const what = describeFault(answer.fault);
  const when = 'fault_id' in answer ? ` (fault #${answer.fault_id} at ${answer.injected_at})` : '';
  const after = answer.fault.type === 'crash' ? '; the process dies now and its supervisor restarts it' : '';
  return `${replica}: ${what} injected${when}${after}`;
}

export interface StatusView {
  instance_id: string;
  replica: CurrentFaultResponse | null;
  replica_error?: string;
  monitor: MonitoredInstance | null;
  monitor_error?: string;
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

export function renderFailures(failures: FailureRecord[]): string {
  if (failures.length === 0) return 'no failures recorded';
  return formatTable(
    ['instance', 'cause', 'fault', 'started_at', 'detected_at', 'resolved_at', 'ttd ms', 'ttr ms'],
    failures.map((f) => [f.instance_id, f.cause, f.fault_type, f.started_at, f.detected_at, f.resolved_at ?? 'open', fixed(f.ttd_ms, 0), fixed(f.ttr_ms, 0)]),
  );
}
