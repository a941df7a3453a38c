import { z } from 'zod';
import type { Endpoints } from '@ftlab/shared';

/**
 * `--via gateway`: where a tool's client requests go. `direct` sends orders to orders-svc and
 * reads to voter-svc, as before the edge existed; `gateway` sends both to gateway-svc, which
 * forwards them (and limits, sheds and caches on the way).
 */
export const VIA = ['direct', 'gateway'] as const;
export const via = z.enum(VIA, { errorMap: () => ({ message: `must be ${VIA.join(' or ')}` }) });
export type Via = z.infer<typeof via>;

/** The endpoints with orders and reads sent to the gateway: the client's one address. */
export function viaGateway(endpoints: Endpoints): Endpoints {
  return { ...endpoints, orders: endpoints.gateway, voter: endpoints.gateway };
}

/** The endpoints a client uses for `choice`; the services' own endpoints (admin, faults) stay as they are. */
export function clientEndpoints(endpoints: Endpoints, choice: Via): Endpoints {
  return choice === 'gateway' ? viaGateway(endpoints) : endpoints;
}
