import { DEFAULT_KAFKA_BROKERS, topicNames, type Logger, type Pool } from '@ftlab/shared';
import type { TargetSystem } from '../lib/target-system';
import { checkHistory } from './check';
import { awaitSettled, readFinalState, readPaymentLedger } from './final-state';
import type { FaultEvent, History } from './history';
import { readOrderLog, type OrderLogAddress } from './order-log';
import type { OperationRecorder } from './recorder';
import { verdictJson, type VerdictJson } from './render';

/**
 * The history check at the end of a run (an experiment, a demo): wait until the system settles,
 * read its final state and its order log, and judge what the clients were told against them.
 */

export interface RunCheck {
  history: History;
  verdict: VerdictJson;
}

/** Where a target system's order log is. */
export function orderLogOf(target: Pick<TargetSystem, 'kafkaBrokers' | 'topicPrefix'>): OrderLogAddress {
  return { brokers: target.kafkaBrokers ?? DEFAULT_KAFKA_BROKERS.split(','), topic: topicNames(target.topicPrefix).orderEvents };
}

/** A check that could not run (broker or database unreachable) is a failed one: the run proved nothing. */
export function uncheckedVerdict(err: Error): VerdictJson {
  const reason = `could not check the history: ${err.message}`;
  return {
    ok: false,
    failed: ['history_read'],
    checks: [{ name: 'history_read', title: 'the final state and the order log could be read', status: 'fail', summary: '1 violation(s)', reasons: [reason], offenders: 1 }],
    stats: { operations: {}, faults_injected: 0, faults_cleared: 0, log_records: null, settled_at: new Date().toISOString() },
  };
}

export async function checkRun(
  { brokers, topic }: OrderLogAddress,
  pool: Pool,
  recorder: OperationRecorder,
  faults: FaultEvent[],
  logger: Logger,
  settleTimeoutMs = 30_000,
  /** The payment provider's ledger database (lib/system.ts paymentLedgerUrl), when the system has one. */
  paymentLedgerUrl?: string,
): Promise<RunCheck> {
  const settle = await awaitSettled(pool, { brokers, topic }, logger, settleTimeoutMs);
  if (!settle.settled) logger.warn({ open: settle.open }, `not settled after ${settle.waitedMs} ms: checking what there is`);
  const log = await readOrderLog(brokers, topic, logger);
  const settledAtMs = Date.now();
  const payments = paymentLedgerUrl ? await readPaymentLedger(paymentLedgerUrl) : undefined;
  const final = await readFinalState(pool, topic, log, payments);
  const history: History = { operations: recorder.operations(), faults, settledAtMs, final };
  const verdict = verdictJson(checkHistory(history));
  logger.info({ ok: verdict.ok, failed: verdict.failed, operations: history.operations.length, log_records: log.records.length }, 'history checked');
  return { history, verdict };
}
