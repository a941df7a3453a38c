/**
 * Runs at most `concurrency` tasks at a time per key, the rest in arrival order, and any number of
 * keys side by side.
 *
 * The rate limiter's store calls for one client go through this: Postgres serializes upserts of
 * one row on its row lock anyway, so sending a flooding client's checks all together only parks
 * them on that lock, each holding one of the gateway's few database connections, while every
 * other client's check queues behind them for a connection. A few at a time per client, a flood
 * holds a few connections, not all, and once its limit is spent the checks still waiting are
 * refused from memory (the limiter's in-memory block) without reaching the database. One at a
 * time was too few: a single client's checks then could not go faster than one database round
 * trip each (bench:gateway at 200 reads/s answered 75 %). How many may wait is the caller's to
 * bound (`pending`): a slow database would otherwise let a flood queue here without end.
 */
export class PerKeyQueue {
  private readonly keys = new Map<string, { running: number; waiting: (() => void)[] }>();

  constructor(private readonly concurrency = 1) {}

  /** Tasks of the key running or waiting. */
  pending(key: string): number {
    const k = this.keys.get(key);
    return k ? k.running + k.waiting.length : 0;
  }

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    let k = this.keys.get(key);
    if (!k) this.keys.set(key, (k = { running: 0, waiting: [] }));
    const slot = k;
    const start = (): Promise<T> => {
      slot.running++;
      const result = Promise.resolve().then(task);
      const done = () => {
        slot.running--;
        const next = slot.waiting.shift();
        if (next) next();
        // The last task of a key forgets the key, so the map holds only keys with work queued.
        else if (slot.running === 0 && this.keys.get(key) === slot) this.keys.delete(key);
      };
      void result.then(done, done);
      return result;
    };
    if (slot.running < this.concurrency) return start();
    return new Promise<T>((resolve, reject) => slot.waiting.push(() => void start().then(resolve, reject)));
  }

  /** Keys with a task running or waiting. */
  get size(): number {
    return this.keys.size;
  }
}
