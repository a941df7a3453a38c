/**
 * Group commit: concurrent submissions are coalesced into one call of `run`. The first item starts
 * a call at the end of the current turn of the event loop (so items submitted in the same turn,
 * such as the partitions of one Kafka fetch or the requests of one socket read, go together);
 * while a call is in flight, new items wait and all go together in the next one. Under light load
 * an item waits for nothing; under heavy load the batches grow, so the fixed cost of a call
 * (a round trip, a transaction, a commit) is shared by more items instead of queueing up.
 */
export class Batcher<I, O> {
  private waiting: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private running = false;
  private scheduled = false;

  /**
   * @param run handles a batch and returns one result per item, in order; if it throws, every
   *   item of that batch is rejected with the error.
   * @param maxItems the most items in one call; the rest wait for the next.
   */
  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly maxItems = 1000,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Items submitted and not yet handed to `run`. */
  get queued(): number {
    return this.waiting.length;
  }

  private schedule(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, this.maxItems);
        try {
          const results = await this.run(batch.map((w) => w.item));
          if (results.length !== batch.length) throw new Error(`batch of ${batch.length} produced ${results.length} results`);
          batch.forEach((w, i) => w.resolve(results[i]!));
        } catch (err) {
          for (const w of batch) w.reject(err);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
