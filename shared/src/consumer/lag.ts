/** The log's end of one partition: the offset the next message written to it will get. */
export interface LogEnd {
  partition: number;
  high: number;
}

/**
 * How far a consumer is behind the log: the log's end per partition, learnt from every fetch and
 * from the broker now and then, against the consumer's positions. Unknown (null) until the broker
 * has answered, and again while it does not.
 */
export class LagTracker {
  private readonly ends = new Map<number, number>();
  private answered = false;

  /** An end seen in a fetch or a broker's answer; ends only grow, so an older answer never lowers one. */
  observe(partition: number, high: number): void {
    this.ends.set(partition, Math.max(this.ends.get(partition) ?? 0, high));
  }

  /** The broker's answer for every partition. */
  refreshed(ends: LogEnd[]): void {
    for (const e of ends) this.observe(e.partition, e.high);
    this.answered = true;
  }

  /** The broker did not answer: the lag is unknown until it does. */
  unanswered(): void {
    this.answered = false;
  }

  /** Messages in the log not yet applied, summed over partitions; null while the broker has not answered. */
  lag(positions: ReadonlyMap<number, number>): number | null {
    if (!this.answered) return null;
    let lag = 0;
    for (const [partition, high] of this.ends) lag += Math.max(0, high - (positions.get(partition) ?? 0));
    return lag;
  }
}

/** Asks the broker for the log's ends now and every `intervalMs`, one question at a time. */
export async function refreshLag(tracker: LagTracker, fetchEnds: () => Promise<LogEnd[]>, intervalMs: number): Promise<{ stop: () => void }> {
  let refreshing = false;
  const refresh = async () => {
    if (refreshing) return;
    refreshing = true;
    try {
      tracker.refreshed(await fetchEnds());
    } catch {
      tracker.unanswered();
    } finally {
      refreshing = false;
    }
  };
  await refresh();
  const timer = setInterval(() => void refresh(), intervalMs);
  return { stop: () => clearInterval(timer) };
}
