/**
 * Failure detector for ONE inventory replica: a pure state machine fed with the results of GET /health
 * probes (and with reports of wrong data). The monitor owns the clock, the HTTP calls and the loop; this
 * module only decides, so every rule is tested in virtual time (detector.bench.ts has the simulation).
 *
 * Design. Probe every 200 ms; while any failure is among the last 10 probes, every 5 ms, so a suspicion is
 * confirmed or cleared within a few tens of ms. The probe timeout follows the observed /health latency
 * (RFC 6298: smoothed latency + 4 x deviation) clamped to [210, 300] ms. A probe is hedged (probe-round.ts):
 * still unanswered after 50 ms, it sends a second request beside the first, and a third 50 ms later, and
 * each request left unanswered at the timeout counts as a failed probe, so a frozen or 1200 ms replica
 * is three overdue probes after ONE timeout instead of three in a row. That timeout is stretched by the
 * host's own delay (host-contention.ts): silence that the monitor or every peer shares is the machine's,
 * and only silence relative to the others convicts. When the monitor itself was stalled meanwhile (the
 * host is busy, and a busy replica gets a core back later than the light monitor), one probe given up
 * counts as at most contendedOverdueMax (2) overdue probes: the next one, overlapping it, must time out
 * too before an OFF. A replica goes OFF on EITHER rule: 3 consecutive
 * failures (crash, latency, frozen) OR 4 of the last 10 probes failed (intermittent 5xx, where runs of 3
 * are rare; timeouts count only toward the first rule). A replica that answers "behind the log" is
 * failing only if a peer answered ready meanwhile: behind together is the log's lag, not a replica's.
 * The OFF cause is the most frequent failure in the
 * window. It comes back ON after 5 consecutive successes. A replica reported for wrong data is OFF at once
 * and QUARANTINED: its /health is fine (a liar, not a corpse), so only 5 consecutive consistency checks that
 * match the majority, plus 5 healthy probes, release it.
 *
 * False-positive trade-off. Fewer failures or fewer probes per decision detect faster but flag healthy
 * replicas more often. At the seed's 200 ms interval, probes alone cannot catch intermittent 50 % failures
 * within 1 s at p99 (4 healthy-looking probes in a row happen 1 time in 16), so the voter's failed reads
 * are used as hints (observeHint): they speed up probing, and only probes convict. Timeouts only count
 * in a row: the ratio rule looks at answered errors. One replica silent for the whole 210 ms floor while
 * its peers answer and the monitor runs on time is convicted, so a GC pause of a single replica must stay
 * below it; a stall the whole host shares is waited out (up to 2 s), and on a busy host silence needs two
 * probes. Measured in virtual time by detector.bench.ts (numbers in the README).
 */
import type { FailureCause, InstanceStatus } from '@ftlab/shared';
import type { HostDelay } from './host-contention';

/** Failures a probe of /health can observe by itself; wrong data is only ever reported from outside. */
export type ProbeFailureCause = Exclude<FailureCause, 'incorrect_response'>;

/** One GET /health probe as the monitor saw it; `latencyMs` is the time until the answer or the give-up. */
export type ProbeResult =
  | { ok: true; latencyMs: number }
  | {
      ok: false;
      cause: ProbeFailureCause;
      latencyMs: number;
      /** Requests of this probe left unanswered (timeouts, see probe-round.ts); 1 if absent. */
      unanswered?: number;
      /**
       * For a timeout: the host's delay set the deadline (probe-round.ts, hostContended). Such a
       * probe alone never convicts: the next one, sent while its requests are still pending, must
       * time out too (at most contendedOverdueMax overdue probes are counted from it).
       */
      contended?: boolean;
      /** For a timeout: the host's delay it was judged against, for logs and metrics. */
      host?: HostDelay;
      /**
       * For an answer "not ready, behind the log" while no peer answered ready either: every replica
       * is behind together (a burst of orders, a busy host), a cause none of them has. The probe is
       * then evidence neither way: it does not count toward an OFF, nor toward an ON.
       */
      behindWithPeers?: boolean;
    };

