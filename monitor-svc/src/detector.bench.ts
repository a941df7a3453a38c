/**
 * Virtual-time simulation of the failure detector, shared by detector.test.ts (which asserts on it) and
 * runnable on its own to print the numbers: `npx tsc -b && node monitor-svc/dist/detector.bench.js`.
 *
 * Model. The monitor probes, waits min(latency, timeout), feeds the result, then waits nextProbeDelayMs.
 * A healthy /health answers in a few ms (log-normal, median 3 ms, with a 1 % tail of 20-80 ms load spikes)
 * and the process freezes for GC pauses of 100-200 ms, on average every 10 s; a probe that arrives during a
 * pause is answered when it ends. Faults start at a uniformly random instant after a 2 s warm-up, so at a
 * random phase of the probe schedule; a probe sent before the fault start sees a healthy replica.
 */
import {
  DEFAULT_DETECTOR_CONFIG,
  initialDetectorState,
  nextProbeDelayMs,
  observeHint,
  observeProbe,
  probeTimeoutMs,
  type DetectorConfig,
  type DetectorState,
  type ProbeResult,
} from './detector';

export type Rng = () => number;

/** mulberry32: a tiny seeded PRNG, so every simulated run is reproducible. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const uniform = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng();
const exponential = (rng: Rng, mean: number) => -mean * Math.log(1 - rng());
function normal(rng: Rng): number {
  // Box-Muller; 1 - rng() keeps the log argument in (0, 1].
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/** What a replica does with a probe sent at time `t`: how long it takes to answer, or how it fails. */
export type Server = (t: number) => { ok: true; latencyMs: number } | { ok: false; cause: 'crash' | 'http_error'; latencyMs: number };

export interface HealthyOptions {
  /** Independent probability that a probe fails with a 5xx or reset for no lasting reason. */
  failureProbability: number;
  /** Mean time between GC pauses. */
  meanPauseGapMs: number;
  pauseMinMs: number;
  pauseMaxMs: number;
}

export const HEALTHY: HealthyOptions = { failureProbability: 0.01, meanPauseGapMs: 10_000, pauseMinMs: 100, pauseMaxMs: 200 };

/** A fault-free replica under load. Calls must come with non-decreasing `t` (the pause schedule advances). */
export function healthyServer(rng: Rng, opts: HealthyOptions = HEALTHY): Server {
  let pauseStart = exponential(rng, opts.meanPauseGapMs);
  let pauseEnd = pauseStart + uniform(rng, opts.pauseMinMs, opts.pauseMaxMs);
  return (t) => {
    while (t >= pauseEnd) {
      pauseStart = pauseEnd + exponential(rng, opts.meanPauseGapMs);
      pauseEnd = pauseStart + uniform(rng, opts.pauseMinMs, opts.pauseMaxMs);
    }
    const base = rng() < 0.01 ? uniform(rng, 20, 80) : 3 * Math.exp(0.5 * normal(rng));
    const latencyMs = (t >= pauseStart ? pauseEnd - t : 0) + base;
    if (rng() < opts.failureProbability) return { ok: false, cause: 'http_error', latencyMs: base };
    return { ok: true, latencyMs };
  };
}

export type Fault = 'crash' | 'latency' | 'intermittent';

/** The replica after the fault started; `healthy` serves the probes an intermittent fault lets through. */
export function faultyServer(fault: Fault, rng: Rng, healthy: Server): Server {
  switch (fault) {
    case 'crash':
      return () => ({ ok: false, cause: 'crash', latencyMs: 1 }); // connection refused at once
    case 'latency':
      return (t) => {
        const h = healthy(t);
        return { ok: true, latencyMs: 1200 * uniform(rng, 0.8, 1.2) + h.latencyMs };
      };
    case 'intermittent':
      return (t) => (rng() < 0.5 ? { ok: false, cause: 'http_error', latencyMs: 2 } : healthy(t));
  }
}

