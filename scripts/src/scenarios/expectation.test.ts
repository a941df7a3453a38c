import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { atLeast, atMost, equals, renderExpectations, timing } from './expectation';

describe('demo expectations', () => {
  it('holds a bound only when the value was measured and is within it', () => {
    assert.equal(atMost('TTD', 380, 400, 'ms').met, true);
    assert.equal(atMost('TTD', 401, 400, 'ms').met, false);
    assert.equal(atMost('TTD', undefined, 400, 'ms').met, false);
    assert.equal(atLeast('decided', 10, 10).met, true);
    assert.equal(atLeast('decided', 9, 10).met, false);
    assert.equal(equals('lost orders', 0, 0).met, true);
    assert.equal(equals('lost orders', 1, 0).met, false);
  });

  it('prints expected beside observed and says which rows do not hold', () => {
    const text = renderExpectations('db-flapping', [equals('process crashes', 0, 0), atMost('decision p99', 812.3, 500, 'ms')]);
    assert.match(text, /process crashes\s+0\s+0\s+ok/);
    assert.match(text, /decision p99\s+≤ 500 ms\s+812\.3 ms\s+MISMATCH/);
    assert.match(text, /1 of 2 expectations NOT met/);
  });
});

describe('timing rows', () => {
  it('keep their verdict and say they bound time', () => {
    const row = timing(atMost('TTD', 1200, 1000, 'ms'));
    assert.equal(row.met, false);
    assert.equal(row.timing, true);
    assert.equal(atMost('TTD', 1200, 1000, 'ms').timing, undefined);
  });
});
