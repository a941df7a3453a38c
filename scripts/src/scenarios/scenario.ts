import type { Logger, Pool } from '@ftlab/shared';
import type { FaultEvent } from '../checker/history';
import type { OperationRecorder, RecordingClient } from '../checker/recorder';
import type { TargetSystem } from '../lib/target-system';
import type { LoadReport } from '../load';
import type { Expectation } from './expectation';
import type { Figure } from './figures';

/**
 * One failure the founding documents describe, played on a running system: it injects the fault
 * under load, measures what happened, and says what the seed expects beside what it observed.
 * Every client answer it causes is recorded, so the run also ends with the history check.
 */
export interface Scenario {
  name: string;
  /** Where the failure and its expectations come from ("seed 004: database flapping"). */
  source: string;
  summary: string;
  run(ctx: DemoContext): Promise<Expectation[]>;
}

export interface LoadPlan {
  ordersPerS: number;
  readsPerS: number;
  seconds: number;
  /** Seed products by default. */
  products?: string[];
}

export interface DemoContext {
  target: TargetSystem;
  logger: Logger;
  /** The target's database: orders, replicas' rows, the audit. */
  pool: Pool;
  /** Every answer clients got, for the history check. */
  recorder: OperationRecorder;
  /** A client whose requests are recorded too, for scenarios that drive the system step by step. */
  client: RecordingClient;
  /** Marks a fault injected or cleared now, for the history. */
  fault(action: FaultEvent['action'], kind: string, target: string): void;
  /** Open-loop orders and reads, recorded, while `during` injects and clears what the scenario is about. */
  load(plan: LoadPlan, during?: () => Promise<void>): Promise<LoadReport>;
  /** Records numbers the scenario measured (breaker open after, emails late...), for the demo's and the experiment's reports. */
  figures(list: readonly Figure[]): void;
  /** The common shape of `load`: 2 s of load, then the fault (marked injected), held `holdMs`, then marked cleared. */
  faultUnderLoad(plan: LoadPlan, fault: TimedFault): Promise<LoadReport>;
}

export interface TimedFault {
  kind: string;
  target: string;
  inject(): Promise<unknown>;
  /** How long after inject() resolves the fault is considered in effect (a pause's duration); 0 when inject() lasts as long as the fault. */
  holdMs: number;
}
