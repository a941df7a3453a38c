import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { latencyBuckets, readMetrics, samplesIn, samplesInAny, type ReadSample } from './read-metrics';

const ok = (at: number, latencyMs: number): ReadSample => ({ at, latencyMs, status: 200, quorum: true, wrong: false });

describe('readMetrics', () => {
  test('counts availability, quorum and wrong answers over every read', () => {
    const samples: ReadSample[] = [
      ...Array.from({ length: 96 }, (_, i) => ok(i, 2)),
      { at: 96, latencyMs: 1, status: 503, quorum: false, wrong: false },
      { at: 97, latencyMs: 5000, status: 0, quorum: false, wrong: false },
      { at: 98, latencyMs: 3, status: 200, quorum: false, wrong: false },
      { at: 99, latencyMs: 3, status: 200, quorum: true, wrong: true },
      { at: 100, latencyMs: null, status: 0, quorum: false, wrong: null },
      { at: 101, latencyMs: 2, status: 200, quorum: true, wrong: null },
    ];
    const m = readMetrics(samples);
    assert.equal(m.reads, 102);
    // The dropped read (no latency) counts as unavailable; the unjudged one as available.
    assert.equal(m.availability, 99 / 102);
    assert.equal(m.quorum_rate, 98 / 102);
    assert.equal(m.wrong_answers, 1);
    assert.equal(m.unjudged_answers, 1);
    assert.equal(m.max_ms, 5000);
    assert.equal(m.p50_ms, 2);
    // 101 latencies (the dropped read has none): p99 is rank 100 of 101, a 3 ms read, given as
    // the upper end of its histogram bucket (within 0.1 %, see lib/latency.ts).
    assert.ok(m.p99_ms! >= 3 && m.p99_ms! <= 3.003, `p99 ${m.p99_ms}`);
  });

  test('no reads: nulls, never a perfect score', () => {
    assert.deepEqual(readMetrics([]), {
      reads: 0,
      p50_ms: null,
      p95_ms: null,
      p99_ms: null,
      max_ms: null,
      availability: null,
      quorum_rate: null,
      wrong_answers: 0,
      unjudged_answers: 0,
    });
  });
});

describe('windows', () => {
  const samples = [ok(100, 1), ok(200, 1), ok(300, 1), ok(400, 1)];

  test('start is inclusive, end exclusive', () => {
    assert.deepEqual(samplesIn(samples, { start: 200, end: 400 }).map((s) => s.at), [200, 300]);
  });

  test('a sample inside two overlapping windows counts once', () => {
    const inAny = samplesInAny(samples, [
      { start: 100, end: 301 },
      { start: 300, end: 500 },
    ]);
    assert.deepEqual(inAny.map((s) => s.at), [100, 200, 300, 400]);
  });
});

describe('latencyBuckets', () => {
  test('groups by bucket from the origin, skips empty buckets and counts failures', () => {
    const samples: ReadSample[] = [ok(1000, 1), ok(1100, 3), { ...ok(1300, 9), status: 503 }, ok(1800, 4), ok(500, 100)];
    const buckets = latencyBuckets(samples, 1000, 250);
    assert.deepEqual(
      buckets.map((b) => [b.offsetMs, b.count, b.failures, b.p50_ms]),
      [
        // Nearest rank: the median of 1 ms and 3 ms is the 1 ms read, not a 2 ms nobody waited.
        [0, 2, 0, 1],
        [250, 1, 1, 9],
        [750, 1, 0, 4],
      ],
    );
  });

  test('a bucket of dropped reads has a failure count and no latency', () => {
    const [bucket] = latencyBuckets([{ at: 0, latencyMs: null, status: 0, quorum: false, wrong: null }], 0, 250);
    assert.deepEqual(bucket, { offsetMs: 0, count: 1, p50_ms: 0, p99_ms: 0, failures: 1 });
  });

  test('refuses a zero bucket width', () => {
    assert.throws(() => latencyBuckets([], 0, 0), /positive/);
  });
});
