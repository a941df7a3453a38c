/**
 * Virtual-time simulation of the failure detector, shared by detector.test.ts (which asserts on it) and
 * runnable on its own to print the numbers: `npx tsc -b && node monitor-svc/dist/detector.bench.js 20`.
 *
 * Model. One monitor probes three replicas, each on its own loop, exactly as watcher.ts and prober.ts do:
 * a probe is a round of probe-round.ts (hedged requests, a deadline stretched by the host's delay from
 * host-contention.ts), its result goes to observeProbe, and the next round starts nextProbeDelayMs later.
 * A healthy /health answers in a few ms (log-normal, median 3 ms, with a 1 % tail of 20-80 ms load spikes)
 * and each replica freezes for GC pauses of 100-200 ms, on average every 10 s; a request that arrives during
 * a pause is answered when it ends. With CONTENTION, the host stalls in bursts of 100-800 ms (a CPU hog
 * competing for the cores): the monitor and every replica stop at the burst's start and each resumes at its
 * own random point in the burst's second half, so the monitor often runs again while a replica is still
 * stalled. A monitor timer due during its own stall fires when it resumes, before the answers waiting in its
 * sockets (Node runs timers before I/O). Faults start at a uniformly random instant after a 2 s warm-up, so
 * at a random phase of the probe schedule.
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
import { HostEvidence, NO_HOST_DELAY } from './host-contention';
import { roundStep } from './probe-round';

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

/** How a replica answers a request that reaches its process at `t`; null: accepted, never answered (frozen). */
export type Answer = { ok: true; latencyMs: number } | { ok: false; cause: 'crash' | 'http_error'; latencyMs: number };
export type Server = (t: number) => Answer | null;

export interface HealthyOptions {
  /** Independent probability that a request fails with a 5xx or reset for no lasting reason. */
  failureProbability: number;
  /** Mean time between GC pauses. */
  meanPauseGapMs: number;
  pauseMinMs: number;
  pauseMaxMs: number;
}

export const HEALTHY: HealthyOptions = { failureProbability: 0.01, meanPauseGapMs: 10_000, pauseMinMs: 100, pauseMaxMs: 200 };

/** A fault-free replica under load. Calls should come with non-decreasing `t` (the pause schedule advances). */
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

export const FAULTS = ['crash', 'latency', 'intermittent', 'frozen'] as const;
export type Fault = (typeof FAULTS)[number];

/** The replica after the fault started; `healthy` serves the requests an intermittent fault lets through. */
export function faultyServer(fault: Fault, rng: Rng, healthy: Server): Server {
  switch (fault) {
    case 'crash':
      return () => ({ ok: false, cause: 'crash', latencyMs: 1 }); // connection refused at once, by the kernel
    case 'latency':
      return (t) => {
        const h = healthy(t);
        return { ok: true, latencyMs: 1200 * uniform(rng, 0.8, 1.2) + (h?.latencyMs ?? 0) };
      };
    case 'intermittent':
      return (t) => (rng() < 0.5 ? { ok: false, cause: 'http_error', latencyMs: 2 } : healthy(t));
    case 'frozen':
      return () => null; // SIGSTOP: the kernel accepts the connection, nobody reads it
  }
}

export interface ContentionOptions {
  /** Mean gap between the end of one burst and the start of the next. */
  meanGapMs: number;
  minMs: number;
  maxMs: number;
  /** The monitor resumes at a uniformly random fraction of the burst in this range. */
  monitorResume: readonly [number, number];
  /** Each replica resumes at its own uniformly random fraction of the burst in this range. */
  replicaResume: readonly [number, number];
}

/** Two busy loops on two cores beside the system: stalls of 100-800 ms every few seconds. */
export const CONTENTION: ContentionOptions = { meanGapMs: 3000, minMs: 100, maxMs: 800, monitorResume: [0.5, 1], replicaResume: [0.5, 1] };

/**
 * The same bursts, shared unevenly, as the soak with a CPU hog showed on 2026-12-03: the monitor,
 * a light process, gets a core back early, and a busy replica can stay stalled several times
 * longer than the monitor and its fastest peer (665 ms of silence against a 124 ms monitor stall
 * and 88 ms from the fastest peer). Hedged rounds judged against the host alone convict here.
 */
