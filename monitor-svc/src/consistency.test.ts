import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StockView } from '@ftlab/shared';
import { crossCheck } from './consistency';

const stock = (available: number, offset = 7, product_id = 'PROD-001'): StockView => ({
  product_id,
  available_quantity: available,
  reserved_quantity: 3,
  position: { partition: 1, offset },
});

test('three equal answers at one position: everyone matches', () => {
  const v = crossCheck({ '1': [stock(10)], '2': [stock(10)], '3': [stock(10)] });
  assert.deepEqual(Object.fromEntries(v), { '1': 'matches', '2': 'matches', '3': 'matches' });
});

test('a different value at the same position as two agreeing peers is a lie', () => {
  const v = crossCheck({ '1': [stock(47)], '2': [stock(10)], '3': [stock(10)] });
  assert.equal(v.get('1'), 'differs');
  assert.equal(v.get('2'), 'matches');
});

test('a different value at a different position is lag: no verdict for that replica', () => {
  const v = crossCheck({ '1': [stock(9, 8)], '2': [stock(10)], '3': [stock(10)] });
  assert.equal(v.has('1'), false);
});

test('two answers cannot outvote each other: no verdict without a third at the same position', () => {
  assert.equal(crossCheck({ '1': [stock(47)], '2': [stock(10)] }).size, 0);
});

test('one lie among several products is enough to be flagged', () => {
  const honest = [stock(10), stock(5, 2, 'PROD-002')];
  const v = crossCheck({ '1': [stock(10), stock(99, 2, 'PROD-002')], '2': honest, '3': honest });
  assert.equal(v.get('1'), 'differs');
});
