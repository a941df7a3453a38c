import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConsumerLease, createLogger, createOffsetStore, createRegistry, Fenced, prepareDatabase } from '@ftlab/shared';
import { pollUntil } from './lib/poll';
import { freshDatabaseUrl } from './lib/testing';

/** The replica's lease on a real PostgreSQL: one holder at a time, and an old epoch never commits. */

const logger = createLogger('lease-test', undefined, 'silent');
const TOPIC = 'x.order-events';

test('a second process is fenced; once the first loses its lock, the old epoch can never commit again', async () => {
  const url = await freshDatabaseUrl('consumer_lease');
  const pool = await prepareDatabase(url, 4);
  const lease = (holder: string) => new ConsumerLease({ databaseUrl: url, consumer: 'inventory-1', holder, logger, registry: createRegistry('lease-test', holder), retryMs: 50 });
  const first = lease('first');
  const second = lease('second');
  const offsets = createOffsetStore(pool, 'inventory-1', TOPIC);
  try {
    await offsets.ensureRows([0]);
    first.start();
    const epoch = await first.held();
    second.start();
    await pollUntil(() => second.current().kind === 'fenced', { timeoutMs: 5000, intervalMs: 20, what: 'the second is fenced' });
    const fenced = second.current();
    assert.ok(fenced.kind === 'fenced' && fenced.holder?.holder === 'first' && fenced.holder.epoch === epoch, JSON.stringify(fenced));

    // The first holds a transaction that checked its epoch; its lock session ends meanwhile (this
    // test plays the first's part by hand from here).
    const tx = await pool.connect();
    await offsets.open(tx, [{ partition: 0, from: 0, next: 5 }], epoch);
    await first.stop();
    await sleep(500);
    assert.notEqual(second.current().kind, 'held', 'the new holder waits for the transaction that checked the old epoch');
    await offsets.commit(tx);
    tx.release();
    const newEpoch = await second.held();
    assert.equal(newEpoch, epoch + 1);
    assert.deepEqual([...(await offsets.load())], [[0, 5]], 'what the old holder committed before the bump is there for the new one to load');

    // Any later commit under the old epoch is refused, in the round trip that takes the offsets.
    const late = await pool.connect();
    await assert.rejects(offsets.open(late, [{ partition: 0, from: 5, next: 9 }], epoch), Fenced);
    await late.query('ROLLBACK');
    late.release();
    await assert.rejects(offsets.rewind(epoch, async () => undefined), Fenced);
    await offsets.rewind(newEpoch, async () => undefined);
    assert.deepEqual([...(await offsets.load())], [[0, 0]], 'the holder can rewind');
  } finally {
    await first.stop();
    await second.stop();
    await pool.end();
  }
});