export const UNEVEN_CONTENTION: ContentionOptions = { ...CONTENTION, monitorResume: [0.15, 0.5], replicaResume: [0.15, 1] };

/** Process 0 is the monitor, 1..3 the replicas. */
const MONITOR = 0;
const PROCESSES = 4;

/** When each process may run: bursts of contention, generated lazily as time advances. */
class Host {
  private bursts: { start: number; resume: number[] }[] = [];
  private nextStart: number;

  constructor(
    private readonly rng: Rng,
    private readonly opts: ContentionOptions | undefined,
  ) {
    this.nextStart = opts ? exponential(rng, opts.meanGapMs) : Infinity;
  }

  /** The earliest time at or after `t` at which process `p` runs. */
  ready(p: number, t: number): number {
    const opts = this.opts;
    if (!opts) return t;
    while (this.nextStart <= t) {
      const start = this.nextStart;
      const length = uniform(this.rng, opts.minMs, opts.maxMs);
      const resume = Array.from({ length: PROCESSES }, (_, p) => {
        const [from, to] = p === MONITOR ? opts.monitorResume : opts.replicaResume;
        return start + length * uniform(this.rng, from, to);
      });
      this.bursts.push({ start, resume });
      this.nextStart = start + length + exponential(this.rng, opts.meanGapMs);
      if (this.bursts.length > 8) this.bursts.shift();
    }
    for (const b of this.bursts) if (t >= b.start && t < b.resume[p]!) return b.resume[p]!;
    return t;
  }
}

/** Events in virtual time; at equal times timers run before I/O, as in Node's event loop. */
class Clock {
  private heap: { at: number; order: number; run: (at: number) => void }[] = [];
  private seq = 0;
  now = 0;

  at(time: number, kind: 'timer' | 'io', run: (at: number) => void): void {
    // order: timers first at equal times, then insertion order.
    const item = { at: time, order: (kind === 'timer' ? 0 : 1) * 1e12 + this.seq++, run };
    const h = this.heap;
    h.push(item);
    for (let i = h.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  /** Runs events in order until none is left, one is past `endMs`, or `stop()` is true. */
  runUntil(endMs: number, stop: () => boolean): void {
    const h = this.heap;
    while (h.length > 0 && !stop()) {
      const top = h[0]!;
      if (top.at > endMs) break;
      const last = h.pop()!;
      if (h.length > 0) {
        h[0] = last;
        for (let i = 0; ; ) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < h.length && before(h[l]!, h[m]!)) m = l;
          if (r < h.length && before(h[r]!, h[m]!)) m = r;
          if (m === i) break;
          [h[i], h[m]] = [h[m]!, h[i]!];
          i = m;
        }
      }
      this.now = top.at;
      top.run(top.at);
    }
  }
}
const before = (a: { at: number; order: number }, b: { at: number; order: number }) => a.at < b.at || (a.at === b.at && a.order < b.order);

/**
 * Reads the voter sends each replica while clients are reading (one per client read): a failed or
 * late one is reported to the monitor, at most once per `minGapMs`, arriving `delayMs` later.
 * Late is past `deadlineMs`, or with `straggler` (voter-svc's straggler.ts) still silent
 * `peerFactor` times as long as the slower of two peers that answered, and at least `floorMs`.
 */
export interface PassiveReads {
  intervalMs: number;
  deadlineMs: number;
  straggler?: { floorMs: number; peerFactor: number };
  minGapMs: number;
  delayMs: number;
}

/** The experiment's standard load: 50 reads/s, the voter's 300 ms deadline, its 50 ms straggler floor and report spacing. */
export const STANDARD_LOAD: PassiveReads = { intervalMs: 20, deadlineMs: 300, straggler: { floorMs: 50, peerFactor: 5 }, minGapMs: 50, delayMs: 20 };
/** The same load as the voter reported it before straggler reports: only at the round's deadline. */
export const DEADLINE_REPORTS_LOAD: PassiveReads = { intervalMs: 20, deadlineMs: 300, minGapMs: 50, delayMs: 20 };

interface Scenario {
  config: Readonly<DetectorConfig>;
  /** The server of replica `r` (1..3) for a request reaching it at `t`. */
  serverAt: (r: number, t: number) => Server;
  host: Host;
  passive?: PassiveReads;
  /** Called at each OFF transition of replica `r`; returning true ends the run. */
  onOff: (r: number, t: number, s: DetectorState) => boolean;
  endMs: number;
}

