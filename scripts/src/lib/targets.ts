import { commonEnv, endpointsEnv, parseEnv, resolveEndpoints, type Endpoints, type ReplicaId } from '@ftlab/shared';
import type { Target } from './http';

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
