/**
 * Requests holding an answer until their order is decided (GET /orders/:id?wait=MS). Decisions
 * are taken in this process, so an in-memory signal is enough; a deployment with several
 * orders-svc instances would signal through Postgres NOTIFY instead.
 */
export interface Waiter {
  /** true when the order is decided, false when the wait ran out or was cancelled. */
  decided: Promise<boolean>;
  /** Stops waiting (the order turned out to be decided already): no timer left behind. */
  cancel(): void;
}

export class DecisionWaiters {
  private readonly waiting = new Map<string, Set<() => void>>();

  /** Starts waiting for `orderId`'s decision for at most `ms`. */
  wait(orderId: string, ms: number): Waiter {
    let done: (decided: boolean) => void = () => undefined;
    const decided = new Promise<boolean>((resolve) => {
      const set = this.waiting.get(orderId) ?? new Set();
      this.waiting.set(orderId, set);
      done = (isDecided: boolean) => {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0 && this.waiting.get(orderId) === set) this.waiting.delete(orderId);
        resolve(isDecided);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), ms);
      set.add(wake);
    });
    return { decided, cancel: () => done(false) };
  }

  decided(orderId: string): void {
    for (const wake of this.waiting.get(orderId) ?? []) wake();
  }

  /** Requests waiting now, for the gauge. */
  get size(): number {
    let n = 0;
    for (const set of this.waiting.values()) n += set.size;
    return n;
  }
}