export interface DetectorConfig {
  /** Probe period of a replica with no recent failure, and of an OFF replica (it needs no hurry). */
  intervalMs: number;
  /** Probe period of an ON replica with a failure in its window: suspicion is settled quickly. */
  suspectIntervalMs: number;
  /** Consecutive failed probes that make an ON replica OFF (crash, latency). */
  failureThreshold: number;
  /** How many of the latest probes the intermittent rule looks at. */
  windowSize: number;
  /** Failed probes among the latest `windowSize` that make an ON replica OFF (intermittent). */
  windowFailures: number;
  /** Consecutive healthy probes (and, in quarantine, consistency matches) that bring a replica back ON. */
  recoveryThreshold: number;
  /** Floor of the adaptive timeout: well above healthy latency and GC pauses of ~100 ms. */
  minTimeoutMs: number;
  /** Ceiling of the adaptive timeout: bounds the time a slow replica can hide behind a slow history. */
  maxTimeoutMs: number;
  /** Timeout = smoothed latency + this × latency deviation (RFC 6298 uses 4). */
  timeoutDeviations: number;
  /** A probe unanswered this long sends another request beside it (a hedge), without waiting for its timeout. */
  hedgeAfterMs: number;
  /** Spacing of further hedges. */
  hedgeIntervalMs: number;
  /** Requests one probe may have in flight; each one left unanswered at the timeout counts as a failed probe. */
  maxRequestsPerProbe: number;
  /** A probe waits at least this many times the host's own delay (the monitor's lag, the fastest peer's latency). */
  hostDelayFactor: number;
  /** How far back the host's delay is looked at, before the probe started. */
  hostLookbackMs: number;
  /** The longest a probe waits however slow the host is: a frozen replica on a frozen host is still convicted. */
  maxProbeWaitMs: number;
  /**
   * Overdue probes counted at most from one probe given up while the host was busy (`contended`):
   * below failureThreshold, so a second overlapping probe must time out too before an OFF.
   */
  contendedOverdueMax: number;
}

export const DEFAULT_DETECTOR_CONFIG: Readonly<DetectorConfig> = Object.freeze({
  intervalMs: 200,
  suspectIntervalMs: 5,
  failureThreshold: 3,
  windowSize: 10,
  windowFailures: 4,
  recoveryThreshold: 5,
  minTimeoutMs: 210,
  maxTimeoutMs: 300,
  timeoutDeviations: 4,
  hedgeAfterMs: 50,
  hedgeIntervalMs: 50,
  maxRequestsPerProbe: 3,
  hostDelayFactor: 5,
  hostLookbackMs: 500,
  maxProbeWaitMs: 2000,
  contendedOverdueMax: 2,
});

/** Latency of successful probes, smoothed as TCP does for its retransmission timer (RFC 6298). */
export interface LatencyEstimate {
  readonly smoothedMs: number;
  readonly deviationMs: number;
}

/** 'ok' or what went wrong, for one probe. */
export type WindowEntry = 'ok' | ProbeFailureCause;

export interface Quarantine {
  readonly cause: 'incorrect_response';
  /** Consecutive consistency checks that matched the majority since the last mismatch or report. */
  readonly consistentMatches: number;
}

export interface DetectorState {
  readonly status: InstanceStatus;
  /** Why the replica is OFF; null while ON or before any evidence (initial OFF). */
  readonly offCause: FailureCause | null;
  readonly consecutiveFailures: number;
  readonly consecutiveSuccesses: number;
  /** Outcomes of the latest probes, oldest first, at most `windowSize`. */
  readonly window: readonly WindowEntry[];
  /** Null until the first successful probe. */
  readonly latency: LatencyEstimate | null;
  /** Set while the replica is OFF for wrong data; cleared when it comes back ON. */
  readonly quarantine: Quarantine | null;
  /** Probes still to send at the suspect pace because someone else saw the replica fail (a hint). */
  readonly hintedProbes: number;
}

