/**
 * Requests holding an answer until their order is decided (GET /orders/:id?wait=MS). Decisions
 * are taken in this process, so an in-memory signal is enough; a deployment with several
 * orders-svc instances would signal through Postgres NOTIFY instead.
 */
export class DecisionWaiters {
  private readonly waiting = new Map<string, Set<() => void>>();

  /** Resolves true when the order is decided, false when `ms` pass first. */
  wait(orderId: string, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const set = this.waiting.get(orderId) ?? new Set();
      this.waiting.set(orderId, set);
      const done = (decided: boolean) => {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0) this.waiting.delete(orderId);
        resolve(decided);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), ms);
      set.add(wake);
    });
  }

  decided(orderId: string): void {
    for (const wake of this.waiting.get(orderId) ?? []) wake();
  }
}