/** Runs the monitor and its three replicas until `onOff` says stop or time passes `endMs`. */
function run(sc: Scenario): void {
  const { config, host } = sc;
  const clock = new Clock();
  const hostAware = config.hostDelayFactor > 0;
  const evidence = new HostEvidence(config.hostLookbackMs + config.maxProbeWaitMs);
  let stopped = false;
  // Monitor timers fire when the monitor runs; answers are read when it runs, after its due timers.
  const timer = (due: number, fn: (now: number, due: number) => void) => clock.at(host.ready(MONITOR, due), 'timer', (now) => fn(now, due));
  const io = (at: number, fn: (now: number) => void) => clock.at(host.ready(MONITOR, at), 'io', fn);
  /** When replica `r` answers a request sent at `t`; null if never. */
  const answer = (r: number, t: number): { at: number; answer: Answer } | null => {
    const arrives = host.ready(r, t);
    const a = sc.serverAt(r, arrives)(arrives);
    if (a === null) return null;
    // A refused connection is the kernel's answer: it does not wait for the (dead) process.
    return { at: (!a.ok && a.cause === 'crash' ? t : arrives) + a.latencyMs, answer: a };
  };

  const hints: (() => void)[] = [];
  for (let r = 1; r <= 3; r++) {
    const id = `replica-${r}`;
    let state = initialDetectorState('ON');
    let round = 0;
    let sleeping: number | null = null; // the round the pending wake-up timer would start
    const settle = (now: number, result: ProbeResult) => {
      const step = observeProbe(state, result, config);
      state = step.state;
      if (step.transition?.to === 'OFF' && sc.onOff(r, now, state)) stopped = true;
      const next = ++round;
      sleeping = next;
      timer(now + nextProbeDelayMs(state, config), (t) => sleeping === next && startRound(t));
    };
    const startRound = (startedAt: number) => {
      sleeping = null;
      const mine = ++round;
      const timeoutMs = probeTimeoutMs(state, config);
      let sent = 0;
      const open = () => round === mine;
      const send = (now: number) => {
        sent++;
        const record = evidence.sent(id, now);
        const a = answer(r, now);
        if (a === null) return;
        io(a.at, (t) => {
          if (a.answer.ok) evidence.answered(record, t);
          else evidence.discard(record);
          if (!open()) return;
          const latencyMs = t - record.sentAt;
          settle(t, a.answer.ok ? { ok: true, latencyMs } : { ok: false, cause: a.answer.cause, latencyMs });
        });
      };
      const wake = (now: number, due: number) => {
        evidence.lag(now, now - due);
        if (!open()) return;
        const delay = hostAware ? evidence.delay(id, startedAt - config.hostLookbackMs, now) : NO_HOST_DELAY;
        const step = roundStep({ startedAt, timeoutMs, sent }, now, now - due, delay, config);
        if (step.action === 'give-up') return settle(now, { ok: false, cause: 'timeout', latencyMs: now - startedAt, unanswered: step.unanswered, contended: step.contended });
        if (step.hedge) send(now);
        // Due now: after the answers already waiting, as setTimeout(0) in prober.ts.
        if (step.wakeAt <= now) clock.at(now, 'io', (t) => wake(t, now));
        else timer(step.wakeAt, wake);
      };
      send(startedAt);
      wake(startedAt, startedAt);
    };
    const hint = () => {
      state = observeHint(state, config);
      // A hint wakes a loop waiting between probes; a probe in flight is left to finish.
      if (sleeping !== null) startRound(clock.now);
    };
    timer(uniform(mulberry32(r), 0, config.intervalMs), startRound);
    hints.push(hint);
  }

  // The voter reads all three replicas at once; a replica failing, or silent past its deadline or
  // well after its peers answered (voter-svc's straggler.ts), is reported.
  const passive = sc.passive;
  if (passive) {
    const lastReport = [-Infinity, -Infinity, -Infinity];
    const read = (t: number) => {
      const latencies = [1, 2, 3].map((r) => {
        const a = answer(r, t);
        return { failed: a === null || !a.answer.ok, latency: a === null ? Infinity : a.at - t };
      });
      latencies.forEach(({ failed, latency }, i) => {
        const peers = latencies.filter((_, j) => j !== i && !latencies[j]!.failed).map((p) => p.latency);
        const straggler = passive.straggler && peers.length === 2 ? Math.max(passive.straggler.floorMs, passive.straggler.peerFactor * Math.max(...peers)) : Infinity;
        const reportAfter = Math.min(passive.deadlineMs, straggler);
        if (!failed && latency < reportAfter) return;
        const at = t + Math.min(latency, reportAfter) + passive.delayMs;
        if (at - lastReport[i]! < passive.minGapMs) return;
        lastReport[i] = at;
        io(at, hints[i]!);
      });
      clock.at(t + passive.intervalMs, 'io', read);
    };
    clock.at(0, 'io', read);
  }
  if (hostAware) {
    const SAMPLE_MS = 20; // prober.ts's watchMonitorLag
    const sample = (now: number, due: number) => {
      evidence.lag(now, now - due);
      timer(now + SAMPLE_MS, sample);
    };
    timer(SAMPLE_MS, sample);
  }
  clock.runUntil(sc.endMs, () => stopped);
}

