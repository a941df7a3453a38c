import type { Closer, Logger } from '@ftlab/shared';

/** Thrown by Lifecycle.add when shutdown was requested while a resource was starting. */
export class ShutdownRequested extends Error {
  override name = 'ShutdownRequested';
  constructor() {
    super('shutdown requested');
  }
}

/**
 * Resources started one after another (broker, database, services) and closed in reverse order.
 * A shutdown requested mid-start waits for the resource being started, so nothing that comes
 * up during shutdown is left behind.
 */
export class Lifecycle {
  private readonly closers: Closer[] = [];
  private inflight: Promise<unknown> = Promise.resolve();
  private stopping?: Promise<void>;
  private readonly aborter = new AbortController();

  constructor(private readonly logger: Logger) {}

  async add<T>(name: string, start: () => Promise<T>, close: (value: T) => Promise<unknown>): Promise<T> {
    if (this.stopping) throw new ShutdownRequested();
    const step = start().then((value) => {
      this.closers.push({ name, close: () => close(value) });
      return value;
    });
    this.inflight = step.catch(() => undefined);
    const value = await step;
    if (this.stopping) throw new ShutdownRequested();
    return value;
  }

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  /** Aborted when stop() is called: lets a slow start give up instead of being waited for. */
  get signal(): AbortSignal {
    return this.aborter.signal;
  }

  /** Closes everything started so far, newest first; every call returns the same promise. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.aborter.abort(new ShutdownRequested());
      await this.inflight;
      for (const closer of this.closers.reverse()) {
        try {
          await closer.close();
        } catch (err) {
          this.logger.error({ err: (err as Error).message, resource: closer.name }, 'error while stopping');
        }
      }
    })();
    return this.stopping;
  }
}
