/**
 * What a read is answered when the voter gives no majority (it said 503, it is down or too slow,
 * or its breaker is open): the remembered majority answer flagged stale while it is young enough,
 * then a 503 that says so in words. Pure: the cache lookup and the times are passed in.
 */
import type { InventoryUnavailableBody, StaleInventoryRead } from '@ftlab/shared';
import type { Lookup } from './stale-cache';

export type ReadFallback =
  | { kind: 'stale'; body: StaleInventoryRead; ageS: number }
  | { kind: 'unavailable'; body: InventoryUnavailableBody; retryAfterS: number };

export function answerWithoutMajority(productId: string, reason: string, found: Lookup, staleMaxMs: number, retryAfterS: number): ReadFallback {
  if (found.kind === 'usable') {
    const ageMs = Math.round(found.ageMs);
    return {
      kind: 'stale',
      // The Age header is whole seconds, rounded down (RFC 9111).
      ageS: Math.floor(ageMs / 1000),
      body: {
        product_id: found.value.product_id,
        available_quantity: found.value.available_quantity,
        reserved_quantity: found.value.reserved_quantity,
        position: found.value.position,
        stale: true,
        age_ms: ageMs,
        reason,
      },
    };
  }
  const known = found.kind === 'too_old' ? ` (the last known answer is ${Math.round(found.ageMs / 1000)} s old, older than the ${Math.round(staleMaxMs / 1000)} s the gateway may serve)` : '';
  return {
    kind: 'unavailable',
    retryAfterS,
    body: {
      error: `inventory is unavailable: no majority of the replicas can answer for ${productId} right now (${reason})${known}; retry in ${retryAfterS} s`,
      product_id: productId,
      retry_after_s: retryAfterS,
      last_known_age_ms: found.kind === 'too_old' ? Math.round(found.ageMs) : null,
    },
  };
}
