import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replicaErrorReport } from '@ftlab/shared';
import { decideBatch, decideOrder, dissenters, type PlacementResult, type Vote } from './decision';

const reserved = (instance_id: '1' | '2' | '3'): PlacementResult => ({ instance_id, outcome: 'RESERVED' });
const rejected = (instance_id: '1' | '2' | '3', reason: 'OUT_OF_STOCK' | 'UNKNOWN_PRODUCT' = 'OUT_OF_STOCK'): PlacementResult => ({
  instance_id,
  outcome: 'REJECTED',
  reason,
});

test('one result decides nothing', () => {
  assert.deepEqual(decideOrder([reserved('1')]), { status: 'PENDING' });
});

test('two RESERVED reserve the order without waiting for the third replica', () => {
  assert.deepEqual(decideOrder([reserved('1'), reserved('3')]), { status: 'RESERVED' });
});

test('two REJECTED reject it, with the reason the majority gave', () => {
  assert.deepEqual(decideOrder([rejected('2', 'UNKNOWN_PRODUCT'), rejected('3', 'UNKNOWN_PRODUCT')]), {
    status: 'REJECTED',
    reason: 'UNKNOWN_PRODUCT',
  });
});

test('one each way is still undecided: the third replica breaks the tie', () => {
  assert.deepEqual(decideOrder([reserved('1'), rejected('2')]), { status: 'PENDING' });
  assert.deepEqual(decideOrder([reserved('1'), rejected('2'), reserved('3')]), { status: 'RESERVED' });
});

test('the replica that contradicts the decided majority is a dissenter; agreeing ones are not', () => {
  const results = [reserved('1'), rejected('2'), reserved('3')];
  assert.deepEqual(dissenters(decideOrder(results), results), [rejected('2')]);
  assert.deepEqual(dissenters(decideOrder([reserved('1'), reserved('2')]), [reserved('1'), reserved('2')]), []);
});

test('nobody dissents from an undecided order', () => {
  const results = [reserved('1'), rejected('2')];
  assert.deepEqual(dissenters(decideOrder(results), results), []);
});

const A = '0190a6c8-7a3e-7c4f-9b1d-00000000000a';
const B = '0190a6c8-7a3e-7c4f-9b1d-00000000000b';
const vote = (order_id: string, r: PlacementResult, fresh: boolean): Vote => ({ ...r, order_id, fresh });

test('a batch decides each order its new results complete, in the order the orders first appear', () => {
  const { decisions, reports } = decideBatch(
    [vote(B, rejected('1'), true), vote(A, reserved('2'), true), vote(B, rejected('3'), false), vote(A, reserved('1'), false)],
    'orders-svc',
  );
  assert.deepEqual(decisions, [
    { order_id: B, decision: { status: 'REJECTED', reason: 'OUT_OF_STOCK' } },
    { order_id: A, decision: { status: 'RESERVED' } },
  ]);
  assert.deepEqual(reports, []);
});

test('an order whose results were all seen before is not decided again (a redelivery, or only a release)', () => {
  const { decisions } = decideBatch([vote(A, reserved('1'), false), vote(A, reserved('2'), false), vote(B, reserved('3'), true)], 'orders-svc');
  assert.deepEqual(decisions, []);
});

test('a dissenter is reported when its own result is new in the batch, so a redelivered batch reports nothing twice', () => {
  const late = decideBatch([vote(A, reserved('1'), false), vote(A, rejected('2'), true), vote(A, reserved('3'), false)], 'orders-svc');
  assert.equal(late.reports.length, 1);
  const [report] = late.reports;
  assert.deepEqual(replicaErrorReport.parse(report), report, 'the monitor parses it');
  assert.deepEqual(
    { instance_id: report!.instance_id, cause: report!.cause, reporter: report!.reporter, order_id: report!.order_id, expected: report!.expected, actual: report!.actual },
    { instance_id: '2', cause: 'incorrect_response', reporter: 'orders-svc', order_id: A, expected: 'RESERVED', actual: 'REJECTED' },
  );
  assert.match(report!.detail, /replica 2 answered REJECTED .* the majority decided RESERVED/);

  const earlier = decideBatch([vote(A, reserved('1'), false), vote(A, rejected('2'), false), vote(A, reserved('3'), true)], 'orders-svc');
  assert.deepEqual(earlier.decisions, [{ order_id: A, decision: { status: 'RESERVED' } }]);
  assert.deepEqual(earlier.reports, [], 'only results new in this batch are reported: a dissent that came before the decision is not');
});
