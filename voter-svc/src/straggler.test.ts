import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STRAGGLER_FLOOR_MS, stragglerAfterMs } from './straggler';

test('peers answering in a few ms: a replica silent for 50 ms is a straggler', () => {
  assert.equal(stragglerAfterMs([2.5, 3.1]), STRAGGLER_FLOOR_MS);
});

test('slow peers (a busy host) stretch the wait: five times the slower peer', () => {
  assert.equal(stragglerAfterMs([12, 40]), 200);
});

test('without two answering peers there is nothing to compare the silence with', () => {
  assert.equal(stragglerAfterMs([3]), undefined);
  assert.equal(stragglerAfterMs([]), undefined);
});
