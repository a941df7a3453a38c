import { test } from 'node:test';
import assert from 'node:assert/strict';
import { error, notFound, P, timeout, value } from './answers.fixture';
import { classify, decide, quorumDetails, type Agreed, type Decision, type ReplicaAnswer } from './vote';

function agreed(d: Decision): Agreed {
  assert.equal(d.status, 'agreed', JSON.stringify(d));
  return d as Agreed;
}
const verdicts = (a: Agreed, answers: ReplicaAnswer[]) => Object.fromEntries(classify(a, answers).map((v) => [v.instance_id, v.verdict]));

test('three equal answers: agreed by all three', () => {
  const answers = [value('1', 7), value('2', 7), value('3', 7)];
  const d = agreed(decide(answers, 3));
  assert.deepEqual(d.agreeing, ['1', '2', '3']);
  assert.equal(d.value?.available_quantity, 7);
  assert.deepEqual(verdicts(d, answers), { 1: 'agrees', 2: 'agrees', 3: 'agrees' });
});

test('two equal answers decide at once, without waiting for the third', () => {
  const d = agreed(decide([value('1', 7), value('3', 7)], 3));
  assert.deepEqual(d.agreeing, ['1', '3']);
  assert.deepEqual(d.value, { product_id: P, available_quantity: 7, reserved_quantity: 0, position: { partition: 2, offset: 10 } });
});

test('the late third answer, different at the SAME position as an agreeing replica, is an outlier', () => {
  const first = [value('1', 7), value('2', 7)];
  const d = agreed(decide(first, 3));
  const all = [...first, value('3', 99)];
  assert.deepEqual(verdicts(d, all), { 1: 'agrees', 2: 'agrees', 3: 'outlier' });
  assert.deepEqual(decide(all, 3), d, 'the late answer does not change the decision');
});

test('a different value at a different position (behind or ahead) is lagging, not a fault', () => {
  const d = agreed(decide([value('1', 7, 10), value('2', 7, 10)], 3));
  assert.deepEqual(verdicts(d, [value('1', 7, 10), value('2', 7, 10), value('3', 8, 9)]), { 1: 'agrees', 2: 'agrees', 3: 'lagging' });
  assert.deepEqual(verdicts(d, [value('1', 7, 10), value('2', 7, 10), value('3', 6, 11)]), { 1: 'agrees', 2: 'agrees', 3: 'lagging' });
});

test('agreeing replicas at different positions: same value still agrees; the outlier test uses any agreeing position', () => {
  const answers = [value('1', 7, 10), value('2', 7, 12), value('3', 5, 12)];
  const d = agreed(decide(answers, 3));
  assert.deepEqual(d.agreeing, ['1', '2']);
  assert.equal(d.value?.position.offset, 12, 'reported as of the most advanced agreeing replica');
  assert.deepEqual(verdicts(d, answers), { 1: 'agrees', 2: 'agrees', 3: 'outlier' });
});

test('equality is exact on every field of the value: reserved quantity and product id count', () => {
  assert.equal(decide([value('1', 7, 10, 1), value('2', 7, 10, 2)], 3).status, 'pending');
  const other: ReplicaAnswer = { instance_id: '2', kind: 'value', value: { product_id: 'PROD-002', available_quantity: 7, reserved_quantity: 0, position: { partition: 2, offset: 10 } } };
  assert.equal(decide([value('1', 7), other], 3).status, 'pending');
});

test('one answer and two errors: no quorum, with a reason naming who answered what', () => {
  const d = decide([value('1', 7), error('2'), timeout('3')], 3);
  assert.equal(d.status, 'no_quorum');
  assert.match(d.status === 'no_quorum' ? d.reason : '', /1: available 7.*2: error HTTP 500.*3: timeout/);
});

test('two different answers with one outstanding: pending (the third can break the tie)', () => {
  assert.deepEqual(decide([value('1', 7), value('2', 8)], 3), { status: 'pending' });
  assert.deepEqual(agreed(decide([value('1', 7), value('2', 8), value('3', 8)], 3)).agreeing, ['2', '3']);
  // One answer and one error, one outstanding: the third could still agree with the first.
  assert.deepEqual(decide([value('1', 7), error('2')], 3), { status: 'pending' });
  assert.deepEqual(decide([], 3), { status: 'pending' });
});

test('two failures out of three: no quorum at once, the third answer alone could not make one', () => {
  const d = decide([error('1'), timeout('2')], 3);
  assert.equal(d.status, 'no_quorum');
});

test('all three different: no quorum', () => {
  const d = decide([value('1', 7), value('2', 8), value('3', 9)], 3);
  assert.equal(d.status, 'no_quorum');
});

