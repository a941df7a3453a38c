import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pickVictims } from './db-flapping';

const sequence = (values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

describe('db-flapping victims', () => {
  it('terminates each connection whose draw falls under the probability', () => {
    assert.deepEqual(pickVictims(['a', 'b', 'c', 'd'], 0.5, sequence([0.1, 0.9, 0.49, 0.5])), ['a', 'c']);
  });
  it('terminates none at probability 0 and all at probability 1', () => {
    assert.deepEqual(pickVictims(['a', 'b'], 0, sequence([0, 0.5])), []);
    assert.deepEqual(pickVictims(['a', 'b'], 1, sequence([0.999, 0])), ['a', 'b']);
  });
});
