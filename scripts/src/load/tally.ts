import { LatencyHistogram, type LatencySummary } from '../lib/latency';
import { ratio } from '../lib/ratio';
import type { Sample } from './sample';

/**
 * Aggregates samples into the numbers a report shows. The whole run, each kind of request and
 * each one-second window are all tallies of the same samples, so they are computed one way.
 */

export interface ReadStats {
  reads: number;
  /** Reads answered 200. */
  answered_200: number;
  /** Share of the 200s that carried quorum.agreed (null when no 200 had quorum info). */
  quorum_rate: number | null;
  /** Reads whose answer was compared with the replicas' committed state. */
  judged: number;
  wrong: number;
  /** Reads with an answer that could not be compared (no snapshot majority, check off). */
  unjudged: number;
}

export interface TallySummary {
  /** Requests due in the period: sent + dropped. */
  scheduled: number;
  sent: number;
  dropped: number;
  /** Requests that got an HTTP answer, of any status. */
  answered: number;
  ok: number;
  /** ok / scheduled. */
  success_rate: number | null;
  throughput: { scheduled_rps: number | null; ok_rps: number | null };
  /** By HTTP status, plus "timeout", "network_error" and "dropped" for requests without one. */
  status_codes: Record<string, number>;
  /** Every sent request, from its due time to its end, failures included. */
  latency_ms: LatencySummary;
  reads?: ReadStats;
}

/** Six decimals are enough for a share in a JSON report and keep it readable. */
const share = (part: number, whole: number) => {
  const r = ratio(part, whole);
  return r === null ? null : Math.round(r * 1e6) / 1e6;
};
const rate = (count: number, seconds: number) => (seconds > 0 ? Math.round((count / seconds) * 100) / 100 : null);

export class Tally {
  private scheduled = 0;
  private dropped = 0;
  private answered = 0;
  private ok = 0;
  private readonly codes = new Map<string, number>();
  private readonly latency = new LatencyHistogram();
  private reads = 0;
  private answered200 = 0;
  private quorumKnown = 0;
  private quorumAgreed = 0;
  private judged = 0;
  private wrong = 0;
  private unjudged = 0;

  add(s: Sample): void {
    this.scheduled += 1;
    const code = s.status > 0 ? String(s.status) : s.outcome;
    this.codes.set(code, (this.codes.get(code) ?? 0) + 1);
    if (s.outcome === 'dropped') this.dropped += 1;
    if (s.latencyMs !== null) this.latency.record(s.latencyMs);
    if (s.status > 0) this.answered += 1;
    if (s.ok) this.ok += 1;
    if (s.kind !== 'read') return;
    this.reads += 1;
    if (s.status === 200) this.answered200 += 1;
    if (s.status === 200 && s.quorum !== null) {
      this.quorumKnown += 1;
      if (s.quorum) this.quorumAgreed += 1;
    }
    if (s.wrong === null) {
      if (s.status === 200 || s.status === 404) this.unjudged += 1;
    } else {
      this.judged += 1;
      if (s.wrong) this.wrong += 1;
    }
  }

  /** Percentile so far, for the progress line. */
  latencyPercentile(p: number): number | null {
    return this.latency.percentile(p);
  }

  /** Running counts, cheap enough for a progress line (summary() walks the histogram). */
  counts(): { dropped: number; ok: number; wrong: number } {
    return { dropped: this.dropped, ok: this.ok, wrong: this.wrong };
  }

  /** `seconds`: the length of the period, for the rates. */
  summary(seconds: number): TallySummary {
    return {
      scheduled: this.scheduled,
      sent: this.scheduled - this.dropped,
      dropped: this.dropped,
      answered: this.answered,
      ok: this.ok,
      success_rate: share(this.ok, this.scheduled),
      throughput: { scheduled_rps: rate(this.scheduled, seconds), ok_rps: rate(this.ok, seconds) },
      status_codes: Object.fromEntries([...this.codes].sort(([a], [b]) => a.localeCompare(b))),
      latency_ms: this.latency.summary(),
      ...(this.reads > 0 && {
        reads: {
          reads: this.reads,
          answered_200: this.answered200,
          quorum_rate: share(this.quorumAgreed, this.quorumKnown),
          judged: this.judged,
          wrong: this.wrong,
          unjudged: this.unjudged,
        },
      }),
    };
  }
}

/** Tally of the samples due in [fromMs, toMs): per-phase statistics for the experiment runner. */
export function summarizeSamples(samples: Iterable<Sample>, fromMs = -Infinity, toMs = Infinity): TallySummary {
  const tally = new Tally();
  for (const s of samples) if (s.at >= fromMs && s.at < toMs) tally.add(s);
  return tally.summary(Number.isFinite(toMs - fromMs) ? (toMs - fromMs) / 1000 : 0);
}

export interface WindowSummary extends TallySummary {
  /** Start of the window, seconds after the run's start. */
  start_s: number;
}

/** Consecutive windows of `windowMs` from `startMs`, by due time; empty windows are included as zeros. */
export function windowSummaries(samples: readonly Sample[], startMs: number, durationMs: number, windowMs = 1000): WindowSummary[] {
  const count = Math.max(1, Math.ceil(durationMs / windowMs));
  const tallies = Array.from({ length: count }, () => new Tally());
  for (const s of samples) {
    const index = Math.floor((s.at - startMs) / windowMs);
    tallies[Math.min(Math.max(index, 0), count - 1)]!.add(s);
  }
  return tallies.map((t, index) => ({ start_s: (index * windowMs) / 1000, ...t.summary(windowMs / 1000) }));
}
