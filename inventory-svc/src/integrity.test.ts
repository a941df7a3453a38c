import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stateViolations, type ProductTotals } from './integrity';

const product = (id: string, available: number, reserved: number, byReservations = reserved): ProductTotals => ({
  product_id: id,
  stock: { available_quantity: available, reserved_quantity: reserved },
  reserved_by_reservations: byReservations,
});

test('a state whose stock rows match their reservations passes, and so does an empty one at offset 0', () => {
  assert.deepEqual(stateViolations([product('PROD-001', 990, 10), product('PROD-002', 500, 0)], 42), []);
  assert.deepEqual(stateViolations([], 0), []);
});

test('the duplicate-replica corruption: reservations adding up to more than the stock row holds', () => {
  assert.deepEqual(stateViolations([product('PROD-002', 108, 392, 631)], 900), ['PROD-002: reserved 392 but its reservations add up to 631']);
});

test('negative quantities, reservations without a stock row, and rows without applied events are caught', () => {
  assert.deepEqual(stateViolations([product('PROD-001', -3, 3)], 10), ['PROD-001: negative quantity (available -3, reserved 3)']);
  assert.deepEqual(stateViolations([{ product_id: 'PROD-009', stock: null, reserved_by_reservations: 4 }], 10), ['PROD-009: 4 reserved by reservations but no stock row']);
  assert.deepEqual(stateViolations([product('PROD-001', 1000, 0)], 0), ['rows for 1 product(s) while the offsets say no event was applied']);
});

test('rejected or released reservations without a stock row are not a violation (an order for an unknown product)', () => {
  assert.deepEqual(stateViolations([{ product_id: 'NOPE-1', stock: null, reserved_by_reservations: 0 }], 5), []);
});