export type Transition = { to: 'OFF'; cause: FailureCause } | { to: 'ON'; cause: 'recovered' };

export interface DetectorStep {
  state: DetectorState;
  /** Present only when the status changed with this observation. */
  transition?: Transition;
}

/**
 * A fresh detector. Defaults to OFF: a replica is trusted only after `recoveryThreshold` healthy probes,
 * so a monitor that (re)starts never routes reads to a replica it has not seen alive.
 */
export function initialDetectorState(status: InstanceStatus = 'OFF'): DetectorState {
  return {
    status,
    offCause: null,
    consecutiveFailures: 0,
    consecutiveSuccesses: 0,
    window: [],
    latency: null,
    quarantine: null,
    hintedProbes: 0,
  };
}

/** Feeds one probe result. OFF when either failure rule fires; ON after enough successes (never from quarantine alone). */
export function observeProbe(
  state: DetectorState,
  result: ProbeResult,
  config: Readonly<DetectorConfig> = DEFAULT_DETECTOR_CONFIG,
): DetectorStep {
  if (!result.ok && result.behindWithPeers) return { state: { ...state, hintedProbes: Math.max(0, state.hintedProbes - 1) } };
  const entry: WindowEntry = result.ok ? 'ok' : result.cause;
  // A hedged probe whose requests all went unanswered is that many overdue probes, seen at once,
  // unless the host was busy meanwhile: then a second probe, overlapping the first, must confirm.
  const overdue = result.ok ? 1 : Math.max(1, result.unanswered ?? 1);
  const count = !result.ok && result.contended ? Math.min(overdue, config.contendedOverdueMax) : overdue;
  const window = [...state.window, ...Array<WindowEntry>(count).fill(entry)].slice(-config.windowSize);
  const next: DetectorState = {
    ...state,
    window,
    consecutiveFailures: result.ok ? 0 : state.consecutiveFailures + count,
    consecutiveSuccesses: result.ok ? state.consecutiveSuccesses + 1 : 0,
    hintedProbes: Math.max(0, state.hintedProbes - 1),
    // Only answers measure the server; a timeout says nothing about how long it would have taken.
    latency: result.ok ? updateLatency(state.latency, result.latencyMs) : state.latency,
  };
  if (next.status === 'ON' && !result.ok) {
    // The ratio rule is for answered errors (intermittent 5xx, resets). Timeouts are left to the
    // consecutive rule: on a saturated host a healthy replica misses a deadline now and then,
    // and scattered misses under fast suspect probing must not add up to an OFF.
    const failures = window.filter((e) => e === 'http_error' || e === 'crash').length;
    if (next.consecutiveFailures >= config.failureThreshold || failures >= config.windowFailures) {
      return goOff(next, dominantCause(window));
    }
  }
  return next.status === 'OFF' ? maybeRecover(next, config) : { state: next };
}

/**
 * The replica served wrong data (seen by the voter or a consistency check). OFF at once and quarantined:
 * its /health stays fine, so probes alone must never bring it back. A repeated report restarts the count.
 */
export function reportIncorrect(state: DetectorState): DetectorStep {
  const next: DetectorState = {
    ...state,
    quarantine: { cause: 'incorrect_response', consistentMatches: 0 },
  };
  return goOff(next, 'incorrect_response');
}

/**
 * Result of comparing the replica's answer with the other replicas' at the SAME log position (the caller
 * guarantees that; at different positions a difference is lag, not a lie). In quarantine, matches count
 * toward release and a mismatch resets the count. Outside quarantine a mismatch is proof of wrong data,
 * so it quarantines like `reportIncorrect`; a match changes nothing.
 */
export function observeConsistency(
  state: DetectorState,
  matchesMajority: boolean,
  config: Readonly<DetectorConfig> = DEFAULT_DETECTOR_CONFIG,
): DetectorStep {
  if (!matchesMajority) return reportIncorrect(state);
  if (state.quarantine === null) return { state };
  const next: DetectorState = {
    ...state,
    quarantine: { ...state.quarantine, consistentMatches: state.quarantine.consistentMatches + 1 },
  };
  return maybeRecover(next, config);
}