test('a not_found majority agrees on "not found" (value null)', () => {
  const d = agreed(decide([notFound('1', 4), notFound('2', 4)], 3));
  assert.equal(d.value, null);
  assert.deepEqual(d.agreeing, ['1', '2']);
});

test('mixed value / not_found: exact values, so the minority is classified by position', () => {
  // A replica that has not yet applied the StockSet does not know the product: lagging.
  const behind = [value('1', 7, 10), value('2', 7, 10), notFound('3', 3)];
  assert.deepEqual(verdicts(agreed(decide(behind, 3)), behind), { 1: 'agrees', 2: 'agrees', 3: 'lagging' });
  // At the same position as the others, "not found" is a lie.
  const liar = [value('1', 7, 10), notFound('3', 10), value('2', 7, 10)];
  assert.deepEqual(verdicts(agreed(decide(liar, 3)), liar), { 1: 'agrees', 3: 'outlier', 2: 'agrees' });
  // Without a position it cannot be proven wrong.
  const unknown = [value('1', 7, 10), value('2', 7, 10), notFound('3')];
  assert.equal(verdicts(agreed(decide(unknown, 3)), unknown)['3'], 'lagging');
  // A not_found majority with a value at their position: the value is the outlier.
  const ghost = [notFound('1', 5), notFound('2', 5), value('3', 7, 5)];
  assert.deepEqual(verdicts(agreed(decide(ghost, 3)), ghost), { 1: 'agrees', 2: 'agrees', 3: 'outlier' });
  // One value, one not_found, one outstanding: pending; then the third decides.
  assert.equal(decide([value('1', 7), notFound('2', 10)], 3).status, 'pending');
  assert.equal(agreed(decide([value('1', 7), notFound('2', 10), notFound('3', 10)], 3)).value, null);
});

test('errors and timeouts are classified as failed', () => {
  const answers = [value('1', 7), value('2', 7), error('3')];
  assert.deepEqual(verdicts(agreed(decide(answers, 3)), answers), { 1: 'agrees', 2: 'agrees', 3: 'failed' });
  const late = [value('1', 7), value('2', 7), timeout('3')];
  assert.equal(verdicts(agreed(decide(late, 3)), late)['3'], 'failed');
});

test('only two replicas asked (one is OFF): both must agree', () => {
  assert.deepEqual(agreed(decide([value('1', 7), value('3', 7)], 2)).agreeing, ['1', '3']);
  assert.deepEqual(decide([value('1', 7)], 2), { status: 'pending' });
  assert.equal(decide([value('1', 7), value('3', 8)], 2).status, 'no_quorum');
  assert.equal(decide([value('1', 7), error('3')], 2).status, 'no_quorum');
});

test('a single replica asked can never reach a quorum of 2', () => {
  const d = decide([], 1);
  assert.equal(d.status, 'no_quorum');
  assert.match(d.status === 'no_quorum' ? d.reason : '', /only 1 replica/);
});

test('a replica counts once: a duplicate answer cannot make a quorum by itself', () => {
  assert.deepEqual(decide([value('1', 7), value('1', 7)], 3), { status: 'pending' });
  assert.equal(decide([value('1', 7), value('1', 7), value('2', 8), value('3', 9)], 3).status, 'no_quorum');
});

test('quorumDetails: who answered what, with verdicts once agreed', () => {
  const answers = [value('1', 7), value('2', 7), value('3', 99)];
  const d = decide(answers, 3);
  assert.deepEqual(quorumDetails(d, answers, 3), {
    quorum: 2,
    asked: 3,
    status: 'agreed',
    agreeing: ['1', '2'],
    answers: [
      { instance_id: '1', answer: 'value', available_quantity: 7, reserved_quantity: 0, position: { partition: 2, offset: 10 }, verdict: 'agrees' },
      { instance_id: '2', answer: 'value', available_quantity: 7, reserved_quantity: 0, position: { partition: 2, offset: 10 }, verdict: 'agrees' },
      { instance_id: '3', answer: 'value', available_quantity: 99, reserved_quantity: 0, position: { partition: 2, offset: 10 }, verdict: 'outlier' },
    ],
  });
  const failed = [value('1', 7), error('2'), notFound('3')];
  assert.deepEqual(quorumDetails(decide(failed, 3), failed, 3).answers, [
    { instance_id: '1', answer: 'value', available_quantity: 7, reserved_quantity: 0, position: { partition: 2, offset: 10 } },
    { instance_id: '2', answer: 'error', error: 'HTTP 500' },
    { instance_id: '3', answer: 'not_found' },
  ]);
});

