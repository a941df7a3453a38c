import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { DEFAULT_REPORTS_DIR, DEFAULT_SCENARIOS, UsageError, parseExperimentArgs } from './args';

test('defaults: five trials into reports/, then the failures below the services', () => {
  assert.deepEqual(parseExperimentArgs([]), { trials: 5, quick: false, scenarios: DEFAULT_SCENARIOS, via: 'direct', outDir: DEFAULT_REPORTS_DIR, help: false });
});

test('--scenarios picks demo scenarios by name, or none; --quick plays none unless asked', () => {
  assert.deepEqual(parseExperimentArgs(['--scenarios', 'db-flapping,frozen-orders']).scenarios, ['db-flapping', 'frozen-orders']);
  assert.deepEqual(parseExperimentArgs(['--scenarios', 'none']).scenarios, []);
  assert.deepEqual(parseExperimentArgs(['--quick']).scenarios, []);
  assert.deepEqual(parseExperimentArgs(['--quick', '--scenarios', 'last-seat']).scenarios, ['last-seat']);
  assert.deepEqual(parseExperimentArgs(['--scenarios', 'slow-gateway,gateway-down,payment-declined,lost-email']).scenarios, ['slow-gateway', 'gateway-down', 'payment-declined', 'lost-email']);
});

test('a full run plays the saga failures too: the payment gateway slow, down and declining, and the mail server down', () => {
  for (const name of ['slow-gateway', 'gateway-down', 'payment-declined', 'lost-email']) assert.ok(DEFAULT_SCENARIOS.includes(name), name);
});

test('--quick means one trial unless --trials says otherwise', () => {
  assert.equal(parseExperimentArgs(['--quick']).trials, 1);
  assert.equal(parseExperimentArgs(['--quick', '--trials', '2']).trials, 2);
  assert.equal(parseExperimentArgs(['--trials=7']).trials, 7);
});

test('--via gateway sends the standard load through gateway-svc', () => {
  assert.equal(parseExperimentArgs(['--via', 'gateway']).via, 'gateway');
  assert.equal(parseExperimentArgs(['--via=direct']).via, 'direct');
});

test('--out is resolved to an absolute path', () => {
  assert.equal(parseExperimentArgs(['--out', 'tmp/r']).outDir, path.resolve('tmp/r'));
});

test('bad input is a usage error naming the flag', () => {
  for (const [argv, message] of [
    [['--trials', '0'], /--trials: at least 1/],
    [['--trials', '1.5'], /--trials: must be a whole number/],
    [['--trials', 'five'], /--trials: not a number/],
    [['--trials', ''], /--trials/],
    [['--out', ' '], /--out: empty path/],
    [['--via', 'nginx'], /--via: must be direct or gateway/],
    [['--scenarios', 'db-flaping'], /--scenarios: scenarios are: .*db-flapping/],
    [['--trails', '3'], /Unknown option '--trails'/],
    [['extra'], /positional/],
  ] as const) {
    assert.throws(() => parseExperimentArgs(argv), (err: Error) => err instanceof UsageError && message.test(err.message), argv.join(' '));
  }
});
