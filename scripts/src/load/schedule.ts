import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The open-loop arrival schedule. Request i is due at start + i/rps, whatever happened to the
 * requests before it: a slow system does not slow the load down (as a closed loop that waits for
 * each answer would), and every latency is measured from the due time, so time a request spent
 * waiting to be sent counts against the system (no coordinated omission).
 */

/** How many requests a run of `durationS` seconds at `rps` sends. */
export function scheduledCount(rps: number, durationS: number): number {
  return Math.floor(rps * durationS + 1e-9);
}

/** When request i is due, in ms after the start. */
export function dueOffsetMs(i: number, rps: number): number {
  return (i * 1000) / rps;
}

/** How many requests are due `elapsedMs` after the start (request 0 is due at once). */
export function dueBy(elapsedMs: number, rps: number, total: number): number {
  if (elapsedMs < 0) return 0;
  // The epsilon keeps exact boundaries (elapsed == i/rps) on the due side despite float rounding.
  return Math.min(total, Math.floor((elapsedMs * rps) / 1000 + 1e-9) + 1);
}

export interface PaceOptions {
  rps: number;
  total: number;
  /** Epoch ms the schedule starts at. */
  startMs: number;
  /** Sends request i, due at `dueMs`; must not wait for the answer. */
  dispatch: (i: number, dueMs: number) => void;
  now: () => number;
  signal?: AbortSignal;
}

/**
 * Calls dispatch for every request when it is due: on each wake-up everything due so far goes out
 * at once (timers are ~1 ms coarse), then it sleeps until the next due time. Resolves with how many
 * were dispatched (fewer than total if aborted).
 */
export async function paceOpenLoop(opts: PaceOptions): Promise<number> {
  const { rps, total, startMs, dispatch, now, signal } = opts;
  let next = 0;
  while (next < total && !signal?.aborted) {
    const due = dueBy(now() - startMs, rps, total);
    // A late wake-up finds several requests due at once; an abort among them stops the rest.
    for (; next < due && !signal?.aborted; next++) dispatch(next, startMs + dueOffsetMs(next, rps));
    if (next >= total) break;
    const waitMs = startMs + dueOffsetMs(next, rps) - now();
    if (waitMs > 0) await sleep(waitMs, undefined, { signal }).catch(() => undefined);
  }
  return next;
}

/**
 * Which requests of a mixed run are orders: request i is one when floor((i+1)·share) steps up,
 * which spreads them evenly (share 1/6: requests 5, 11, 17...). Pure, so the mix is reproducible.
 */
export function isOrderSlot(i: number, share: number): boolean {
  return Math.floor((i + 1) * share + 1e-9) > Math.floor(i * share + 1e-9);
}

/** How many of the requests before i are orders. */
export function ordersBefore(i: number, share: number): number {
  return Math.floor(i * share + 1e-9);
}
