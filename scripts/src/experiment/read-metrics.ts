import { summarizeLatencies } from '../lib/latency';
import { ratio } from '../lib/ratio';

/**
 * Read-side quality of a stretch of the run, from the load generator's per-request samples.
 * Our own sample shape (experiment/load.ts fills it from the load generator's samples), so these
 * pure functions do not depend on the load generator's exact types.
 */
export interface ReadSample {
  /** Epoch ms (local clock) the request was due: open-loop schedule time, so queueing counts as latency. */
  at: number;
  /** null when the request was never sent (the generator dropped it): a failure without a latency. */
  latencyMs: number | null;
  /** HTTP status, or 0 when there was no response (connection refused, client timeout). */
  status: number;
  /** The voter answered with an agreed 2-of-3 majority. */
  quorum: boolean;
  /** Answered with a value other than the one the honest replicas hold; null when it could not be judged. */
  wrong: boolean | null;
}

export interface TimeWindow {
  /** Epoch ms, local clock, inclusive. */
  start: number;
  /** Epoch ms, local clock, exclusive. */
  end: number;
}

export interface ReadMetrics {
  reads: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  max_ms: number | null;
  /** Share of reads answered 2xx. */
  availability: number | null;
  /** Share of reads answered by an agreed majority. */
  quorum_rate: number | null;
  wrong_answers: number;
  /** 2xx answers the wrong-answer check could not judge: "0 wrong" only means something if this is small. */
  unjudged_answers: number;
}

const isSuccess = (s: ReadSample) => s.status >= 200 && s.status < 300;

export function samplesIn(samples: readonly ReadSample[], window: TimeWindow): ReadSample[] {
  return samples.filter((s) => s.at >= window.start && s.at < window.end);
}

/** Samples inside any of the windows (a sample in two overlapping windows counts once). */
export function samplesInAny(samples: readonly ReadSample[], windows: readonly TimeWindow[]): ReadSample[] {
  return samples.filter((s) => windows.some((w) => s.at >= w.start && s.at < w.end));
}

/** Latency percentiles (lib/latency.ts) of the reads that have a latency. */
const latenciesOf = (samples: readonly ReadSample[]) => summarizeLatencies(samples.flatMap((s) => (s.latencyMs === null ? [] : [s.latencyMs])));

/** Latency percentiles over every read, failed ones included: a fast 503 is still what the client waited. */
export function readMetrics(samples: readonly ReadSample[]): ReadMetrics {
  const latency = latenciesOf(samples);
  return {
    reads: samples.length,
    p50_ms: latency.p50_ms,
    p95_ms: latency.p95_ms,
    p99_ms: latency.p99_ms,
    max_ms: latency.max_ms,
    availability: ratio(samples.filter(isSuccess).length, samples.length),
    quorum_rate: ratio(samples.filter((s) => s.quorum).length, samples.length),
    wrong_answers: samples.filter((s) => s.wrong === true).length,
    unjudged_answers: samples.filter((s) => isSuccess(s) && s.wrong === null).length,
  };
}

export interface LatencyBucket {
  /** Start of the bucket, ms since the timeline's origin. */
  offsetMs: number;
  count: number;
  /** Percentiles of the reads that have a latency; 0 when none has (every read in the bucket was dropped). */
  p50_ms: number;
  p99_ms: number;
  /** Reads in the bucket not answered 2xx. */
  failures: number;
}

/** Per-bucket p50/p99 for the timeline chart; empty buckets are left out (a gap, not a zero). */
export function latencyBuckets(samples: readonly ReadSample[], origin: number, bucketMs: number): LatencyBucket[] {
  if (bucketMs <= 0) throw new Error(`bucket width must be positive, got ${bucketMs}`);
  const buckets = new Map<number, ReadSample[]>();
  for (const s of samples) {
    if (s.at < origin) continue;
    const index = Math.floor((s.at - origin) / bucketMs);
    let bucket = buckets.get(index);
    if (!bucket) buckets.set(index, (bucket = []));
    bucket.push(s);
  }
  return [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, members]) => {
      const latency = latenciesOf(members);
      return {
        offsetMs: index * bucketMs,
        count: members.length,
        p50_ms: latency.p50_ms ?? 0,
        p99_ms: latency.p99_ms ?? 0,
        failures: members.filter((s) => !isSuccess(s)).length,
      };
    });
}
