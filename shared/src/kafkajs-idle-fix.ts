/**
 * kafkajs 2.2.4, its last release, re-arms a timer every millisecond on every broker connection
 * while no request is waiting: with nothing pending and no throttling, the delay it computes is
 * negative, which Node rounds up to 1 ms, and each check schedules the next one forever
 * (tulios/kafkajs#1556; the fix in tulios/kafkajs#1667 was never released). Every service keeps
 * several connections, so on this two-core machine the loops cost more CPU than the work.
 *
 * This replaces that one method with the proposed fix: a check is scheduled only while requests
 * are pending (every 10 ms, as before) or a throttle is in force. Nothing else changes: a request
 * that can be sent is sent at once, a completed request checks the queue itself, and request
 * timeouts have their own timer.
 */

interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** kafkajs's own interval for re-checking a queue that has pending requests. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

export function scheduleCheckPendingRequests(this: RequestQueueInternals): void {
  if (this.throttleCheckTimeoutId) return;
  let delay = this.throttledUntil - Date.now();
  if (this.pending.length > 0) delay = delay > 0 ? delay : CHECK_PENDING_REQUESTS_INTERVAL_MS;
  else if (delay <= 0) return;
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, delay);
}

// The class is internal to kafkajs (no typings): loaded by path, the one place this is done.
const RequestQueue = require('kafkajs/src/network/requestQueue') as { prototype: RequestQueueInternals };
RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
