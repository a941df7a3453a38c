import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bracketFor, judgeAnswer, majorityKey, type ReadAnswer, type Snapshot } from './wrong-answers';

type Rows = Record<string, [number, number] | undefined>;

/** A snapshot taken at `at` (1 ms long) of PROD-001's rows per replica. */
const snap = (at: number, rows: Rows): Snapshot => ({
  issuedAt: at,
  returnedAt: at + 1,
  rows: new Map([
    [
      'PROD-001',
      new Map(
        Object.entries(rows)
          .filter((e): e is [string, [number, number]] => e[1] !== undefined)
          .map(([id, [available, reserved]]) => [id, { available, reserved }]),
      ),
    ],
  ]),
});
const value = (available: number, reserved: number): ReadAnswer => ({ kind: 'value', available, reserved });
const same = (a: number, r: number): Rows => ({ '1': [a, r], '2': [a, r], '3': [a, r] });

describe('majority', () => {
  test('2 of 3 agree, or nothing', () => {
    assert.equal(majorityKey(['a', 'a', 'b']), 'a');
    assert.equal(majorityKey(['a', 'b', 'c']), undefined);
    assert.equal(majorityKey(['a', 'absent', 'absent']), 'absent');
  });
});

describe('bracket', () => {
  const snaps = [snap(0, same(1, 0)), snap(250, same(1, 0)), snap(500, same(1, 0)), snap(750, same(1, 0))];
  test('from the last snapshot before sending to the first after the answer, plus the one before', () => {
    const found = bracketFor(snaps, 300, 400)!;
    assert.deepEqual(found.bracket.map((s) => s.issuedAt), [250, 500]);
    assert.equal(found.previous?.issuedAt, 0);
  });
  test('not ready until a snapshot follows the answer', () => {
    assert.equal(bracketFor(snaps, 700, 800), undefined);
  });
  test('sent before the first snapshot returned: from the start, with no previous', () => {
    const found = bracketFor(snaps, 0.5, 100)!;
    assert.deepEqual(found.bracket.map((s) => s.issuedAt), [0, 250]);
    assert.equal(found.previous, undefined);
  });
});

describe('wrong-answer rule', () => {
  const quietBefore = snap(0, same(900, 100));
  const quiet = [snap(250, same(900, 100)), snap(500, same(900, 100))];

  test('the value every replica holds is right', () => {
    assert.equal(judgeAnswer('PROD-001', value(900, 100), quiet, quietBefore), 'right');
  });

  test('a lie about available (the incorrect fault adds 37) breaks the conserved total', () => {
    assert.equal(judgeAnswer('PROD-001', value(937, 100), quiet, quietBefore), 'wrong');
  });

  test('when quiet, a value with the right total but no majority behind it is wrong', () => {
    assert.equal(judgeAnswer('PROD-001', value(899, 101), quiet, quietBefore), 'wrong');
  });

  test('while orders move stock, any split with the conserved total is accepted', () => {
    const moving = [snap(250, same(900, 100)), snap(500, { '1': [898, 102], '2': [898, 102], '3': [899, 101] })];
    assert.equal(judgeAnswer('PROD-001', value(899, 101), moving, quietBefore), 'right');
    assert.equal(judgeAnswer('PROD-001', value(890, 101), moving, quietBefore), 'wrong');
  });

  test('a row that changed just before the bracket is not quiet yet (memory may lag the commit)', () => {
    const justChanged = snap(0, same(901, 99));
    assert.equal(judgeAnswer('PROD-001', value(901, 99), quiet, justChanged), 'right');
  });

  test('one replica off does not change the majority', () => {
    const oneOff = [snap(250, { '1': [937, 100], '2': [900, 100], '3': [900, 100] }), snap(500, { '1': [937, 100], '2': [900, 100], '3': [900, 100] })];
    assert.equal(judgeAnswer('PROD-001', value(937, 100), oneOff, oneOff[0]), 'wrong');
    assert.equal(judgeAnswer('PROD-001', value(900, 100), oneOff, oneOff[0]), 'right');
  });

  test('a restock inside the bracket allows both totals', () => {
    const restocked = [snap(250, same(900, 100)), snap(500, same(1900, 100))];
    assert.equal(judgeAnswer('PROD-001', value(900, 100), restocked, quietBefore), 'right');
    assert.equal(judgeAnswer('PROD-001', value(1900, 100), restocked, quietBefore), 'right');
    assert.equal(judgeAnswer('PROD-001', value(1400, 100), restocked, quietBefore), 'wrong');
  });

  test('404 is wrong while a majority holds the product, right when it does not', () => {
    assert.equal(judgeAnswer('PROD-001', { kind: 'not_found' }, quiet, quietBefore), 'wrong');
    const unknown = [snap(250, { '1': [5, 0] }), snap(500, { '1': [5, 0] })];
    assert.equal(judgeAnswer('PROD-001', { kind: 'not_found' }, unknown), 'right');
    assert.equal(judgeAnswer('PROD-001', value(5, 0), unknown, unknown[0]), 'wrong', 'a value only one replica holds');
  });

  test('no majority anywhere means unjudged, not right', () => {
    const split = [snap(250, { '1': [1, 0], '2': [2, 0], '3': [3, 0] }), snap(500, { '1': [1, 0], '2': [2, 0], '3': [3, 0] })];
    assert.equal(judgeAnswer('PROD-001', value(2, 0), split, split[0]), 'unjudged');
    assert.equal(judgeAnswer('PROD-001', value(2, 0), []), 'unjudged');
  });
});
