import type { ReplicaId, VotingStatsResponse } from '@ftlab/shared';

const WINDOW_MS = 10_000;

/** The voter's counters and recent read latencies, behind GET /voting-stats (Prometheus gets the same from /metrics). */
export class VoteCounters {
  requests = 0;
  agreed = 0;
  notFound = 0;
  noQuorum = 0;
  /** Reads where some replica answered differently from the majority (outlier or lagging). */
  disagreements = 0;
  retries = 0;
  readonly outliers: Record<ReplicaId, number> = { '1': 0, '2': 0, '3': 0 };
  readonly lagging: Record<ReplicaId, number> = { '1': 0, '2': 0, '3': 0 };
  readonly failures: Record<ReplicaId, number> = { '1': 0, '2': 0, '3': 0 };
  private recent: { at: number; ms: number }[] = [];

  latency(ms: number, now = Date.now()): void {
    this.recent.push({ at: now, ms });
    if (this.recent.length > 20_000 || this.recent[0]!.at < now - 2 * WINDOW_MS) this.recent = this.recent.filter((r) => r.at >= now - WINDOW_MS);
  }

  snapshot(now = Date.now()): Omit<VotingStatsResponse, 'membership'> {
    const window = this.recent.filter((r) => r.at >= now - WINDOW_MS).map((r) => r.ms).sort((a, b) => a - b);
    const q = (p: number) => (window.length === 0 ? null : Math.round(window[Math.min(window.length - 1, Math.floor(p * window.length))]! * 100) / 100);
    return {
      requests_total: this.requests,
      quorum_achieved: this.agreed + this.notFound,
      quorum_failed: this.noQuorum,
      not_found: this.notFound,
      quorum_rate: this.requests === 0 ? null : (this.agreed + this.notFound) / this.requests,
      disagreements: this.disagreements,
      retries: this.retries,
      outliers: { ...this.outliers },
      lagging: { ...this.lagging },
      failures: { ...this.failures },
      latency_ms: { window_s: WINDOW_MS / 1000, count: window.length, p50: q(0.5), p95: q(0.95), p99: q(0.99), max: window.at(-1) ?? null },
    };
  }
}
