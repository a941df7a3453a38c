import { orderAcceptedBody, type OrderAcceptedDuringOutage } from '@ftlab/shared';

export const OUTAGE_NOTE =
  'inventory is unavailable right now: the order is accepted and kept in the log, and it will be decided (RESERVED, then CONFIRMED or CANCELLED by its payment, or REJECTED) when a majority of the replicas is back; follow it at GET /orders/{order_id}';

/**
 * orders-svc accepts an order whatever the replicas are doing (the log keeps it); when the gateway
 * knows inventory is out, the 202 says why the order will stay PENDING for a while. Returns the
 * body to send, or undefined to pass orders-svc's answer through as it is.
 */
export function noteOrderAccepted(body: unknown, inventoryOut: boolean): OrderAcceptedDuringOutage | undefined {
  if (!inventoryOut) return undefined;
  const parsed = orderAcceptedBody.safeParse(body);
  if (!parsed.success || parsed.data.status !== 'PENDING') return undefined;
  return { ...parsed.data, status: 'PENDING', note: OUTAGE_NOTE };
}
