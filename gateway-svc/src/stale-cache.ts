import type { StockView } from '@ftlab/shared';

export type Lookup =
  | { kind: 'usable'; value: StockView; ageMs: number }
  /** Remembered, but older than the caller accepts. */
  | { kind: 'too_old'; ageMs: number }
  | { kind: 'none' };

/**
 * The last majority answer the voter gave for each product, with when it arrived, so a read can
 * still be answered (flagged stale) while the voter cannot give a majority. Times are passed in:
 * no clock here. Bounded: the oldest-stored product is forgotten first.
 */
export class StaleCache {
  private readonly entries = new Map<string, { value: StockView; storedAt: number }>();

  constructor(private readonly maxEntries = 10_000) {}

  /** Keeps a fresh majority answer, unless one computed further along the log is already kept. */
  remember(value: StockView, now: number): void {
    const kept = this.entries.get(value.product_id);
    if (kept && kept.value.position.partition === value.position.partition && kept.value.position.offset > value.position.offset) return;
    this.entries.delete(value.product_id);
    this.entries.set(value.product_id, { value, storedAt: now });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  lookup(productId: string, now: number, maxAgeMs: number): Lookup {
    const kept = this.entries.get(productId);
    if (!kept) return { kind: 'none' };
    const ageMs = Math.max(0, now - kept.storedAt);
    return ageMs <= maxAgeMs ? { kind: 'usable', value: kept.value, ageMs } : { kind: 'too_old', ageMs };
  }

  get size(): number {
    return this.entries.size;
  }
}
