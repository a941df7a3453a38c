import type { FaultRequest, ReplicaId } from '@ftlab/shared';

/** The faults the experiment injects, one entry per type, on the replicas the seed assignment names. */

export type InjectedFault = Exclude<FaultRequest, { type: 'clear' }>;
export type FaultType = InjectedFault['type'];

export interface FaultSpec {
  type: FaultType;
  instance_id: ReplicaId;
  request: InjectedFault;
  /**
   * Whether we clear the fault once it is detected. A crashed replica has nothing to clear: the
   * supervisor restarting it is the repair, and TTR measures that restart and catch-up.
   */
  clearAfterDetection: boolean;
}

export const FAULT_PLAN: readonly FaultSpec[] = [
  { type: 'crash', instance_id: '1', request: { type: 'crash' }, clearAfterDetection: false },
  { type: 'latency', instance_id: '2', request: { type: 'latency', latency_ms: 1200 }, clearAfterDetection: true },
  { type: 'intermittent', instance_id: '3', request: { type: 'intermittent', probability: 0.5 }, clearAfterDetection: true },
  { type: 'incorrect', instance_id: '1', request: { type: 'incorrect', product_id: 'PROD-001' }, clearAfterDetection: true },
];

export const FAULT_TYPES: readonly FaultType[] = FAULT_PLAN.map((f) => f.type);

/** "latency 1200 ms on replica 2": how tables and the chart name a fault. */
export function describeFault(spec: Pick<FaultSpec, 'request' | 'instance_id'>): string {
  const r = spec.request;
  const what =
    r.type === 'latency' ? `latency ${r.latency_ms} ms` : r.type === 'intermittent' ? `intermittent p=${r.probability}` : r.type === 'incorrect' ? `incorrect ${r.product_id}` : 'crash';
  return `${what} on replica ${spec.instance_id}`;
}
