import { REPLICA_IDS } from '@ftlab/shared';

/**
 * Is a read's answer wrong? The reference is not another HTTP answer (a lying replica could be
 * the one we ask) but the replicas' own committed rows in Postgres (replica_stock), read about
 * every 250 ms; faults only distort what a replica SAYS, never what it commits, so those rows are
 * honest. The rule, for an answer to product P sent at `sentAt` and received at `receivedAt`:
 *
 * 1. Conserved total. Orders only move stock between available and reserved (reserve, release),
 *    so available+reserved of P changes only with a restock or stock-set. Over the snapshots from
 *    the last one before the request to the first one after the answer (the "bracket"), the answer's
 *    total must equal the total a majority of replicas (2 of 3) held in one of them. A restock in
 *    the middle is tolerated because both the old and the new total are in the bracket. A 404 counts
 *    as the total "absent": wrong while a majority holds the product.
 * 2. Exact value when quiet. If no replica's row of P changed over the bracket and the snapshot
 *    before it, the state the request could have seen is unambiguous: the (available, reserved)
 *    pair a majority holds. Any other pair is wrong. The extra earlier snapshot is there because a
 *    replica updates its in-memory view just after its commit becomes visible in the database; a
 *    row that was already in the snapshot before that has certainly reached memory.
 *
 * An answer no snapshot can settle (no majority in any of them) is "unjudged", never "right".
 */

export interface ReplicaRow {
  available: number;
  reserved: number;
}

/** One consistent read (a single SELECT) of the replicas' rows of the tracked products. */
export interface Snapshot {
  /** Epoch ms just before the query was sent: the state is no older than this. */
  issuedAt: number;
  /** Epoch ms when the result arrived: the state is no newer than this. */
  returnedAt: number;
  /** product id → instance id → committed row; a replica without the product has no entry. */
  rows: ReadonlyMap<string, ReadonlyMap<string, ReplicaRow>>;
}

export type ReadAnswer = { kind: 'value'; available: number; reserved: number } | { kind: 'not_found' };

export type Verdict = 'right' | 'wrong' | 'unjudged';

const MAJORITY = Math.floor(REPLICA_IDS.length / 2) + 1;
const ABSENT = 'absent';

/** The key at least MAJORITY replicas share, if any. */
export function majorityKey(keys: readonly string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  for (const [key, count] of counts) if (count >= MAJORITY) return key;
  return undefined;
}

const totalKey = (row: ReplicaRow | undefined) => (row ? String(row.available + row.reserved) : ABSENT);
const pairKey = (row: ReplicaRow | undefined) => (row ? `${row.available}/${row.reserved}` : ABSENT);
const answerRow = (answer: ReadAnswer): ReplicaRow | undefined =>
  answer.kind === 'value' ? { available: answer.available, reserved: answer.reserved } : undefined;

function replicaRows(snapshot: Snapshot, productId: string): (ReplicaRow | undefined)[] {
  const rows = snapshot.rows.get(productId);
  return REPLICA_IDS.map((id) => rows?.get(id));
}

/**
 * The snapshots an answer is judged against: from the last one that had returned before the
 * request was sent, to the first one issued after the answer arrived, plus the one before the
 * bracket (`previous`, for rule 2). undefined while that last snapshot does not exist yet.
 * `snapshots` are in the order they were taken.
 */
export function bracketFor(
  snapshots: readonly Snapshot[],
  sentAt: number,
  receivedAt: number,
): { bracket: Snapshot[]; previous: Snapshot | undefined } | undefined {
  const last = snapshots.findIndex((s) => s.issuedAt >= receivedAt);
  if (last < 0) return undefined;
  let first = -1;
  for (let k = last - 1; k >= 0; k--) {
    if (snapshots[k]!.returnedAt <= sentAt) {
      first = k;
      break;
    }
  }
  // Sent before the first snapshot: everything up to the answer is all there is to compare with.
  if (first < 0) return { bracket: snapshots.slice(0, last + 1), previous: undefined };
  return { bracket: snapshots.slice(first, last + 1), previous: snapshots[first - 1] };
}

export function judgeAnswer(productId: string, answer: ReadAnswer, bracket: readonly Snapshot[], previous?: Snapshot): Verdict {
  const totals = new Set<string>();
  for (const snapshot of bracket) {
    const key = majorityKey(replicaRows(snapshot, productId).map(totalKey));
    if (key !== undefined) totals.add(key);
  }
  if (totals.size === 0) return 'unjudged';
  if (!totals.has(totalKey(answerRow(answer)))) return 'wrong';

  if (previous && answer.kind === 'value') {
    const state = (s: Snapshot) => replicaRows(s, productId).map(pairKey);
    const reference = state(previous);
    const quiet = bracket.every((s) => state(s).every((key, k) => key === reference[k]));
    const held = quiet ? majorityKey(reference) : undefined;
    if (held !== undefined && held !== pairKey(answerRow(answer))) return 'wrong';
  }
  return 'right';
}
