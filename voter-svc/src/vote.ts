/**
 * The 2-of-3 majority decision for one product's stock, as a pure function of the answers received so far.
 *
 * Replica states are deterministic functions of the Kafka log, so agreement is EXACT equality of the value
 * (product_id, available_quantity, reserved_quantity, or "not found"), never a statistical rule: with three
 * values, "more than k standard deviations from the mean" can never single one out. The voter calls `decide`
 * after every answer and replies as soon as it says 'agreed' (two equal answers suffice, the third is not
 * awaited); when the third answer arrives it calls `classify` to tell a liar from a laggard:
 *  - same log position as an agreeing replica but a different value: OUTLIER, a fault to report, because two
 *    replicas that applied the same log prefix must hold the same state;
 *  - different (lower or higher) position: LAGGING, not a fault: it has applied fewer or more events.
 * The position is not part of the value: two replicas at different offsets with the same stock agree (the
 * events in between concerned other products of the partition).
 *
 * Replicas at different positions with different values can still agree on the past: when the answers
 * carry the product's latest changes (`history`), the value each held at the position the quorum-th most
 * advanced one reached is compared, and if a quorum held the same value there, that value is agreed, at
 * that position (an earlier state of the log, named as such). That is what a read finds while the log is
 * away (every replica stopped wherever its last fetch ended, and nothing will bring them together until
 * the broker returns), and, briefly, while orders flow.
 */
import type { LogPosition, ReplicaId, StockChange, StockView } from '@ftlab/shared';

export type ReplicaAnswer =
  | { instance_id: ReplicaId; kind: 'value'; value: StockView }
  /** The replica does not know the product; `position` is its applied offset in the product's partition, if it said. */
  | { instance_id: ReplicaId; kind: 'not_found'; position?: LogPosition }
  /** A failed call: what happened, and the failure cause it is evidence of for the monitor. */
  | { instance_id: ReplicaId; kind: 'error'; error: string; cause: 'crash' | 'http_error' }
  | { instance_id: ReplicaId; kind: 'timeout' };

export type Agreed = {
  status: 'agreed';
  /** The agreed stock, null when the majority does not know the product. */
  value: StockView | null;
  agreeing: ReplicaId[];
};
export type Decision =
  | Agreed
  /** No quorum yet, but the answers still outstanding could make one: keep waiting. */
  | { status: 'pending' }
  /** No quorum, and none is possible any more with these answers. */
  | { status: 'no_quorum'; reason: string };

export type Verdict = 'agrees' | 'outlier' | 'lagging' | 'failed';

export const DEFAULT_QUORUM = 2;

/**
 * Decides from the answers received so far. `expected` is how many replicas were asked (the ON ones), so
 * `expected - answers` are still outstanding. A replica counts once (its first answer), so one replica can
 * never make a quorum on its own, whatever the caller passes.
 */
export function decide(answers: readonly ReplicaAnswer[], expected: number, quorum = DEFAULT_QUORUM): Decision {
  if (!Number.isInteger(quorum) || quorum < 1) throw new RangeError(`quorum must be a positive integer, got ${quorum}`);
  const unique = firstPerReplica(answers);
  const groups = groupByValue(unique);
  const largest = groups[0];
  if (largest !== undefined && largest.members.length >= quorum) {
    // Only possible when quorum <= expected / 2: two different values would both "win".
    const rival = groups[1];
    if (rival !== undefined && rival.members.length === largest.members.length) {
      return { status: 'no_quorum', reason: `tie: ${describe(unique)}` };
    }
    return { status: 'agreed', value: agreedValue(largest.members), agreeing: largest.members.map((a) => a.instance_id) };
  }
  const past = agreedInThePast(unique, quorum);
  if (past) return past;
  const outstanding = Math.max(0, expected - unique.length);
  if ((largest?.members.length ?? 0) + outstanding >= quorum) return { status: 'pending' };
  if (expected < quorum) {
    return { status: 'no_quorum', reason: `only ${expected} replica(s) asked, quorum is ${quorum}` };
  }
  return { status: 'no_quorum', reason: `no ${quorum} answers agree (${describe(unique)})` };
}

