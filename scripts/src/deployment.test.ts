import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bindDatabaseToLog, createKafka, createLogger, prepareDatabase } from '@ftlab/shared';
import { freshDatabaseUrl, testKafkaBrokers } from './lib/testing';

const logger = createLogger('deployment-test', undefined, 'silent');

test('a database stays bound to its Kafka log, and is rebuilt empty next to another one', async () => {
  const pool = await prepareDatabase(await freshDatabaseUrl('deployment'), 2);
  const kafka = createKafka(testKafkaBrokers(), 'deployment-test', logger);
  try {
    assert.equal(await bindDatabaseToLog(pool, kafka, 'a.', logger), false, 'a fresh database is simply bound');
    await pool.query("INSERT INTO consumer_offsets VALUES ('inventory-1', 'a.order-events', 0, 42)");
    assert.equal(await bindDatabaseToLog(pool, kafka, 'a.', logger), false, 'the same log: nothing changes');
    assert.equal((await pool.query('SELECT next_offset FROM consumer_offsets')).rows[0].next_offset, '42');

    assert.equal(await bindDatabaseToLog(pool, kafka, 'b.', logger), true, 'another log: reset');
    assert.equal((await pool.query('SELECT count(*)::int AS n FROM consumer_offsets')).rows[0].n, 0, 'offsets of the old log are gone');
    assert.equal((await pool.query('SELECT topic_prefix FROM deployment')).rows[0].topic_prefix, 'b.');
  } finally {
    await pool.end();
  }
});
