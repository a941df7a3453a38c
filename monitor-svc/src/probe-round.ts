/**
 * The timing of ONE probe of /health, decided at each wake-up of the monitor (the prober in real
 * time, detector.bench.ts in virtual time). A probe sends a request; if it is still unanswered after
 * `hedgeAfterMs`, it sends another beside it, and another `hedgeIntervalMs` later, up to
 * `maxRequestsPerProbe`: a frozen or slow replica then leaves three requests overdue after one
 * timeout instead of three timeouts in a row, while one lost request on a healthy replica is
 * answered by the next. The first answer settles the probe (the prober does that). The probe gives
 * up at its timeout, stretched to `hostDelayFactor` × the host's own delay (host-contention.ts), so
 * slowness the whole machine shares is waited out instead of blamed on the replica, and says whether
 * the monitor itself was stalled meanwhile (`contended`): the detector then wants a second probe.
 */
import type { DetectorConfig } from './detector';
import type { HostDelay } from './host-contention';

export interface ProbeRound {
  readonly startedAt: number;
  /** The adaptive timeout the detector chose for this probe (probeTimeoutMs). */
  readonly timeoutMs: number;
  /** Requests sent so far, the first one included. */
  readonly sent: number;
}

export type RoundStep =
  /**
   * Give up: every request sent is an overdue probe. `contended` when the monitor itself was
   * stalled in the window (hostContended): the silence is then not enough to convict alone.
   */
  | { action: 'give-up'; unanswered: number; contended: boolean }
  /** Send another request now if `hedge`, then wake again at `wakeAt` unless an answer comes first. */
  | { action: 'wait'; hedge: boolean; wakeAt: number };

type RoundConfig = Pick<DetectorConfig, 'hedgeAfterMs' | 'hedgeIntervalMs' | 'maxRequestsPerProbe' | 'hostDelayFactor' | 'maxProbeWaitMs'>;

/**
 * When the probe gives up, given the host's delay as known now: the timeout plus the time the
 * monitor itself was stalled (it could not have seen an answer then), or a multiple of the host's
 * delay (the best peer's latency or the monitor's stall: a stall seen by one process is a sample
 * of what the others went through, and they do not all resume at once), capped at maxProbeWaitMs.
 * A factor of 0 turns host awareness off: the rule before issue 13, kept for comparison.
 */
export function roundDeadline(round: ProbeRound, host: HostDelay, config: Readonly<RoundConfig>): number {
  if (config.hostDelayFactor === 0) return round.startedAt + Math.min(config.maxProbeWaitMs, round.timeoutMs);
  const hostMs = Math.max(host.fastestPeerMs, host.monitorLagMs);
  const wait = Math.max(round.timeoutMs + host.monitorLagMs, config.hostDelayFactor * hostMs);
  return round.startedAt + Math.min(config.maxProbeWaitMs, wait);
}

/** A wake-up later than this means the monitor itself was stalled. */
export const LATE_WAKE_MS = 5;

/**
 * Whether the host was busy while the replica was silent: the monitor itself was stalled (a wake-up
 * later than LATE_WAKE_MS) in the round's window. The silence may then be the replica's share of a
 * busy host, and several times longer than the monitor's own stall (a busy replica gets a core back
 * later than the light monitor, and a late timer shows only part of the stall it sat through). A
 * slow peer alone does not count: it may be that peer's own pause.
 */
export function hostContended(host: HostDelay, config: Readonly<RoundConfig>): boolean {
  return config.hostDelayFactor > 0 && host.monitorLagMs > LATE_WAKE_MS;
}

/**
 * What to do at `nowMs` with a probe that has no answer yet; `lateMs` is how late this wake-up is.
 * A late wake-up at the deadline looks once more, right after the I/O that is waiting (Node runs due
 * timers before reading sockets), so an answer that arrived while the monitor was stalled is read.
 */
export function roundStep(round: ProbeRound, nowMs: number, lateMs: number, host: HostDelay, config: Readonly<RoundConfig>): RoundStep {
  const deadline = roundDeadline(round, host, config);
  if (nowMs >= deadline) {
    if (config.hostDelayFactor > 0 && lateMs > LATE_WAKE_MS) return { action: 'wait', hedge: false, wakeAt: nowMs };
    return { action: 'give-up', unanswered: round.sent, contended: hostContended(host, config) };
  }
  const hedgeAt = (n: number) => round.startedAt + config.hedgeAfterMs + (n - 1) * config.hedgeIntervalMs;
  const hedge = round.sent < config.maxRequestsPerProbe && nowMs >= hedgeAt(round.sent);
  const sent = round.sent + (hedge ? 1 : 0);
  const wakeAt = sent < config.maxRequestsPerProbe ? Math.min(deadline, hedgeAt(sent)) : deadline;
  return { action: 'wait', hedge, wakeAt };
}
