import {
  currentFaultResponse,
  failuresResponse,
  faultChangeResponse,
  mailSink,
  monitorStatusResponse,
  paymentGateway,
  type CurrentFaultResponse,
  type Endpoints,
  type FailureRecord,
  type FaultChangeResponse,
  type FaultRequest,
  type MonitoredInstance,
  type ReplicaId,
} from '@ftlab/shared';
import { callJson, type CallOptions } from './http';
import { monitorTarget, replicaTarget, simulatorTarget, type SimulatorName } from './targets';

/**
 * The fault-injection and monitoring API as the tools use it (inject-failures, the benchmarks,
 * the experiment runner), parsed with the same contracts the services answer with: the
 * replicas' own faults and the simulators' fault switches (whole processes and the database:
 * control-client.ts).
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
