import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideOrder, dissenters, type PlacementResult } from './decision';

const reserved = (instance_id: '1' | '2' | '3'): PlacementResult => ({ instance_id, outcome: 'RESERVED' });
const rejected = (instance_id: '1' | '2' | '3', reason: 'OUT_OF_STOCK' | 'UNKNOWN_PRODUCT' = 'OUT_OF_STOCK'): PlacementResult => ({
  instance_id,
  outcome: 'REJECTED',
  reason,
});

test('one result decides nothing', () => {
  assert.deepEqual(decideOrder([reserved('1')]), { status: 'PENDING' });
});

test('two RESERVED confirm the order without waiting for the third replica', () => {
  assert.deepEqual(decideOrder([reserved('1'), reserved('3')]), { status: 'CONFIRMED' });
});

test('two REJECTED reject it, with the reason the majority gave', () => {
  assert.deepEqual(decideOrder([rejected('2', 'UNKNOWN_PRODUCT'), rejected('3', 'UNKNOWN_PRODUCT')]), {
    status: 'REJECTED',
    reason: 'UNKNOWN_PRODUCT',
  });
});

test('one each way is still undecided: the third replica breaks the tie', () => {
  assert.deepEqual(decideOrder([reserved('1'), rejected('2')]), { status: 'PENDING' });
  assert.deepEqual(decideOrder([reserved('1'), rejected('2'), reserved('3')]), { status: 'CONFIRMED' });
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