/**
 * Someone else (the voter) saw this replica fail a request. That is a hint, not evidence: it makes
 * the next `windowSize` probes go at the suspect pace, and only their results can take the replica
 * OFF. Counting hints as failures detects faster but lets a burst of client-side errors convict a
 * healthy replica (simulated: ~3.6 false OFF/h instead of ~0.05/h).
 */
export function observeHint(state: DetectorState, config: Readonly<DetectorConfig> = DEFAULT_DETECTOR_CONFIG): DetectorState {
  return state.status === 'ON' ? { ...state, hintedProbes: config.windowSize } : state;
}

/** How long the monitor waits after a probe completes before sending the next one. */
export function nextProbeDelayMs(state: DetectorState, config: Readonly<DetectorConfig> = DEFAULT_DETECTOR_CONFIG): number {
  const suspect = state.status === 'ON' && (state.hintedProbes > 0 || state.window.some((e) => e !== 'ok'));
  return suspect ? config.suspectIntervalMs : config.intervalMs;
}

/** How long the monitor waits for /health before counting the probe as a timeout. */
export function probeTimeoutMs(state: DetectorState, config: Readonly<DetectorConfig> = DEFAULT_DETECTOR_CONFIG): number {
  // Without a single answer yet, be patient: the ceiling still bounds detection.
  if (state.latency === null) return config.maxTimeoutMs;
  const raw = state.latency.smoothedMs + config.timeoutDeviations * state.latency.deviationMs;
  return Math.round(Math.min(config.maxTimeoutMs, Math.max(config.minTimeoutMs, raw)));
}

// ---- internals ----

function updateLatency(prev: LatencyEstimate | null, sampleMs: number): LatencyEstimate {
  // RFC 6298 §2: first sample sets SRTT = R, RTTVAR = R/2; then alpha = 1/8, beta = 1/4.
  if (prev === null) return { smoothedMs: sampleMs, deviationMs: sampleMs / 2 };
  return {
    deviationMs: 0.75 * prev.deviationMs + 0.25 * Math.abs(prev.smoothedMs - sampleMs),
    smoothedMs: 0.875 * prev.smoothedMs + 0.125 * sampleMs,
  };
}

/** The most frequent failure in the window; on a tie the most recent one, as the freshest evidence. */
function dominantCause(window: readonly WindowEntry[]): ProbeFailureCause {
  const counts = new Map<ProbeFailureCause, number>();
  let best: ProbeFailureCause | null = null;
  for (let i = window.length - 1; i >= 0; i--) {
    const e = window[i];
    if (e === undefined || e === 'ok') continue;
    const n = (counts.get(e) ?? 0) + 1;
    counts.set(e, n);
    if (best === null || n > (counts.get(best) ?? 0)) best = e;
  }
  // Unreachable from observeProbe (it only calls this after a failure); 'http_error' keeps the type total.
  return best ?? 'http_error';
}

function goOff(state: DetectorState, cause: FailureCause): DetectorStep {
  const next: DetectorState = { ...state, status: 'OFF', offCause: cause };
  return state.status === 'OFF' ? { state: next } : { state: next, transition: { to: 'OFF', cause } };
}

function maybeRecover(state: DetectorState, config: Readonly<DetectorConfig>): DetectorStep {
  if (state.status !== 'OFF') return { state };
  const healthy = state.consecutiveSuccesses >= config.recoveryThreshold;
  const consistent = state.quarantine === null || state.quarantine.consistentMatches >= config.recoveryThreshold;
  if (!healthy || !consistent) return { state };
  // A recovered replica starts with a clean window: failures from before it went OFF are not evidence now.
  return {
    state: { ...state, status: 'ON', offCause: null, quarantine: null, window: [], consecutiveFailures: 0 },
    transition: { to: 'ON', cause: 'recovered' },
  };
}
