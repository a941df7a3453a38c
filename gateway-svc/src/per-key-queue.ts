/**
 * Runs tasks one at a time per key, in arrival order, and any number of keys side by side.
 *
 * The rate limiter's store calls for one client go through this: Postgres serializes upserts of
 * one row on its row lock anyway, so sending a flooding client's checks together only parks them
 * on that lock, each holding one of the gateway's few database connections, while every other
 * client's check queues behind them for a connection. One at a time per client, a flood holds at
 * most one connection, and once its limit is spent the checks still waiting are refused from
 * memory (the limiter's in-memory block) without reaching the database. How many may wait is
 * the caller's to bound (`pending`): one at a time, a slow database would otherwise let a flood
 * queue here without end.
 */
export class PerKeyQueue {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly counts = new Map<string, number>();

  /** Tasks of the key running or waiting. */
  pending(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    this.counts.set(key, this.pending(key) + 1);
    const previous = this.tails.get(key);
    const result = previous ? previous.then(task, task) : task();
    const done = () => {
      const left = this.pending(key) - 1;
      if (left > 0) this.counts.set(key, left);
      else this.counts.delete(key);
    };
    const tail = result.then(done, done);
    this.tails.set(key, tail);
    // The last task of a key forgets the key, so the map holds only keys with work queued.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with a task running or waiting. */
  get size(): number {
    return this.tails.size;
  }
}
