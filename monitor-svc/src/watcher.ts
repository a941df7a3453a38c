import { setTimeout as sleep } from 'node:timers/promises';
import type { ReplicaId } from '@ftlab/shared';
// The detector decides every step; written `detector.x` so each decision is seen to be its.
import * as detector from './detector';
import type { DetectorConfig, DetectorState, DetectorStep, ProbeResult, Transition } from './detector';
import { probeHealth } from './prober';

export interface WatcherHooks {
  probed(id: ReplicaId, result: ProbeResult, timeoutMs: number): void;
  /** Called in order, one at a time per replica; the watcher keeps probing meanwhile. */
  transitioned(id: ReplicaId, transition: Transition, detail: string, lastHealthyAt: Date | null): Promise<void>;
}

/**
 * Watches one replica on its own loop, so a slow replica never delays another's probes. The
 * detector decides; the watcher only feeds it probes and outside evidence and hands transitions
 * to the hooks, which persist them.
 */
export class ReplicaWatcher {
  private stopped = false;
  private loop: Promise<void> | undefined;
  private persisting: Promise<void> = Promise.resolve();
  /** Aborts the wait between probes, so a hint is acted on at once. */
  private wake = new AbortController();
  lastProbe: { at: Date; result: ProbeResult; timeoutMs: number } | undefined;
  lastHealthyAt: Date | null = null;
  probes = 0;
  probeFailures = 0;

  constructor(
    readonly id: ReplicaId,
    readonly url: string,
    public state: DetectorState,
    private readonly config: DetectorConfig,
    private readonly hooks: WatcherHooks,
  ) {}

  start(): void {
    this.loop = (async () => {
      while (!this.stopped) {
        const timeoutMs = detector.probeTimeoutMs(this.state, this.config);
        const result = await probeHealth(this.url, timeoutMs);
        if (this.stopped) break;
        this.record(result, timeoutMs);
        this.step(detector.observeProbe(this.state, result, this.config), result.ok ? 'healthy probes' : `${result.cause} on /health`);
        await sleep(detector.nextProbeDelayMs(this.state, this.config), undefined, { signal: this.wake.signal }).catch(() => undefined);
        if (this.wake.signal.aborted) this.wake = new AbortController();
      }
    })();
  }

  /** Evidence of wrong data from outside (the voter, orders-svc, or our own consistency check). */
  reportIncorrect(detail: string): void {
    this.step(detector.reportIncorrect(this.state), detail);
  }

  consistency(matches: boolean): void {
    this.step(detector.observeConsistency(this.state, matches, this.config), matches ? 'answers match the majority again' : 'answer differs from the majority at the same log position');
  }

  /** A failure someone else saw (the voter's fan-out): probe now and fast, let the probes decide. */
  hint(): void {
    this.state = detector.observeHint(this.state, this.config);
    this.wake.abort();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake.abort();
    await this.loop;
    await this.persisting;
  }

  private record(result: ProbeResult, timeoutMs: number): void {
    const at = new Date();
    this.lastProbe = { at, result, timeoutMs };
    this.probes++;
    if (result.ok) this.lastHealthyAt = at;
    else this.probeFailures++;
    this.hooks.probed(this.id, result, timeoutMs);
  }

  /**
   * Runs `task` after the transitions already handed to the hooks, and before later ones: a new
   * leader's reconciliation of this replica must not overtake, or be overtaken by, a transition.
   * `task` handles its own errors, as `transitioned` does.
   */
  afterTransitions(task: () => Promise<void>): void {
    this.persisting = this.persisting.then(task);
  }

  private step({ state, transition }: DetectorStep, detail: string): void {
    this.state = state;
    if (!transition) return;
    const lastHealthyAt = this.lastHealthyAt;
    this.afterTransitions(() => this.hooks.transitioned(this.id, transition, detail, lastHealthyAt));
  }
}