export interface DetectionRun {
  /** Time from fault start to OFF, per trial, in ms. */
  ttdMs: number[];
  /** The cause the detector gave, per trial. */
  causes: string[];
}

/**
 * `trials` independent runs: replica 1 is healthy (warmed up, no random failures, so the measured time is
 * the fault's) then the fault starts at 2 s + U(0, intervalMs). Measures fault start → OFF.
 */
export function simulateDetection(
  fault: Fault,
  trials: number,
  seed: number,
  config: Readonly<DetectorConfig> = DEFAULT_DETECTOR_CONFIG,
  passive?: PassiveReads,
  contention?: ContentionOptions,
): DetectionRun {
  const rng = mulberry32(seed);
  const ttdMs: number[] = [];
  const causes: string[] = [];
  const quiet = { ...HEALTHY, failureProbability: 0 };
  for (let i = 0; i < trials; i++) {
    const servers = [healthyServer(rng, quiet), healthyServer(rng, quiet), healthyServer(rng, quiet)];
    const faulty = faultyServer(fault, rng, servers[0]!);
    const faultStart = 2000 + uniform(rng, 0, config.intervalMs);
    run({
      config,
      host: new Host(rng, contention),
      passive,
      endMs: faultStart + 60_000,
      serverAt: (r, t) => (r === 1 && t >= faultStart ? faulty : servers[r - 1]!),
      onOff: (r, t, s) => {
        if (r !== 1) return false; // a peer's rare false OFF is counted by simulateFalseOffs
        if (t < faultStart) throw new Error(`false OFF during warm-up at ${t.toFixed(0)} ms`);
        ttdMs.push(t - faultStart);
        causes.push(s.offCause ?? 'none');
        return true;
      },
    });
    if (ttdMs.length !== i + 1) throw new Error(`${fault}: not detected within 60 s`);
  }
  return { ttdMs, causes };
}

/** Three fault-free replicas (HEALTHY by default) probed for `durationMs`: how often one of them went OFF. */
export function simulateFalseOffs(
  durationMs: number,
  seed: number,
  config: Readonly<DetectorConfig> = DEFAULT_DETECTOR_CONFIG,
  opts: HealthyOptions = HEALTHY,
  passive?: PassiveReads,
  contention?: ContentionOptions,
): { falseOffs: number; byCause: Partial<Record<string, number>>; probes: number } {
  const rng = mulberry32(seed);
  let probes = 0;
  const servers = [1, 2, 3].map((): Server => {
    const s = healthyServer(rng, opts);
    return (t) => {
      probes++;
      return s(t);
    };
  });
  let falseOffs = 0;
  const byCause: Partial<Record<string, number>> = {};
  run({
    config,
    host: new Host(rng, contention),
    passive,
    endMs: durationMs,
    serverAt: (r) => servers[r - 1]!,
    onOff: (_r, _t, s) => {
      falseOffs++;
      byCause[s.offCause ?? 'none'] = (byCause[s.offCause ?? 'none'] ?? 0) + 1;
      return false; // keep going: it recovers after recoveryThreshold healthy probes
    },
  });
  return { falseOffs, byCause, probes };
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
  ...DEFAULT_DETECTOR_CONFIG,
  intervalMs: 200,
  suspectIntervalMs: 200,
  failureThreshold: 3,
  windowSize: 1,
  windowFailures: 2, // unreachable: the window rule is off
  recoveryThreshold: 5,
  minTimeoutMs: 1000,
  maxTimeoutMs: 1000,
  timeoutDeviations: 0,
  maxRequestsPerProbe: 1,
  hostDelayFactor: 0,
});