/** One probe as the monitor sees it: the server's answer, cut at the timeout. */
function probe(server: Server, t: number, timeoutMs: number): ProbeResult {
  const r = server(t);
  if (r.latencyMs >= timeoutMs) return { ok: false, cause: 'timeout', latencyMs: timeoutMs };
  return r;
}

/**
 * Reads the voter sends this replica while clients are reading (one per client read): a failed or
 * late one is reported to the monitor, at most once per `minGapMs`, arriving `delayMs` later.
 */
export interface PassiveReads {
  intervalMs: number;
  deadlineMs: number;
  minGapMs: number;
  delayMs: number;
}

/** The experiment's standard load: 50 reads/s, the voter's 300 ms deadline, its 50 ms report spacing. */
export const STANDARD_LOAD: PassiveReads = { intervalMs: 20, deadlineMs: 300, minGapMs: 50, delayMs: 20 };

/**
 * Runs the probe loop from time 0 until `onOff` (called at each OFF transition) returns true or time
 * passes `endMs`. With `passive`, the voter's reports of failed reads arrive as hints: each one
 * wakes a waiting probe loop at once and speeds up the next probes (see observeHint).
 */
function run(
  config: Readonly<DetectorConfig>,
  serverAt: (t: number) => Server,
  state: DetectorState,
  endMs: number,
  onOff: (t: number, s: DetectorState) => boolean,
  passive?: PassiveReads,
): { t: number; state: DetectorState } {
  let t = 0;
  let nextRead = passive ? 0 : Infinity;
  let lastReport = -Infinity;
  const hints: number[] = [];
  const readUntil = (until: number) => {
    for (; passive && nextRead < until; nextRead += passive.intervalMs) {
      const r = probe(serverAt(nextRead), nextRead, passive.deadlineMs);
      const at = nextRead + r.latencyMs + passive.delayMs;
      if (!r.ok && at - lastReport >= passive.minGapMs) {
        hints.push(at);
        lastReport = at;
      }
    }
    hints.sort((a, b) => a - b);
  };
  while (t < endMs) {
    const result = probe(serverAt(t), t, probeTimeoutMs(state, config));
    t += result.latencyMs;
    readUntil(t + config.intervalMs);
    while (hints.length > 0 && hints[0]! <= t) {
      hints.shift();
      state = observeHint(state, config);
    }
    const step = observeProbe(state, result, config);
    state = step.state;
    if (step.transition?.to === 'OFF' && onOff(t, state)) break;
    const next = t + nextProbeDelayMs(state, config);
    // A hint during the wait wakes the loop: the next probe goes out when the hint arrives.
    if (hints.length > 0 && hints[0]! < next) {
      t = hints.shift()!;
      state = observeHint(state, config);
    } else {
      t = next;
    }
  }
  return { t, state };
}

export interface DetectionRun {
  /** Time from fault start to OFF, per trial, in ms. */
  ttdMs: number[];
  /** The cause the detector gave, per trial. */
  causes: string[];
}

/**
 * `trials` independent runs: a replica is healthy (warmed up, no random failures, so the measured time is
 * the fault's) then the fault starts at 2 s + U(0, intervalMs). Measures fault start → OFF.
 */
export function simulateDetection(
  fault: Fault,
  trials: number,
  seed: number,
  config: Readonly<DetectorConfig> = DEFAULT_DETECTOR_CONFIG,
  passive?: PassiveReads,
): DetectionRun {
  const rng = mulberry32(seed);
  const ttdMs: number[] = [];
  const causes: string[] = [];
  for (let i = 0; i < trials; i++) {
    const healthy = healthyServer(rng, { ...HEALTHY, failureProbability: 0 });
    const faulty = faultyServer(fault, rng, healthy);
    const faultStart = 2000 + uniform(rng, 0, config.intervalMs);
    run(config, (t) => (t < faultStart ? healthy : faulty), initialDetectorState('ON'), faultStart + 60_000, (t, s) => {
      if (t < faultStart) throw new Error(`false OFF during warm-up at ${t.toFixed(0)} ms`);
      ttdMs.push(t - faultStart);
      causes.push(s.offCause ?? 'none');
      return true;
    }, passive);
    if (ttdMs.length !== i + 1) throw new Error(`${fault}: not detected within 60 s`);
  }
  return { ttdMs, causes };
}

