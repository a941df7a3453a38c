import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLauncherArgs } from './args';

test('one broker unless told otherwise', () => {
  assert.deepEqual(parseLauncherArgs([]), { brokers: 1 });
});

test('--brokers 3 and --brokers=3 ask for a three-node cluster', () => {
  assert.deepEqual(parseLauncherArgs(['--brokers', '3']), { brokers: 3 });
  assert.deepEqual(parseLauncherArgs(['--brokers=3']), { brokers: 3 });
});

test('a count that is not a small whole number is refused, naming the option and the value', () => {
  assert.throws(() => parseLauncherArgs(['--brokers', '0']), /--brokers: at least 1 \(got "0"\)/);
  assert.throws(() => parseLauncherArgs(['--brokers', '9']), /--brokers: at most 5/);
  assert.throws(() => parseLauncherArgs(['--brokers', 'three']), /--brokers: a whole number \(got "three"\)/);
  assert.throws(() => parseLauncherArgs(['--brokers', '2.5']), /--brokers: a whole number/);
});

test('unknown options are refused rather than ignored', () => {
  assert.throws(() => parseLauncherArgs(['--broker', '3']), /Unknown option '--broker'/);
});
