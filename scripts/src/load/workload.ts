import { z } from 'zod';
import { REPLICA_IDS, type Endpoints } from '@ftlab/shared';
import { isOrderSlot, ordersBefore } from './schedule';
import type { RequestKind } from './sample';

/** What each request of a run is: which kind, which product, which URL. Pure and reproducible. */

export const LOAD_MODES = ['query_inventory', 'create_order', 'mixed'] as const;
export type LoadMode = (typeof LOAD_MODES)[number];

/** Reads go to the voter normally; a replica can be read directly to compare, or while the voter is not there. */
export const readTarget = z.enum(['voter', ...REPLICA_IDS], { errorMap: () => ({ message: `must be voter or a replica: ${REPLICA_IDS.join(', ')}` }) });
export type ReadTarget = z.infer<typeof readTarget>;

/** In `mixed`, about one request in six is an order unless told otherwise. */
export const DEFAULT_ORDER_SHARE = 1 / 6;

export interface Workload {
  mode: LoadMode;
  products: readonly string[];
  /** Share of orders in `mixed` (0-1). */
  orderShare: number;
  readTarget: ReadTarget;
  endpoints: Endpoints;
  orderQuantity: number;
}

export interface PlannedRequest {
  kind: RequestKind;
  productId: string;
  method: 'GET' | 'POST';
  url: string;
  body?: { product_id: string; quantity: number };
}

export function readBaseUrl(w: Pick<Workload, 'readTarget' | 'endpoints'>): string {
  return w.readTarget === 'voter' ? w.endpoints.voter : w.endpoints.inventory[w.readTarget];
}

/**
 * Request i of the run. Reads and orders each walk the product list round-robin on their own
 * counter, so in a mix every product gets both (one shared counter with 3 products and every
 * 6th request an order would send all orders to the same product).
 */
export function planRequest(w: Workload, i: number): PlannedRequest {
  const share = w.mode === 'create_order' ? 1 : w.mode === 'query_inventory' ? 0 : w.orderShare;
  const n = w.products.length;
  if (isOrderSlot(i, share)) {
    const productId = w.products[ordersBefore(i, share) % n]!;
    return { kind: 'order', productId, method: 'POST', url: `${w.endpoints.orders}/orders`, body: { product_id: productId, quantity: w.orderQuantity } };
  }
  const productId = w.products[(i - ordersBefore(i, share)) % n]!;
  return { kind: 'read', productId, method: 'GET', url: `${readBaseUrl(w)}/inventory/${encodeURIComponent(productId)}` };
}
