import { bulkhead, type BulkheadPolicy } from 'cockatiel';

/**
 * At most PAYMENT_MAX_IN_FLIGHT calls on the wire to the gateway at once (cockatiel's bulkhead);
 * the others wait here, in arrival order. Without it every reserved order was one call at once: at
 * 300 orders/s on a busy host the gateway answered them all late, every attempt timed out
 * together, the breaker opened, and the retries came back as a herd (bench:orders, the saga
 * demos). The wait here is outside the attempt's timeout, which measures the gateway alone; it is
 * bounded by the payment's retry window, whose end takes a waiting call out of the queue.
 */
const QUEUE = Number.MAX_SAFE_INTEGER;

export function createGatewayBulkhead(maxInFlight: number): BulkheadPolicy {
  return bulkhead(maxInFlight, QUEUE);
}

/** Calls waiting for a slot now. */
export function callsWaiting(limit: BulkheadPolicy): number {
  return QUEUE - limit.queueSlots;
}
