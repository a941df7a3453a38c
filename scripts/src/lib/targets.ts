import { commonEnv, endpointsEnv, parseEnv, resolveEndpoints, type Endpoints, type ReplicaId } from '@ftlab/shared';
import { TargetError, type Target } from './http';

/**
 * Where the tools find the services: the same variables and defaults the services themselves
 * use (INVENTORY_2_PORT, MONITOR_URL, HOST...), so a tool and the system it talks to cannot
 * disagree about ports.
 */
export function endpointsFromEnv(env: NodeJS.ProcessEnv = process.env): Endpoints {
  const parsed = parseEnv({ ...endpointsEnv, HOST: commonEnv.HOST }, env);
  return resolveEndpoints(parsed, parsed.HOST);
}

export const replicaTarget = (endpoints: Endpoints, id: ReplicaId): Target => ({ name: `inventory-${id}`, url: endpoints.inventory[id] });
export const monitorTarget = (endpoints: Endpoints): Target => ({ name: 'monitor', url: endpoints.monitor });
export const ordersTarget = (endpoints: Endpoints): Target => ({ name: 'orders', url: endpoints.orders });

/** The simulators of the outside world (externals/), each with its own /admin/faults. */
export const SIMULATOR_NAMES = ['payment-gateway', 'mail-sink'] as const;
export type SimulatorName = (typeof SIMULATOR_NAMES)[number];

export function simulatorTarget(endpoints: Endpoints, name: SimulatorName): Target {
  const url = name === 'payment-gateway' ? endpoints.paymentGateway : endpoints.mailSink;
  if (!url) throw new TargetError(`no address for ${name}: set ${name === 'payment-gateway' ? 'PAYMENT_GATEWAY_URL' : 'MAIL_SINK_URL'}`);
  return { name, url };
}
