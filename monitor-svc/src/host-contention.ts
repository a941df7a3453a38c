/**
 * How slow the HOST is right now, as opposed to one replica. Every replica shares the monitor's
 * machine: when it is saturated (a CPU hog, a busy CI runner), every /health answer is late at the
 * same moment and the monitor's own timers fire late. A replica must only be convicted for being
 * slow relative to that. The evidence is what the monitor already sees, fed in with times from its
 * clock (no clock is read here, so the simulation and the tests drive it in virtual time):
 *
 *  - its own event-loop lag: a timer due at d that fires at f means the monitor itself did not run
 *    during [d, f], so no request it timed in that span can be blamed on a replica;
 *  - every request to every replica: when it left and when a live process answered it. Only a
 *    healthy answer counts: a refused connection is the kernel's answer and a crashed peer's says
 *    nothing about whether the host schedules processes in time; such requests are discarded.
 *
 * The host's delay for replica X over a window has two parts: the monitor's worst lag (time it did
 * not look, added to X's deadline) and the FASTEST peer's worst latency (X may take a multiple of
 * it): if at least one other replica answered promptly, the host could serve, and X's silence is
 * X's own. Taking the fastest peer keeps a second faulty replica (frozen, slow) from
 * excusing X; the price is that when every replica is silent at once, none is convicted for
 * silence before `maxProbeWaitMs` (they cannot be told apart from a frozen host).
 */

export interface RequestRecord {
  readonly replica: string;
  readonly sentAt: number;
  answeredAt: number | null;
}

export interface HostDelay {
  /** The longest the monitor itself was stalled in the window. */
  readonly monitorLagMs: number;
  /** The worst latency of the replica that answered best in the window (0 without peers). */
  readonly fastestPeerMs: number;
}

export const NO_HOST_DELAY: HostDelay = Object.freeze({ monitorLagMs: 0, fastestPeerMs: 0 });

interface LagSample {
  /** When the late timer fired. */
  readonly at: number;
  readonly lagMs: number;
}

export class HostEvidence {
  private requests: RequestRecord[] = [];
  private lags: LagSample[] = [];
  /** When each replica last answered /health ready. */
  private readyAt = new Map<string, number>();

  /** Evidence older than this is dropped as new evidence comes in. */
  constructor(private readonly keepMs: number) {}

  /** A request to `replica` left at `at`; pass the record to `answered` when it is answered. */
  sent(replica: string, at: number): RequestRecord {
    const record: RequestRecord = { replica, sentAt: at, answeredAt: null };
    this.requests.push(record);
    this.prune(at);
    return record;
  }

  answered(record: RequestRecord, at: number): void {
    record.answeredAt ??= at;
  }

  /** The request was answered with an error: no evidence of how fast the host serves. */
  discard(record: RequestRecord): void {
    this.requests = this.requests.filter((r) => r !== record);
  }

  /** A monitor timer due `lagMs` ago fired at `at`; lags of a few ms are noise and not kept. */
  lag(at: number, lagMs: number): void {
    if (lagMs < 1) return;
    this.lags.push({ at, lagMs });
    this.prune(at);
  }

  /** `replica` answered /health ready at `at`. */
  ready(replica: string, at: number): void {
    this.readyAt.set(replica, Math.max(at, this.readyAt.get(replica) ?? at));
  }

  /**
   * Whether a replica other than `subject` answered ready since `fromMs`. When none did, a replica
   * behind the log is behind with the others: the log's or the host's lag, not its own fault.
   */
  peerReadySince(subject: string, fromMs: number): boolean {
    for (const [replica, at] of this.readyAt) if (replica !== subject && at >= fromMs) return true;
    return false;
  }

  /** The host's delay over [fromMs, nowMs], as seen from replica `subject` (see the module comment). */
  delay(subject: string, fromMs: number, nowMs: number): HostDelay {
    let monitorLag = 0;
    for (const l of this.lags) if (l.at >= fromMs && l.at <= nowMs) monitorLag = Math.max(monitorLag, l.lagMs);
    const worstByPeer = new Map<string, number>();
    for (const r of this.requests) {
      if (r.replica === subject || r.sentAt > nowMs) continue;
      const end = r.answeredAt ?? nowMs;
      // A request overlaps the window if it was pending or answered within it.
      if (end < fromMs) continue;
      worstByPeer.set(r.replica, Math.max(worstByPeer.get(r.replica) ?? 0, end - r.sentAt));
    }
    const fastestPeerMs = worstByPeer.size === 0 ? 0 : Math.min(...worstByPeer.values());
    return { monitorLagMs: monitorLag, fastestPeerMs };
  }

  private prune(now: number): void {
    const cutoff = now - this.keepMs;
    // Answered records are dropped once old; pending ones stay while they could still be overdue.
    if (this.requests.length > 0 && this.requests[0]!.sentAt < cutoff) {
      this.requests = this.requests.filter((r) => r.sentAt >= cutoff || (r.answeredAt === null && r.sentAt >= cutoff - this.keepMs));
    }
    if (this.lags.length > 0 && this.lags[0]!.at < cutoff) this.lags = this.lags.filter((l) => l.at >= cutoff);
  }
}