/** The detector before issue 13: one request per probe, timeouts blind to the host, suspects probed every 20 ms. */
export const PREVIOUS_RULE: Readonly<DetectorConfig> = Object.freeze({
  ...DEFAULT_DETECTOR_CONFIG,
  minTimeoutMs: 200,
  suspectIntervalMs: 20,
  maxRequestsPerProbe: 1,
  hostDelayFactor: 0,
});

/** Hedged and host-aware, but one probe given up on a busy host convicts alone (the rule of 2026-12-03's soak). */
export const UNCONFIRMED_RULE: Readonly<DetectorConfig> = Object.freeze({
  ...DEFAULT_DETECTOR_CONFIG,
  minTimeoutMs: 200,
  contendedOverdueMax: DEFAULT_DETECTOR_CONFIG.maxRequestsPerProbe,
});

export type TtdQuantiles = { p50: number; p99: number; max: number };

/** p50/p99 time-to-detect per fault, as printed by the bench and the test. */
export function ttdReport(
  config: Readonly<DetectorConfig>,
  trials = 2000,
  seed = 42,
  passive?: PassiveReads,
  contention?: ContentionOptions,
): Record<Fault, TtdQuantiles> {
  const out = {} as Record<Fault, TtdQuantiles>;
  for (const fault of FAULTS) {
    const { ttdMs } = simulateDetection(fault, trials, seed, config, passive, contention);
    out[fault] = { p50: quantile(ttdMs, 0.5), p99: quantile(ttdMs, 0.99), max: quantile(ttdMs, 1) };
  }
  return out;
}

if (require.main === module) {
  const hours = Number(process.argv[2] ?? 20);
  const trials = Number(process.argv[3] ?? 2000);
  const f = (v: number) => v.toFixed(0).padStart(6);
  for (const [name, config, passive] of [
    ['new rule (hedged probes, host-aware), standard load (50 reads/s reported by the voter)', DEFAULT_DETECTOR_CONFIG, STANDARD_LOAD],
    ['new rule, the voter reporting only at its deadline (before straggler reports)', DEFAULT_DETECTOR_CONFIG, DEADLINE_REPORTS_LOAD],
    ['new rule, probes only (no client traffic)', DEFAULT_DETECTOR_CONFIG, undefined],
    ['hedged and host-aware without confirmation, standard load', UNCONFIRMED_RULE, STANDARD_LOAD],
    ['previous rule, standard load', PREVIOUS_RULE, STANDARD_LOAD],
    ['previous rule, probes only', PREVIOUS_RULE, undefined],
    ['seed rule', SEED_RULE, undefined],
  ] as const) {
    console.log(name);
    for (const [fault, q] of Object.entries(ttdReport(config, trials, 42, passive))) {
      console.log(`  ${fault.padEnd(12)} TTD ms over ${trials} trials: p50 ${f(q.p50)}  p99 ${f(q.p99)}  max ${f(q.max)}`);
    }
    for (const [profile, contention] of [
      ['healthy', undefined],
      ['healthy + host contention', CONTENTION],
      ['healthy + uneven contention', UNEVEN_CONTENTION],
    ] as const) {
      const fp = simulateFalseOffs(hours * 3_600_000, 7, config, HEALTHY, passive, contention);
      const rate = (fp.probes / (hours * 3600 * 3)).toFixed(1);
      const causes = Object.entries(fp.byCause).map(([cause, n]) => `${n} ${cause}`).join(', ');
      console.log(`  ${profile.padEnd(28)} ${fp.falseOffs} false OFF (${causes || 'none'}) in ${hours} h of 3 replicas = ${(fp.falseOffs / hours).toFixed(2)}/h (${rate} requests/s per replica)`);
    }
  }
}
