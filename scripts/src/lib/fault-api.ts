import {
  currentFaultResponse,
  dbFlappingView,
  failuresResponse,
  faultChangeResponse,
  mailSink,
  monitorStatusResponse,
  paymentGateway,
  processListResponse,
  processView,
  type CurrentFaultResponse,
  type DbFlappingRequest,
  type DbFlappingView,
  type Endpoints,
  type FailureRecord,
  type FaultChangeResponse,
  type FaultRequest,
  type MonitoredInstance,
  type ProcessFaultRequest,
  type ProcessView,
  type ReplicaId,
} from '@ftlab/shared';
import { callJson, type CallOptions } from './http';
import { controlTarget, monitorTarget, replicaTarget, simulatorTarget, type SimulatorName } from './targets';

/**
 * The fault-injection and monitoring API as the tools use it (inject-failures, the benchmarks,
 * the experiment runner), parsed with the same contracts the services answer with: the
 * replicas' own faults, the launcher's control API (whole processes, the database), and the
 * simulators' fault switches.
 */

/** POST /admin/faults on one replica. For a crash the replica answers 202 and then dies. */
export function injectFault(endpoints: Endpoints, token: string, instance: ReplicaId, fault: FaultRequest, opts: CallOptions = {}): Promise<FaultChangeResponse> {
  return callJson(replicaTarget(endpoints, instance), '/admin/faults', faultChangeResponse, { ...opts, method: 'POST', token, body: fault });
}

export function readFault(endpoints: Endpoints, token: string, instance: ReplicaId, opts: CallOptions = {}): Promise<CurrentFaultResponse> {
  return callJson(replicaTarget(endpoints, instance), '/admin/faults', currentFaultResponse, { ...opts, token });
}

export async function readMonitorStatus(endpoints: Endpoints, opts: CallOptions = {}): Promise<MonitoredInstance[]> {
  return (await callJson(monitorTarget(endpoints), '/status', monitorStatusResponse, opts)).instances;
}

export async function readFailures(endpoints: Endpoints, instance: ReplicaId | undefined, limit: number, opts: CallOptions = {}): Promise<FailureRecord[]> {
  const query = new URLSearchParams({ limit: String(limit) });
  if (instance) query.set('instance_id', instance);
  return (await callJson(monitorTarget(endpoints), `/failures?${query}`, failuresResponse, opts)).failures;
}

/** POST {control}/processes/:name/faults: kill (and hold down), freeze, or duplicate a supervised process. */
export function injectProcessFault(endpoints: Endpoints, token: string, name: string, fault: ProcessFaultRequest, opts: CallOptions = {}): Promise<ProcessView> {
  return callJson(controlTarget(endpoints), `/processes/${encodeURIComponent(name)}/faults`, processView, { ...opts, method: 'POST', token, body: fault });
}

/** Every process the launcher supervises: pid, state, restarts, the fault in effect. */
export async function readProcesses(endpoints: Endpoints, token: string, opts: CallOptions = {}): Promise<ProcessView[]> {
  return (await callJson(controlTarget(endpoints), '/processes', processListResponse, { ...opts, token })).processes;
}

export function startDbFlapping(endpoints: Endpoints, token: string, request: DbFlappingRequest, opts: CallOptions = {}): Promise<DbFlappingView> {
  return callJson(controlTarget(endpoints), '/faults/db-flapping', dbFlappingView, { ...opts, method: 'POST', token, body: request });
}

export function readDbFlapping(endpoints: Endpoints, token: string, opts: CallOptions = {}): Promise<DbFlappingView> {
  return callJson(controlTarget(endpoints), '/faults/db-flapping', dbFlappingView, { ...opts, token });
}

/** What a simulator's fault switch answers: the fault in force (null: none), and for the mail sink whether SMTP listens. */
export type SimulatorFaultState = { fault: { type: string } | null; smtp_listening?: boolean };
export type SimulatorFaultRequest = paymentGateway.GatewayFaultRequest | mailSink.MailSinkFaultRequest;

const simulatorFaultState = { 'payment-gateway': paymentGateway.gatewayFaultState, 'mail-sink': mailSink.mailSinkFaultState } as const;

/** POST /admin/faults on a simulator; the body must be one of that simulator's faults. */
export function injectSimulatorFault(endpoints: Endpoints, token: string, name: SimulatorName, fault: SimulatorFaultRequest, opts: CallOptions = {}): Promise<SimulatorFaultState> {
  return callJson(simulatorTarget(endpoints, name), '/admin/faults', simulatorFaultState[name], { ...opts, method: 'POST', token, body: fault });
}

export function readSimulatorFault(endpoints: Endpoints, token: string, name: SimulatorName, opts: CallOptions = {}): Promise<SimulatorFaultState> {
  return callJson(simulatorTarget(endpoints, name), '/admin/faults', simulatorFaultState[name], { ...opts, token });
}
