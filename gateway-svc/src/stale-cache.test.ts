import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StockView } from '@ftlab/shared';
import { StaleCache } from './stale-cache';

const view = (product_id: string, available: number, offset: number, partition = 0): StockView => ({
  product_id,
  available_quantity: available,
  reserved_quantity: 0,
  position: { partition, offset },
});

test('nothing remembered: none', () => {
  assert.deepEqual(new StaleCache().lookup('PROD-001', 0, 60_000), { kind: 'none' });
});

test('a remembered answer is usable with its age up to the limit, then too old', () => {
  const cache = new StaleCache();
  cache.remember(view('PROD-001', 990, 12), 1000);
  assert.deepEqual(cache.lookup('PROD-001', 1000, 60_000), { kind: 'usable', value: view('PROD-001', 990, 12), ageMs: 0 });
  assert.deepEqual(cache.lookup('PROD-001', 61_000, 60_000), { kind: 'usable', value: view('PROD-001', 990, 12), ageMs: 60_000 });
  assert.deepEqual(cache.lookup('PROD-001', 61_001, 60_000), { kind: 'too_old', ageMs: 60_001 });
  assert.deepEqual(cache.lookup('PROD-002', 1000, 60_000), { kind: 'none' });
});

test('a newer answer replaces the old one and restarts its age', () => {
  const cache = new StaleCache();
  cache.remember(view('PROD-001', 990, 12), 1000);
  cache.remember(view('PROD-001', 980, 13), 5000);
  assert.deepEqual(cache.lookup('PROD-001', 6000, 60_000), { kind: 'usable', value: view('PROD-001', 980, 13), ageMs: 1000 });
});

test('an answer from further back in the log (a slow reply overtaken) does not replace a later one', () => {
  const cache = new StaleCache();
  cache.remember(view('PROD-001', 980, 13), 1000);
  cache.remember(view('PROD-001', 990, 12), 2000);
  const found = cache.lookup('PROD-001', 2000, 60_000);
  assert.equal(found.kind, 'usable');
  if (found.kind === 'usable') assert.equal(found.value.available_quantity, 980);
});

test('the cache is bounded: the product stored longest ago goes first', () => {
  const cache = new StaleCache(2);
  cache.remember(view('A', 1, 1), 0);
  cache.remember(view('B', 1, 1), 1);
  cache.remember(view('A', 2, 2), 2);
  cache.remember(view('C', 1, 1), 3);
  assert.equal(cache.size, 2);
  assert.equal(cache.lookup('B', 3, 100).kind, 'none');
  assert.equal(cache.lookup('A', 3, 100).kind, 'usable');
  assert.equal(cache.lookup('C', 3, 100).kind, 'usable');
});
