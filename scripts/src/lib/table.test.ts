import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixed, formatTable, percent } from './table';

test('percent writes a share with two decimals, and a dash where there is none', () => {
  assert.equal(percent(0.99042), '99.04 %');
  assert.equal(percent(1), '100.00 %');
  assert.equal(percent(null), '-');
  assert.equal(percent(undefined), '-');
  assert.equal(percent(Number.NaN), '-');
});

test('fixed writes the given decimals, and a dash where there is no number', () => {
  assert.equal(fixed(1.234, 2), '1.23');
  assert.equal(fixed(null), '-');
});

test('formatTable right-aligns numeric cells under their header', () => {
  const lines = formatTable(['name', 'p99 ms'], [['a', '1.50'], ['bb', '12.00']]).split('\n');
  assert.deepEqual(lines, ['name  p99 ms', '----  ------', 'a       1.50', 'bb     12.00']);
});
