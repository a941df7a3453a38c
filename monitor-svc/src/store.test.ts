import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { createPool, parseEnv, prepareDatabase, type Pool, type PoolClient } from '@ftlab/shared';
import { createMonitorStore, leadershipSql, type MonitorStore } from './store';

/**
 * The leadership lock and the term fence on a real PostgreSQL (TEST_DATABASE_URL_BASE, set by
 * `npm test`): two lock connections stand for the two monitors.
 */

const base = parseEnv({ TEST_DATABASE_URL_BASE: z.string().regex(/^postgres(ql)?:\/\/[^/]+$/, 'expected postgres://user@host:port') }).TEST_DATABASE_URL_BASE;
const DATABASE = 'ftlab_test_monitor_store';

let pool: Pool;
let store: MonitorStore;
const locks: PoolClient[] = [];

before(async () => {
  const admin = createPool(`${base}/postgres`, 1);
  await admin.query(`DROP DATABASE IF EXISTS "${DATABASE}" WITH (FORCE)`).finally(() => admin.end());
  pool = await prepareDatabase(`${base}/${DATABASE}`, 6);
  store = createMonitorStore(pool);
});
after(async () => {
  for (const c of locks) c.release(true);
  await pool?.end();
});

/** A connection of its own, as each monitor's lease has. */
async function lockConnection(): Promise<PoolClient> {
  const client = await pool.connect();
  client.on('error', () => undefined); // terminated on purpose below
  locks.push(client);
  return client;
}

test('one lock holder at a time; a write under a superseded term is refused, and nothing is recorded twice', async () => {
  const one = await lockConnection();
  const two = await lockConnection();
  const first = await leadershipSql.tryAcquire(one, 'monitor-1');
  assert.ok(first.acquired);
  const held = await leadershipSql.tryAcquire(two, 'monitor-2');
  assert.equal(held.acquired, false);
  assert.equal(held.lease?.leader, 'monitor-1', 'the follower sees who leads');
  assert.ok(await leadershipSql.holds(one));
  assert.equal(await leadershipSql.holds(two), false);

  const term1 = first.lease.term;
  assert.equal((await store.markOn(term1, '1')) !== 'unchanged', true);
  assert.equal(await store.markOn(term1, '1'), 'unchanged', 'already ON: left alone');

  // The leader's lock connection dies (db-flapping, or its process): the other takes over.
  assert.ok(!held.acquired && held.holder, 'the follower sees the holder');
  await leadershipSql.depose(two, held.holder);
  let second: Awaited<ReturnType<typeof leadershipSql.tryAcquire>> | undefined;
  for (let i = 0; i < 50 && !second?.acquired; i++) {
    second = await leadershipSql.tryAcquire(two, 'monitor-2');
    if (!second.acquired) await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(second?.acquired, 'the lock was released with the connection');
  assert.ok(second.lease.term > term1, 'a new term');

  assert.equal(await store.markOff(term1, '1', 'crash', 'old leader', null), 'fenced', 'the old term writes nothing');
  const off = await store.markOff(second.lease.term, '1', 'crash', 'new leader', null);
  assert.ok(typeof off === 'object' && off.status === 'OFF');
  assert.equal(await store.markOff(second.lease.term, '1', 'crash', 'again', null), 'unchanged');
  const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM failure_audit WHERE instance_id = '1'");
  assert.equal(rows[0]!.n, 1, 'one audit row');
});
