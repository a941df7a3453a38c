import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ratio } from './ratio';

test('ratio is null, not 1 or 0, for an empty denominator', () => {
  assert.equal(ratio(0, 0), null);
  assert.equal(ratio(99, 100), 0.99);
});
