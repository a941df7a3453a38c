/**
 * What the outbox relay does next, decided without I/O: the adapter (`startOutboxRelay`) asks for
 * a step, performs it (read the table, send to Kafka, delete rows), reports back, and asks again
 * until the answer is to rest.
 *
 * A run is a series of rounds; a round is: read the table if due, send one batch, delete what
 * Kafka has acknowledged if due. The relay starts RECOVERING: the table may hold rows the queue
 * lacks, so it is read in id order (with no age limit) until a read comes back short, and rows
 * handed over in memory are refused meanwhile (the table has them, and queueing them would
 * overtake older ones). Once drained it takes the FAST PATH: rows its process has just committed
 * are queued from memory and sent at once; the table is read only once a second, for rows older
 * than a second that the fast path missed. Sent rows wait as PUBLISHED until one DELETE takes many
 * of them. Any failure drops the queue and goes back to recovering: the table is the truth.
 */

/** An outbox row as the relay publishes it: the message, and its id to delete once Kafka has it. */
export interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  value: string;
}

/** The most rows one read of the table, one send and one delete take. */
export const BATCH = 1000;
/** A row still in the table this long after it was written was missed by the fast path: sweep it up. */
export const SWEEP_MS = 1000;
export const RETRY_MS = 250;
/** Published rows are deleted together, at most this often: one statement for many rounds. */
export const DELETE_EVERY_MS = 100;

export type RelayStep =
  /** Read unpublished rows written at least `olderThanMs` ago, in id order, at most `limit`; then `swept`. */
  | { kind: 'sweep'; olderThanMs: number; limit: number }
  /** Send these rows to Kafka; then `sent`. */
  | { kind: 'send'; rows: OutboxRow[] }
  /** Delete these published rows from the table; then `deleted`. */
  | { kind: 'delete'; ids: string[] }
  /** The run is over: run again after `delayMs`, or sooner when woken. */
  | { kind: 'rest'; delayMs: number };

/** Where the current round is: each step is taken at most once a round, in this order. */
type Phase = 'sweep' | 'send' | 'delete' | 'end';

export class RelayState {
  private queue: OutboxRow[] = [];
  /** Ids queued or in flight, so a sweep does not queue a row twice. */
  private readonly known = new Set<string>();
  /** Ids Kafka has acknowledged that are still in the table: a sweep must not publish them again. */
  private readonly published = new Set<string>();
  private recovering = true;
  /** Whether this round's read of the table came back short: nothing older is left to recover. */
  private drained = true;
  private nextSweepAt = 0;
  private deletedAt = 0;
  private running = false;
  /** Woken during a run: do another round before resting. */
  private again = false;
  private stopped = false;
  private phase: Phase = 'sweep';
  private restMs = SWEEP_MS;

  /** Rows committed but not yet acknowledged by Kafka, as far as this relay knows. */
  get backlog(): number {
    return this.queue.length;
  }

  /** Starts a run, or, if one is going, asks it for another round; true when the caller must run now. */
  wake(): boolean {
    if (this.running) {
      this.again = true;
      return false;
    }
    if (this.stopped) return false;
    this.running = true;
    this.again = false;
    this.phase = 'sweep';
    this.restMs = SWEEP_MS;
    return true;
  }

  /** Rows just committed in this process (the fast path); true when the relay should be woken. */
  handOver(rows: OutboxRow[]): boolean {
    if (this.recovering || this.stopped) return false;
    for (const r of rows) {
      if (this.known.has(r.id)) continue;
      this.known.add(r.id);
      this.queue.push(r);
    }
    return true;
  }

  /** The next step of the current run, at time `now` (ms). */
  next(now: number): RelayStep {
    for (;;) {
      if (this.phase === 'sweep') {
        this.phase = 'send';
        this.drained = true;
        if (this.recovering || now >= this.nextSweepAt) return { kind: 'sweep', olderThanMs: this.recovering ? 0 : SWEEP_MS, limit: BATCH };
      }
      if (this.phase === 'send') {
        this.phase = 'delete';
        const rows = this.queue.splice(0, BATCH);
        if (rows.length > 0) return { kind: 'send', rows };
      }
      if (this.phase === 'delete') {
        this.phase = 'end';
        if (this.recovering && this.drained) this.recovering = false;
        if (this.published.size >= BATCH || (this.published.size > 0 && now - this.deletedAt >= DELETE_EVERY_MS)) {
          return { kind: 'delete', ids: this.deletable() };
        }
      }
      // The round is over.
      if (this.recovering || this.queue.length > 0) this.again = true;
      // Nothing left to send but deletes still due: come back for them shortly.
      else if (this.published.size > 0) this.restMs = DELETE_EVERY_MS;
      if (!this.again || this.stopped) {
        this.running = false;
        return { kind: 'rest', delayMs: this.restMs };
      }
      this.again = false;
      this.phase = 'sweep';
    }
  }

  /** The table's answer to a sweep, at time `now`; returns how many rows it added to the queue. */
  swept(rows: OutboxRow[], limit: number, now: number): number {
    const fresh = rows.filter((r) => !this.known.has(r.id) && !this.published.has(r.id));
    for (const r of fresh) {
      this.known.add(r.id);
      this.queue.push(r);
    }
    this.drained = rows.length < limit;
    this.nextSweepAt = now + SWEEP_MS;
    return fresh.length;
  }

  /** Kafka acknowledged these rows: they wait to be deleted. */
  sent(rows: OutboxRow[]): void {
    for (const r of rows) {
      this.known.delete(r.id);
      this.published.add(r.id);
    }
  }

  /** Published rows to delete: all of them, in one statement. */
  deletable(): string[] {
    return [...this.published];
  }

  deleted(ids: string[], now: number): void {
    for (const id of ids) this.published.delete(id);
    this.deletedAt = now;
  }

  /** A step failed: the table is the truth, so drop what was queued and read it back in order. Returns the rest before retrying. */
  failed(): number {
    this.recovering = true;
    this.queue = [];
    this.known.clear();
    this.running = false;
    return RETRY_MS;
  }

  /** No more runs; a run in progress ends after its current round. */
  stop(): void {
    this.stopped = true;
  }
}
