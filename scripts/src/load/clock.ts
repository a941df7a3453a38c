import { performance } from 'node:perf_hooks';

/**
 * Epoch milliseconds with sub-millisecond resolution from the monotonic clock: latencies of a
 * few ms need better than Date.now(), and a wall-clock step must not distort them.
 */
export const nowMs = (): number => performance.timeOrigin + performance.now();