/**
 * The verdict on every replica that answered, once a value is agreed; call it again when a late answer
 * arrives. A different answer is an outlier only when it is provably from the same log state as an agreeing
 * one (same partition and offset); without a position to compare it cannot be proven wrong, so it is lagging.
 */
export function classify(
  agreed: Agreed,
  answers: readonly ReplicaAnswer[],
): Array<{ instance_id: ReplicaId; verdict: Verdict }> {
  const unique = firstPerReplica(answers);
  const key = agreed.value === null ? NOT_FOUND : valueKey(agreed.value);
  // Where the agreed value is provably the log's state: the positions of the answers that carry it.
  // A replica that agreed in the past (its history) answered a later state, which proves nothing.
  const agreeingPositions = unique
    .filter((a) => agreed.agreeing.includes(a.instance_id) && keyOf(a) === key)
    .flatMap((a) => {
      const p = positionOf(a);
      return p === undefined ? [] : [p];
    });
  if (agreed.value) agreeingPositions.push(agreed.value.position);
  return unique.map((a): { instance_id: ReplicaId; verdict: Verdict } => {
    const k = keyOf(a);
    if (k === null) return { instance_id: a.instance_id, verdict: 'failed' };
    if (k === key || agreed.agreeing.includes(a.instance_id)) return { instance_id: a.instance_id, verdict: 'agrees' };
    const p = positionOf(a);
    const sameState = p !== undefined && agreeingPositions.some((q) => q.partition === p.partition && q.offset === p.offset);
    return { instance_id: a.instance_id, verdict: sameState ? 'outlier' : 'lagging' };
  });
}

/** One line of the voter's JSON answer: who answered what, and the verdict once a value is agreed. */
export interface AnswerDetail {
  instance_id: ReplicaId;
  answer: ReplicaAnswer['kind'];
  available_quantity?: number;
  reserved_quantity?: number;
  position?: LogPosition;
  error?: string;
  verdict?: Verdict;
}

/** The quorum section of the voter's JSON answer. */
export interface QuorumDetails {
  quorum: number;
  asked: number;
  status: Decision['status'];
  agreeing: ReplicaId[];
  answers: AnswerDetail[];
}

export function quorumDetails(
  decision: Decision,
  answers: readonly ReplicaAnswer[],
  expected: number,
  quorum = DEFAULT_QUORUM,
): QuorumDetails {
  const unique = firstPerReplica(answers);
  const verdicts = new Map(decision.status === 'agreed' ? classify(decision, unique).map((v) => [v.instance_id, v.verdict]) : []);
  return {
    quorum,
    asked: expected,
    status: decision.status,
    agreeing: decision.status === 'agreed' ? [...decision.agreeing] : [],
    answers: unique.map((a) => {
      const d: AnswerDetail = { instance_id: a.instance_id, answer: a.kind };
      if (a.kind === 'value') {
        d.available_quantity = a.value.available_quantity;
        d.reserved_quantity = a.value.reserved_quantity;
        d.position = { ...a.value.position };
      } else if (a.kind === 'not_found' && a.position !== undefined) {
        d.position = { ...a.position };
      } else if (a.kind === 'error') {
        d.error = a.error;
      }
      const v = verdicts.get(a.instance_id);
      if (v !== undefined) d.verdict = v;
      return d;
    }),
  };
}

// ---- internals ----

const NOT_FOUND = 'not_found';

/** Exact identity of an answer's value; the position is deliberately left out (see the file comment). */
function valueKey(v: StockView): string {
  return JSON.stringify([v.product_id, v.available_quantity, v.reserved_quantity]);
}

/** The value key, or null for an answer that carries no value (error, timeout). */
function keyOf(a: ReplicaAnswer): string | null {
  if (a.kind === 'value') return valueKey(a.value);
  if (a.kind === 'not_found') return NOT_FOUND;
  return null;
}

function positionOf(a: ReplicaAnswer): LogPosition | undefined {
  if (a.kind === 'value') return a.value.position;
  if (a.kind === 'not_found') return a.position;
  return undefined;
}

function firstPerReplica(answers: readonly ReplicaAnswer[]): ReplicaAnswer[] {
  const seen = new Set<ReplicaId>();
  return answers.filter((a) => !seen.has(a.instance_id) && seen.add(a.instance_id));
}

