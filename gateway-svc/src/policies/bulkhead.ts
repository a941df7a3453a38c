import { bulkhead, BulkheadRejectedError, type BulkheadPolicy } from 'cockatiel';

/**
 * At most `maxInFlight` calls to one upstream and `queue` waiting for a slot (cockatiel's
 * bulkhead); beyond that a call is refused at once, so a slow upstream ties up a bounded number
 * of sockets and a client learns in milliseconds that it should come back.
 */
export function createBulkhead(maxInFlight: number, queue: number): { policy: BulkheadPolicy; inFlight: () => number; queued: () => number } {
  const policy = bulkhead(maxInFlight, queue);
  return { policy, inFlight: () => maxInFlight - policy.executionSlots, queued: () => queue - policy.queueSlots };
}

export function isBulkheadRejection(err: unknown): boolean {
  return err instanceof BulkheadRejectedError;
}
