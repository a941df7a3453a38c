import { test } from 'node:test';
import assert from 'node:assert/strict';
import { admittedOf, clientOf, limitClassOf, maxAdmitted, rateLimitHeaders, rateLimitedBody, retryAfterSeconds, type BucketPolicy } from './rate-limit-policy';

const policy: BucketPolicy = { ratePerS: 20, burst: 10, burstWindowS: 5 };

test('reads are GET and HEAD; every other method is counted under the order limit', () => {
  assert.equal(limitClassOf('GET'), 'read');
  assert.equal(limitClassOf('HEAD'), 'read');
  assert.equal(limitClassOf('POST'), 'order');
  assert.equal(limitClassOf('DELETE'), 'order');
});

test('the client is X-Client-Id when given, else the address, and the two never collide', () => {
  assert.deepEqual(clientOf('alice', '127.0.0.1'), { ok: true, client: 'id:alice' });
  assert.deepEqual(clientOf(undefined, '127.0.0.1'), { ok: true, client: 'addr:127.0.0.1' });
  assert.deepEqual(clientOf(undefined, undefined), { ok: true, client: 'addr:unknown' });
  assert.notDeepEqual(clientOf('127.0.0.1', 'x'), clientOf(undefined, '127.0.0.1'));
});

test('a malformed X-Client-Id is refused naming the header', () => {
  for (const bad of ['', 'has space', 'x'.repeat(65), 'semi;colon']) {
    const result = clientOf(bad, '127.0.0.1');
    assert.equal(result.ok, false, JSON.stringify(bad));
    if (!result.ok) {
      assert.equal(result.body.field, 'X-Client-Id');
      assert.match(result.body.error, /X-Client-Id/);
    }
  }
});

test('Retry-After is whole seconds and never 0', () => {
  assert.equal(retryAfterSeconds(0), 1);
  assert.equal(retryAfterSeconds(1), 1);
  assert.equal(retryAfterSeconds(1000), 1);
  assert.equal(retryAfterSeconds(1001), 2);
});

test('an admitted request carries the RateLimit headers and no Retry-After', () => {
  const h = rateLimitHeaders(policy, { allowed: true, remaining: 7, msBeforeNext: 420 });
  assert.deepEqual(h, {
    'RateLimit-Policy': '20;w=1;burst=10;burst_w=5',
    'RateLimit-Limit': '20',
    'RateLimit-Remaining': '7',
    'RateLimit-Reset': '1',
  });
});

test('a refused request has Retry-After, 0 remaining, and a body saying which limit and when', () => {
  const answer = { allowed: false, remaining: 0, msBeforeNext: 2300 };
  const h = rateLimitHeaders(policy, answer);
  assert.equal(h['Retry-After'], '3');
  assert.equal(h['RateLimit-Remaining'], '0');
  assert.equal(h['RateLimit-Reset'], '3');
  const body = rateLimitedBody('order', 'id:bob', policy, answer);
  assert.equal(body.retry_after_s, 3);
  assert.equal(body.limit, 'order');
  assert.match(body.error, /20 orders a second/);
});

test('the most one client can be admitted counts every window that can start within the span', () => {
  assert.equal(maxAdmitted(policy, -1), 0);
  assert.equal(maxAdmitted(policy, 0), 20 + 10);
  assert.equal(maxAdmitted(policy, 999), 20 + 10);
  assert.equal(maxAdmitted(policy, 1000), 2 * 20 + 10);
  assert.equal(maxAdmitted(policy, 5000), 6 * 20 + 2 * 10);
  assert.equal(maxAdmitted(policy, 10_001), 11 * 20 + 3 * 10);
});

test('admittedOf: a steady flood gets the full allowance; a pause leaves its windows unused', () => {
  const p: BucketPolicy = { ratePerS: 2, burst: 20, burstWindowS: 5 };
  const every = (ms: number, from: number, to: number) => Array.from({ length: Math.floor((to - from) / ms) }, (_, i) => from + i * ms);
  // 60/s for 15 s: 2 a second for 15 windows plus 20 in each of 3 burst windows.
  assert.equal(admittedOf(p, every(1000 / 60, 0, 15_000)), 15 * 2 + 3 * 20);
  assert.ok(admittedOf(p, every(1000 / 60, 0, 15_000)) <= maxAdmitted(p, 15_000));
  // The same with nothing sent from 4 s to 9 s: the second burst window opens only at 9 s (and a
  // third at 14 s), and the five seconds' tokens of the pause are lost: 4×2 + 20, then 6×2 + 2×20.
  const paused = [...every(1000 / 60, 0, 4000), ...every(1000 / 60, 9000, 15_000)];
  assert.equal(admittedOf(p, paused), 4 * 2 + 20 + 6 * 2 + 2 * 20);
  // Within the limit, everything.
  assert.equal(admittedOf(p, every(1000, 0, 10_000)), 10);
});
