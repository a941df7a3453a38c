import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newClusterId } from './cluster-id';

/** Replays the given byte strings as the random source, one per draw. */
const draws = (...hex: string[]) => {
  const queue = hex.map((h) => Buffer.from(h, 'hex'));
  return () => queue.shift() ?? assert.fail('drew more ids than the test provided');
};

test('an id that would start with "-" (read as an option by kafka-storage) is drawn again', () => {
  // 0xf8 puts 111110 (62, '-') in the first base64 digit.
  const id = newClusterId(draws('f8000000000000000000000000000001', '00112233445566778899aabbccddeeff'));
  assert.equal(id, Buffer.from('00112233445566778899aabbccddeeff', 'hex').toString('base64url'));
});

test('the reserved all-zero id is drawn again', () => {
  const id = newClusterId(draws('00000000000000000000000000000000', '0000000000000000000000000000000f'));
  assert.equal(id, 'AAAAAAAAAAAAAAAAAAAADw');
});

test('real draws are 22 URL-safe base64 characters and never start with "-"', () => {
  for (let k = 0; k < 5000; k++) {
    const id = newClusterId();
    assert.match(id, /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  }
});
