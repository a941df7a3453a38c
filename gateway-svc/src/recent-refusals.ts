import type { LimitClass } from '@ftlab/shared';

export interface Refusal {
  at: number;
  client: string;
  limit: LimitClass;
}

/**
 * The gateway's recent 429s, for the dashboard: how many per limit over the last `windowMs`, and
 * the latest few with their client. Bounded (a flood of refusals keeps `keep` of them); times are
 * passed in, no clock here.
 */
export class RecentRefusals {
  private readonly latest: Refusal[] = [];
  /** Per-second buckets of the window, so counting a flood costs no memory per refusal. */
  private readonly perSecond = new Map<number, Record<LimitClass, number>>();
  private readonly totals: Record<LimitClass, number> = { read: 0, order: 0 };

  constructor(
    private readonly windowMs = 60_000,
    private readonly keep = 10,
  ) {}

  record(refusal: Refusal): void {
    this.totals[refusal.limit] += 1;
    const second = Math.floor(refusal.at / 1000);
    const bucket = this.perSecond.get(second) ?? { read: 0, order: 0 };
    bucket[refusal.limit] += 1;
    this.perSecond.set(second, bucket);
    this.latest.push(refusal);
    if (this.latest.length > this.keep) this.latest.shift();
    this.forget(refusal.at);
  }

  /** Refusals per limit within the window ending `now`, since the start, and the latest ones, newest first. */
  summary(now: number): { window_ms: number; in_window: Record<LimitClass, number>; total: Record<LimitClass, number>; latest: Refusal[] } {
    this.forget(now);
    const inWindow = { read: 0, order: 0 };
    for (const bucket of this.perSecond.values()) {
      inWindow.read += bucket.read;
      inWindow.order += bucket.order;
    }
    return { window_ms: this.windowMs, in_window: inWindow, total: { ...this.totals }, latest: this.latest.filter((r) => r.at > now - this.windowMs).reverse() };
  }

  private forget(now: number): void {
    const oldest = Math.floor((now - this.windowMs) / 1000);
    for (const second of this.perSecond.keys()) if (second <= oldest) this.perSecond.delete(second);
  }
}
