/** The log's end of one partition: the offset the next message written to it will get. */
export interface LogEnd {
  partition: number;
  high: number;
}

/**
 * After this long without an answer from the broker, the log counts as unreachable. Longer than
 * a few lag refreshes (one a second), so one slow answer on a busy host does not flag it.
 */
export const LOG_UNREACHABLE_AFTER_MS = 5000;

/** How far a consumer is behind the log, as far as is known, and whether the broker answers. */
export interface LogProgress {
  /** Messages not yet applied, against the log's ends as last known; null until the broker has answered once. */
  lag: number | null;
  /** How long the broker has not answered, once that is longer than LOG_UNREACHABLE_AFTER_MS; null while it answers. */
  unreachableForMs: number | null;
}

/**
 * How far a consumer is behind the log: the log's end per partition, learnt from every fetch and
 * from the broker now and then, against the consumer's positions. While the broker does not
 * answer, the last known ends stand: the state is a consistent state of the log at its positions,
 * only possibly older than the log's end, and `unreachableForMs` says since when.
 */
export class LagTracker {
  private readonly ends = new Map<number, number>();
  private answeredAt: number | undefined;

  /** An end seen in a fetch or a broker's answer; ends only grow, so an older answer never lowers one. */
  observe(partition: number, high: number): void {
    this.ends.set(partition, Math.max(this.ends.get(partition) ?? 0, high));
  }

  /** The broker's answer for every partition. */
  refreshed(ends: LogEnd[], now = Date.now()): void {
    for (const e of ends) this.observe(e.partition, e.high);
    this.answeredAt = now;
  }

  progress(positions: ReadonlyMap<number, number>, now = Date.now()): LogProgress {
    if (this.answeredAt === undefined) return { lag: null, unreachableForMs: null };
    let lag = 0;
    for (const [partition, high] of this.ends) lag += Math.max(0, high - (positions.get(partition) ?? 0));
    const silentMs = now - this.answeredAt;
    return { lag, unreachableForMs: silentMs > LOG_UNREACHABLE_AFTER_MS ? silentMs : null };
  }
}

/** Asks the broker for the log's ends now and every `intervalMs`, one question at a time; a failed question leaves the last answer standing. */
export async function refreshLag(tracker: LagTracker, fetchEnds: () => Promise<LogEnd[]>, intervalMs: number): Promise<{ stop: () => void }> {
  let refreshing = false;
  const refresh = async () => {
    if (refreshing) return;
    refreshing = true;
    try {
      tracker.refreshed(await fetchEnds());
    } catch {
      // The broker is away: progress() reports how long once it has been a while.
    } finally {
      refreshing = false;
    }
  };
  await refresh();
  const timer = setInterval(() => void refresh(), intervalMs);
  return { stop: () => clearInterval(timer) };
}
