import { majorityKey } from '../load/wrong-answers';
import type { FinalState, ReplicaState } from './history';
import type { Replay } from './model';
import { verdictOf, type CheckVerdict } from './verdict';

/**
 * Checks on the replicas' final rows: that they are identical and caught up (c), that no event
 * was applied twice or lost inside a replica (c), and which replica, if any, diverged (e).
 */

/** Every row of a replica as key → comparable text: stock per product, reservation per order, stock events. */
function rowsOf(r: ReplicaState): Map<string, string> {
  const rows = new Map<string, string>();
  for (const [p, s] of Object.entries(r.stock)) rows.set(`stock ${p}`, `${s.available} available / ${s.reserved} reserved`);
  for (const [o, v] of Object.entries(r.reservations)) rows.set(`reservation ${o}`, `${v.state} ${v.quantity} × ${v.productId}`);
  for (const e of r.appliedStockEvents ?? []) rows.set(`stock event ${e}`, 'applied');
  return rows;
}

function replayRows(replay: Replay): Map<string, string> {
  return rowsOf({
    stock: Object.fromEntries(replay.stock),
    reservations: Object.fromEntries(replay.reservations),
    appliedStockEvents: [...replay.appliedStockEvents],
  });
}

const MISSING = 'missing';

/** (c) Converged: every replica holds the same rows, and has applied the whole log when its end is known. */
export function checkConverged(final: FinalState): CheckVerdict {
  const replicas = Object.entries(final.replicas).map(([id, r]) => ({ id, rows: rowsOf(r), r }));
  const bad: string[] = [];
  const keys = new Set(replicas.flatMap((x) => [...x.rows.keys()]));
  for (const key of [...keys].sort()) {
    const values = replicas.map((x) => x.rows.get(key) ?? MISSING);
    if (new Set(values).size > 1) bad.push(`${key}: ${replicas.map((x, k) => `replica ${x.id} ${values[k]}`).join(', ')}`);
  }
  if (final.logEnd) {
    for (const x of replicas) {
      if (!x.r.nextOffsets) continue;
      for (const [partition, end] of Object.entries(final.logEnd)) {
        const next = x.r.nextOffsets[partition] ?? 0;
        if (next < end) bad.push(`replica ${x.id} has applied partition ${partition} up to ${next} of ${end}`);
      }
    }
  }
  return verdictOf('replicas_converged', 'every replica holds the same rows and has applied the whole log', bad, `${replicas.length} replicas identical (${keys.size} rows each)`);
}

/**
 * (c) Applied once: inside each replica, a product's reserved quantity is the sum of its RESERVED
 * reservations, and available + reserved is the stock that entered the log. An order or restock
 * counted twice (or dropped) breaks one of the two.
 */
export function checkAppliedOnce(final: FinalState): CheckVerdict {
  const total = new Map<string, number>(Object.entries(final.initialStock));
  for (const r of final.restocks) total.set(r.productId, (total.get(r.productId) ?? 0) + r.quantity);
  const bad: string[] = [];
  for (const [id, replica] of Object.entries(final.replicas)) {
    const reservedSum = new Map<string, number>();
    for (const v of Object.values(replica.reservations)) {
      if (v.state === 'RESERVED') reservedSum.set(v.productId, (reservedSum.get(v.productId) ?? 0) + v.quantity);
    }
    for (const [p, s] of Object.entries(replica.stock)) {
      const sum = reservedSum.get(p) ?? 0;
      if (s.reserved !== sum) bad.push(`replica ${id}: ${p} reserved ${s.reserved} but its RESERVED reservations sum to ${sum}`);
      const expected = total.get(p) ?? 0;
      if (s.available + s.reserved !== expected) bad.push(`replica ${id}: ${p} available + reserved = ${s.available + s.reserved}, stock that entered the log = ${expected}`);
    }
  }
  return verdictOf('applied_once', 'no event applied twice or lost inside a replica (reservations and stock add up)', bad, 'every replica’s stock adds up');
}

/**
 * (e) No divergent replica: each replica compared row by row with a reference: the log replayed
 * by the checker's model when the log is known, otherwise the majority of the replicas. Names
 * the replica that differs, which (c) alone does not.
 */
export function checkNoDivergentReplica(final: FinalState, replay: Replay | undefined): CheckVerdict {
  const replicas = Object.entries(final.replicas).map(([id, r]) => ({ id, rows: rowsOf(r) }));
  const reference = replay ? replayRows(replay) : undefined;
  const keys = new Set([...(reference?.keys() ?? []), ...replicas.flatMap((x) => [...x.rows.keys()])]);
  const bad: string[] = [];
  for (const key of [...keys].sort()) {
    const values = replicas.map((x) => x.rows.get(key) ?? MISSING);
    const expected = reference ? (reference.get(key) ?? MISSING) : majorityKey(values);
    if (expected === undefined) {
      bad.push(`${key}: no majority (${replicas.map((x, k) => `replica ${x.id} ${values[k]}`).join(', ')})`);
      continue;
    }
    replicas.forEach((x, k) => {
      if (values[k] !== expected) bad.push(`replica ${x.id} diverges at ${key}: ${values[k]}, ${reference ? 'the log gives' : 'the majority holds'} ${expected}`);
    });
  }
  const against = reference ? 'the log replayed' : 'the majority of replicas';
  return verdictOf('no_divergent_replica', `every replica equals ${against}`, bad, `${replicas.length} replicas equal ${against}`);
}