/** Answers grouped by exact value, largest group first (ties: first answered first). */
function groupByValue(answers: readonly ReplicaAnswer[]): Array<{ key: string; members: ReplicaAnswer[] }> {
  const groups = new Map<string, ReplicaAnswer[]>();
  for (const a of answers) {
    const k = keyOf(a);
    if (k === null) continue;
    groups.set(k, [...(groups.get(k) ?? []), a]);
  }
  // Array.prototype.sort is stable, so equal sizes keep first-answer order.
  return [...groups].map(([key, members]) => ({ key, members })).sort((x, y) => y.members.length - x.members.length);
}

/**
 * The agreed stock as of the most advanced agreeing replica: the latest point where it is known to
 * hold. It is flagged `log_reachable: false` when an agreeing replica says it cannot reach the log:
 * still the value at that position, but the log may be further on.
 */
function agreedValue(members: readonly ReplicaAnswer[]): StockView | null {
  let best: StockView | null = null;
  let logUnreachable = false;
  for (const a of members) {
    if (a.kind !== 'value') return null; // the group is all not_found
    if (best === null || a.value.position.offset > best.position.offset) best = a.value;
    logUnreachable ||= a.value.log_reachable === false;
  }
  if (best === null) return null;
  const { log_reachable: _flag, history: _history, ...value } = best;
  return { ...value, position: { ...best.position }, ...(logUnreachable ? { log_reachable: false } : {}) };
}

/**
 * The value a quorum held at the position the quorum-th most advanced answer reached (all of one
 * partition): each replica's value there is its answer if it is exactly there, else taken from its
 * history (the last change at or before it, which the history must reach back to).
 */
function agreedInThePast(answers: readonly ReplicaAnswer[], quorum: number): Agreed | undefined {
  const values = answers.flatMap((a) => (a.kind === 'value' ? [{ id: a.instance_id, value: a.value }] : []));
  const partition = values[0]?.value.position.partition;
  if (values.length < quorum || values.some((v) => v.value.position.partition !== partition)) return undefined;
  const offset = values.map((v) => v.value.position.offset).sort((x, y) => y - x)[quorum - 1]!;
  const groups = new Map<string, { value: StockView; members: typeof values }>();
  for (const v of values) {
    const then = valueAt(v.value, offset);
    if (!then) continue;
    const key = valueKey(then);
    const group = groups.get(key) ?? { value: then, members: [] };
    group.members.push(v);
    groups.set(key, group);
  }
  const held = [...groups.values()].find((g) => g.members.length >= quorum);
  if (!held) return undefined;
  const logUnreachable = held.members.some((m) => m.value.log_reachable === false);
  return { status: 'agreed', value: { ...held.value, ...(logUnreachable ? { log_reachable: false } : {}) }, agreeing: held.members.map((m) => m.id) };
}

/** What a replica that answered `v` held at `offset` of the same partition, if it can be told. */
function valueAt(v: StockView, offset: number): StockView | undefined {
  const at = (c: { available_quantity: number; reserved_quantity: number }): StockView => ({
    product_id: v.product_id,
    available_quantity: c.available_quantity,
    reserved_quantity: c.reserved_quantity,
    position: { partition: v.position.partition, offset },
  });
  if (v.position.offset === offset) return at(v);
  if (v.position.offset < offset || !v.history) return undefined;
  let last: StockChange | undefined;
  for (const change of v.history) {
    if (change.offset > offset) break;
    last = change;
  }
  return last && at(last);
}

function describe(answers: readonly ReplicaAnswer[]): string {
  if (answers.length === 0) return 'no answers';
  return answers
    .map((a) => {
      switch (a.kind) {
        case 'value':
          return `${a.instance_id}: available ${a.value.available_quantity}, reserved ${a.value.reserved_quantity} at ${a.value.position.partition}/${a.value.position.offset}`;
        case 'not_found':
          return `${a.instance_id}: not found`;
        case 'error':
          return `${a.instance_id}: error ${a.error}`;
        case 'timeout':
          return `${a.instance_id}: timeout`;
      }
    })
    .join('; ');
}
