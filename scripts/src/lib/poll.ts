import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The one "ask again until it holds or the time is up" of the tools and tests: services coming
 * up, replicas turning ON, a broker accepting clients, an audit row appearing.
 */

export interface PollClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

const realClock: PollClock = { now: () => Date.now(), sleep: (ms, signal) => sleep(ms, undefined, { signal }) };

export interface PollOptions {
  /** Give up after this long; the check still runs at least once. */
  timeoutMs: number;
  /** Pause between the end of one check and the start of the next. */
  intervalMs: number;
  /** What is awaited, for the timeout's message ("every replica ON"); a function can add the last state seen. */
  what: string | (() => string);
  /**
   * When true, a check that throws counts as "not yet" (a service that is restarting) and the last
   * error is named on timeout; otherwise the error ends the wait at once, as a real failure should.
   */
  retryErrors?: boolean;
  /** Aborting ends the wait with the signal's reason. */
  signal?: AbortSignal;
  /** For tests: a virtual clock. */
  clock?: PollClock;
}

/** The deadline passed before the check held. */
export class PollTimeout extends Error {
  override name = 'PollTimeout';
}

/** Calls `check` until it returns something other than undefined or false, and resolves with that. */
export async function pollUntil<T>(check: () => T | undefined | false | Promise<T | undefined | false>, opts: PollOptions): Promise<Exclude<T, undefined | false>> {
  const clock = opts.clock ?? realClock;
  const deadline = clock.now() + opts.timeoutMs;
  let lastError: string | undefined;
  for (;;) {
    opts.signal?.throwIfAborted();
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as Exclude<T, undefined | false>;
    } catch (err) {
      if (!opts.retryErrors) throw err;
      lastError = (err as Error).message;
    }
    if (clock.now() >= deadline) {
      const what = typeof opts.what === 'function' ? opts.what() : opts.what;
      throw new PollTimeout(`${what}: not within ${opts.timeoutMs} ms${lastError === undefined ? '' : ` (last error: ${lastError})`}`);
    }
    await clock.sleep(opts.intervalMs, opts.signal);
  }
}
