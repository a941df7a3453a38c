import type { History, OperationKind } from './history';
import { replayLog } from './model';
import { checkNoOversell, checkOrdersDecided } from './orders';
import { checkPayments } from './payments';
import { checkReads } from './reads';
import { checkAppliedOnce, checkConverged, checkNoDivergentReplica } from './replicas';
import type { CheckVerdict } from './verdict';

/**
 * The history checker: every check over one History, and the overall verdict (all pass; a check
 * that is not applicable neither passes nor fails, and says why).
 */

export interface HistoryStats {
  /** kind → result type (accepted, value, refused, indeterminate...) → count. */
  operations: Partial<Record<OperationKind, Record<string, number>>>;
  faults_injected: number;
  faults_cleared: number;
  log_records: number | null;
  settled_at: string;
}

export interface HistoryVerdict {
  ok: boolean;
  checks: CheckVerdict[];
  stats: HistoryStats;
}

function statsOf(history: History): HistoryStats {
  const operations: HistoryStats['operations'] = {};
  for (const op of history.operations) {
    const byResult = (operations[op.kind] ??= {});
    byResult[op.result.type] = (byResult[op.result.type] ?? 0) + 1;
  }
  return {
    operations,
    faults_injected: history.faults.filter((f) => f.action === 'inject').length,
    faults_cleared: history.faults.filter((f) => f.action === 'clear').length,
    log_records: history.final.log?.length ?? null,
    settled_at: new Date(history.settledAtMs).toISOString(),
  };
}

export function checkHistory(history: History): HistoryVerdict {
  const replay = history.final.log ? replayLog(history.final.log) : undefined;
  const checks = [
    checkOrdersDecided(history),
    checkNoOversell(history),
    checkConverged(history.final),
    checkAppliedOnce(history.final),
    checkReads(history, replay),
    checkNoDivergentReplica(history.final, replay),
    checkPayments(history),
  ];
  return { ok: checks.every((c) => c.status !== 'fail'), checks, stats: statsOf(history) };
}
