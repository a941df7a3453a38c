import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PollTimeout, pollUntil, type PollClock } from './poll';

/** Time passes only when the poller sleeps; `pauses` records each sleep. */
function virtualClock(): PollClock & { pauses: number[] } {
  let now = 0;
  const pauses: number[] = [];
  return {
    pauses,
    now: () => now,
    sleep: async (ms) => {
      pauses.push(ms);
      now += ms;
    },
  };
}

describe('pollUntil', () => {
  test('resolves with the first value that is not undefined or false, pausing intervalMs between checks', async () => {
    const clock = virtualClock();
    const answers = [undefined, false, 0, 7];
    const value = await pollUntil(() => answers.shift(), { timeoutMs: 1000, intervalMs: 50, what: 'a number', clock });
    assert.equal(value, 0, '0 is a value, not "not yet"');
    assert.deepEqual(clock.pauses, [50, 50]);
  });

  test('times out naming what it waited for, after checking once more at the deadline', async () => {
    const clock = virtualClock();
    let checks = 0;
    let seen = 'nothing';
    await assert.rejects(
      pollUntil(
        () => {
          checks += 1;
          seen = `check ${checks}`;
          return false;
        },
        { timeoutMs: 100, intervalMs: 40, what: () => `the thing (last: ${seen})`, clock },
      ),
      (err: Error) => err instanceof PollTimeout && err.message === 'the thing (last: check 4): not within 100 ms',
    );
    assert.equal(checks, 4, 'at 0, 40, 80 and 120 ms');
  });

  test('checks once even with no time at all', async () => {
    assert.equal(await pollUntil(() => 'now', { timeoutMs: 0, intervalMs: 10, what: 'x', clock: virtualClock() }), 'now');
  });

  test('an error ends the wait unless retryErrors, which names the last one on timeout', async () => {
    const failing = () => {
      throw new Error('ECONNREFUSED');
    };
    await assert.rejects(pollUntil(failing, { timeoutMs: 100, intervalMs: 10, what: 'x', clock: virtualClock() }), /^Error: ECONNREFUSED$/);
    await assert.rejects(
      pollUntil(failing, { timeoutMs: 100, intervalMs: 10, what: 'the broker', retryErrors: true, clock: virtualClock() }),
      /^PollTimeout: the broker: not within 100 ms \(last error: ECONNREFUSED\)$/,
    );
    let calls = 0;
    const flaky = async () => {
      calls += 1;
      if (calls < 3) throw new Error('restarting');
      return 'up';
    };
    assert.equal(await pollUntil(flaky, { timeoutMs: 100, intervalMs: 10, what: 'x', retryErrors: true, clock: virtualClock() }), 'up');
  });

  test('an aborted signal ends the wait with its reason', async () => {
    const controller = new AbortController();
    controller.abort(new Error('shutdown'));
    await assert.rejects(pollUntil(() => false, { timeoutMs: 100, intervalMs: 10, what: 'x', signal: controller.signal, clock: virtualClock() }), /shutdown/);
  });

  test('on the real clock it really waits', async () => {
    const started = Date.now();
    await assert.rejects(pollUntil(() => false, { timeoutMs: 30, intervalMs: 10, what: 'x' }), PollTimeout);
    assert.ok(Date.now() - started >= 30);
  });
});