/** A fault-free replica (HEALTHY by default) probed for `durationMs`: returns how often it went OFF. */
export function simulateFalseOffs(
  durationMs: number,
  seed: number,
  config: Readonly<DetectorConfig> = DEFAULT_DETECTOR_CONFIG,
  opts: HealthyOptions = HEALTHY,
  passive?: PassiveReads,
): { falseOffs: number; probes: number } {
  const rng = mulberry32(seed);
  const server = healthyServer(rng, opts);
  let falseOffs = 0;
  let probes = 0;
  const counting: Server = (t) => {
    probes++;
    return server(t);
  };
  run(config, () => counting, initialDetectorState('ON'), durationMs, () => {
    falseOffs++;
    return false; // keep going: it recovers after recoveryThreshold healthy probes
  }, passive);
  return { falseOffs, probes };
}

/** Nearest-rank quantile. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const v = sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  if (v === undefined) throw new Error('quantile of no values');
  return v;
}

/** The seed rule, for comparison: 3 in a row, fixed 1 s timeout, 200 ms interval, no window, no suspicion. */
export const SEED_RULE: Readonly<DetectorConfig> = Object.freeze({
  intervalMs: 200,
  suspectIntervalMs: 200,
  failureThreshold: 3,
  windowSize: 1,
  windowFailures: 2, // unreachable: the window rule is off
  recoveryThreshold: 5,
  minTimeoutMs: 1000,
  maxTimeoutMs: 1000,
  timeoutDeviations: 0,
});

/** p50/p99 time-to-detect per fault, as printed by the bench and the test. */
export function ttdReport(
  config: Readonly<DetectorConfig>,
  trials = 2000,
  seed = 42,
  passive?: PassiveReads,
): Record<Fault, { p50: number; p99: number; max: number }> {
  const out = {} as Record<Fault, { p50: number; p99: number; max: number }>;
  for (const fault of ['crash', 'latency', 'intermittent'] as const) {
    const { ttdMs } = simulateDetection(fault, trials, seed, config, passive);
    out[fault] = { p50: quantile(ttdMs, 0.5), p99: quantile(ttdMs, 0.99), max: quantile(ttdMs, 1) };
  }
  return out;
}

if (require.main === module) {
  const hours = Number(process.argv[2] ?? 100);
  for (const [name, config, passive] of [
    ['default, standard load (50 reads/s reported by the voter)', DEFAULT_DETECTOR_CONFIG, STANDARD_LOAD],
    ['default, probes only (no client traffic)', DEFAULT_DETECTOR_CONFIG, undefined],
    ['seed rule', SEED_RULE, undefined],
  ] as const) {
    console.log(name);
    for (const [fault, q] of Object.entries(ttdReport(config, 2000, 42, passive))) {
      const f = (v: number) => v.toFixed(0).padStart(5);
      console.log(`  ${fault.padEnd(12)} TTD ms over 2000 trials: p50 ${f(q.p50)}  p99 ${f(q.p99)}  max ${f(q.max)}`);
    }
    const fp = simulateFalseOffs(hours * 3_600_000, 7, config, HEALTHY, passive);
    const rate = (fp.probes / (hours * 3600)).toFixed(1);
    console.log(`  healthy (1 % failures, GC pauses): ${fp.falseOffs} false OFF in ${hours} h = ${(fp.falseOffs / hours).toFixed(3)}/h at ${rate} probes/s`);
  }
}
