import { z } from 'zod';
import { instanceStatus, type Endpoints, type FaultRequest, type ReplicaId } from '@ftlab/shared';
import { callJson, type CallOptions } from './http';
import { monitorTarget, replicaTarget } from './targets';

/**
 * The fault-injection and monitoring API as the tools use it (inject-failures, the benchmarks,
 * the experiment runner). Answers are checked with schemas that require only what the tools
 * read and pass everything else through, so a service adding a field breaks nothing here.
 */

const faultId = z.union([z.string(), z.number()]);

export const injectedFault = z
  .object({ instance_id: z.string(), fault: z.record(z.unknown()).nullable(), fault_id: faultId.optional(), injected_at: z.string().optional() })
  .passthrough();
export type InjectedFault = z.infer<typeof injectedFault>;

export const currentFault = z.object({ instance_id: z.string(), fault: z.record(z.unknown()).nullable() }).passthrough();
export type CurrentFault = z.infer<typeof currentFault>;

export const monitoredInstance = z
  .object({
    instance_id: z.string(),
    status: instanceStatus,
    since: z.string().nullable(),
    cause: z.string().nullable(),
    last_probe_latency_ms: z.number().nullable().optional(),
    last_probe_at: z.string().nullable().optional(),
    consecutive_failures: z.number().optional(),
  })
  .passthrough();
export type MonitoredInstance = z.infer<typeof monitoredInstance>;
const monitorStatus = z.object({ instances: z.array(monitoredInstance) }).passthrough();

export const failureRecord = z
  .object({
    instance_id: z.string(),
    cause: z.string(),
    fault_type: z.string().nullable(),
    started_at: z.string(),
    detected_at: z.string(),
    resolved_at: z.string().nullable(),
    ttd_ms: z.number(),
    ttr_ms: z.number().nullable(),
  })
  .passthrough();
export type FailureRecord = z.infer<typeof failureRecord>;
const failureList = z.object({ failures: z.array(failureRecord) }).passthrough();

/** POST /admin/faults on one replica. For a crash the replica answers 202 and then dies. */
export function injectFault(endpoints: Endpoints, token: string, instance: ReplicaId, fault: FaultRequest, opts: CallOptions = {}): Promise<InjectedFault> {
  return callJson(replicaTarget(endpoints, instance), '/admin/faults', injectedFault, { ...opts, method: 'POST', token, body: fault });
}

export function readFault(endpoints: Endpoints, token: string, instance: ReplicaId, opts: CallOptions = {}): Promise<CurrentFault> {
  return callJson(replicaTarget(endpoints, instance), '/admin/faults', currentFault, { ...opts, token });
}

export async function readMonitorStatus(endpoints: Endpoints, opts: CallOptions = {}): Promise<MonitoredInstance[]> {
  return (await callJson(monitorTarget(endpoints), '/status', monitorStatus, opts)).instances;
}

export async function readFailures(endpoints: Endpoints, instance: ReplicaId | undefined, limit: number, opts: CallOptions = {}): Promise<FailureRecord[]> {
  const query = new URLSearchParams({ limit: String(limit) });
  if (instance) query.set('instance_id', instance);
  return (await callJson(monitorTarget(endpoints), `/failures?${query}`, failureList, opts)).failures;
}
