import type { History, ReadStockOp } from './history';
import { valueAt, type Replay } from './model';
import { notApplicable, verdictOf, type CheckVerdict } from './verdict';

/**
 * (d) No read answered with a value no majority held at its log position. How: every value
 * answer carries the (partition, offset) it was computed at; replicas are deterministic, so the
 * value after applying a partition up to an offset is a function of the log, which the checker
 * replays with its own model (model.ts). A majority (any replica at all) that applied the log to
 * that offset held exactly that value; any other value is wrong.
 *
 * Limits, honestly: it needs the log itself (FinalState.log; without it the check is "not
 * applicable", and no weaker rule is substituted silently). Answers without a position, 404s and
 * failed or indeterminate reads are counted, not judged. It judges the value against the
 * position the answer names; it does not prove the position itself was fresh (a read served
 * from an old position is stale, not wrong: the voter's 2-of-3 rule allows it).
 */

const TITLE = 'every read value is what the log gives at the position it names';

export function checkReads(history: History, replay: Replay | undefined): CheckVerdict {
  const reads = history.operations.filter((op): op is ReadStockOp => op.kind === 'read_stock');
  if (!replay) return notApplicable('reads_match_log', TITLE, `the order log was not read (${reads.length} read(s) unjudged)`);
  const bad: string[] = [];
  let judged = 0;
  let unjudged = 0;
  const logEnd = history.final.logEnd;
  for (const op of reads) {
    const r = op.result;
    if (r.type !== 'value' || !r.position) {
      unjudged += 1;
      continue;
    }
    judged += 1;
    const where = `read of ${op.productId} at ${new Date(op.invokeMs).toISOString()}`;
    const pos = `${r.position.partition}:${r.position.offset}`;
    const end = logEnd?.[String(r.position.partition)];
    if (end !== undefined && r.position.offset >= end) {
      bad.push(`${where} names position ${pos}, past the log's end (${end})`);
      continue;
    }
    const expected = valueAt(replay, op.productId, r.position);
    const answered = `${r.available}/${r.reserved}`;
    if (expected.kind === 'value') {
      if (expected.row.available !== r.available || expected.row.reserved !== r.reserved) {
        bad.push(`${where} answered ${answered} (available/reserved) at ${pos}; the log gives ${expected.row.available}/${expected.row.reserved}`);
      }
    } else if (expected.kind === 'other_partition') {
      bad.push(`${where} names partition ${r.position.partition}, but ${op.productId}'s events are in partition ${expected.partition}`);
    } else {
      bad.push(`${where} answered ${answered} at ${pos}, where the log has no ${op.productId} yet`);
    }
  }
  return verdictOf('reads_match_log', TITLE, bad, `${judged} read value(s) match the log; ${unjudged} read(s) without a value or position not judged`);
}