test('answers from replicas that cannot reach the log still make a majority, and the agreed value says so', () => {
  const unreachable = (a: ReplicaAnswer): ReplicaAnswer => (a.kind === 'value' ? { ...a, value: { ...a.value, log_reachable: false } } : a);
  const d = agreed(decide([value('1', 7, 12), unreachable(value('2', 7, 10))], 3));
  assert.deepEqual(d.value, { product_id: P, available_quantity: 7, reserved_quantity: 0, position: { partition: 2, offset: 12 }, log_reachable: false });
  assert.equal(agreed(decide([value('1', 7, 12), value('2', 7, 10)], 3)).value?.log_reachable, undefined);
});

/** A value answer carrying its history: [offset, available] changes, oldest first (reserved 0). */
const withHistory = (id: '1' | '2' | '3', offset: number, changes: [number, number][]): ReplicaAnswer => {
  const last = changes[changes.length - 1]!;
  const a = value(id, last[1], offset);
  if (a.kind !== 'value') throw new Error('a value answer');
  return { ...a, value: { ...a.value, history: changes.map(([o, available]) => ({ offset: o, available_quantity: available, reserved_quantity: 0 })) } };
};

test('three replicas stopped at three positions (the log away): agreed on what two held at the second position, named as such', () => {
  // The product changed at 20 (to 9), 21 (to 8), 22 (to 7) and 23 (to 6); the replicas reached 21, 22 and 23.
  const answers = [withHistory('1', 21, [[20, 9], [21, 8]]), withHistory('2', 22, [[21, 8], [22, 7]]), withHistory('3', 23, [[21, 8], [22, 7], [23, 6]])];
  const d = agreed(decide(answers, 3));
  assert.deepEqual(d.value, { product_id: P, available_quantity: 7, reserved_quantity: 0, position: { partition: 2, offset: 22 } });
  assert.deepEqual(d.agreeing, ['2', '3']);
});

test('an agreement in the past accuses nobody of its own later state; a different value AT the agreed position is still an outlier', () => {
  const answers = [withHistory('1', 21, [[20, 9], [21, 8]]), withHistory('2', 22, [[21, 8], [22, 7]]), withHistory('3', 23, [[21, 8], [22, 7], [23, 6]])];
  const d = agreed(decide(answers, 3));
  assert.deepEqual(verdicts(d, answers), { 1: 'lagging', 2: 'agrees', 3: 'agrees' }, 'replica 3 agreed through its history, at 22; its 6 at 23 is no lie');
  const first = [withHistory('1', 23, [[22, 7], [23, 6]]), withHistory('2', 22, [[21, 8], [22, 7]])];
  const inThePast = agreed(decide(first, 3));
  assert.deepEqual(inThePast.value?.position, { partition: 2, offset: 22 });
  assert.deepEqual(verdicts(inThePast, [...first, value('3', 99, 22)]), { 1: 'agrees', 2: 'agrees', 3: 'outlier' });
});

test('two answers at two positions agree at the lower one as soon as the further one\'s history shows the same value there', () => {
  const d = agreed(decide([value('1', 8, 21), withHistory('3', 23, [[21, 8], [23, 7]])], 3));
  assert.deepEqual(d.value?.position, { partition: 2, offset: 21 });
  assert.equal(d.value?.available_quantity, 8);
  assert.deepEqual(d.agreeing, ['1', '3']);
});

test('no agreement in the past without a history reaching back, or when the histories disagree', () => {
  // Without histories: three values at three positions stay without quorum (the voter asks again).
  assert.equal(decide([value('1', 9, 20), value('2', 8, 21), value('3', 7, 23)], 3).status, 'no_quorum');
  // Replica 3's history starts after offset 21: what it held there is unknown.
  assert.equal(decide([value('1', 9, 20), value('2', 8, 21), withHistory('3', 23, [[22, 6], [23, 7]])], 3).status, 'no_quorum');
  // At offset 21, replica 2 says 8 but replica 3's history says 5: a disagreement, no quorum.
  assert.equal(decide([value('1', 9, 20), value('2', 8, 21), withHistory('3', 23, [[20, 9], [21, 5], [23, 7]])], 3).status, 'no_quorum');
});

test('a history never leaks into the agreed value', () => {
  const d = agreed(decide([withHistory('1', 21, [[21, 8]]), withHistory('2', 21, [[21, 8]])], 3));
  assert.deepEqual(d.value, { product_id: P, available_quantity: 8, reserved_quantity: 0, position: { partition: 2, offset: 21 } });
});
