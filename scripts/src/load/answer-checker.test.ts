import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prepareDatabase } from '@ftlab/shared';
import { freshDatabaseUrl } from '../lib/testing';
import { AnswerChecker } from './answer-checker';
import { nowMs } from './clock';
import type { Verdict } from './wrong-answers';

/** The checker against a real replica_stock table: rows in, verdicts out (the rule itself is in wrong-answers.test.ts). */
test('answer checker judges reads against the replicas committed rows', { timeout: 60_000 }, async () => {
  const url = await freshDatabaseUrl('load_answer_checker');
  const pool = await prepareDatabase(url, 2);
  try {
    await pool.query(
      `INSERT INTO replica_stock (instance_id, product_id, available_quantity, reserved_quantity, log_partition)
       VALUES ('1', 'PROD-001', 900, 100, 0), ('2', 'PROD-001', 900, 100, 0), ('3', 'PROD-001', 900, 100, 0)`,
    );
    const checker = await AnswerChecker.open(url, ['PROD-001', 'PROD-404'], { everyMs: 50 });
    // A snapshot before the reads, so the quiet-state rule (exact value) applies too.
    await new Promise((resolve) => setTimeout(resolve, 120));
    const verdicts = new Map<string, Verdict>();
    const ask = (name: string, productId: string, answer: Parameters<AnswerChecker['check']>[1]) => {
      const t = nowMs();
      checker.check(productId, answer, t, t + 1, (v) => verdicts.set(name, v));
    };
    ask('honest', 'PROD-001', { kind: 'value', available: 900, reserved: 100 });
    ask('lie', 'PROD-001', { kind: 'value', available: 937, reserved: 100 });
    ask('split', 'PROD-001', { kind: 'value', available: 899, reserved: 101 });
    ask('missing', 'PROD-001', { kind: 'not_found' });
    ask('unknown', 'PROD-404', { kind: 'not_found' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(verdicts.size, 5, 'verdicts arrive from the next snapshots, before close()');
    await checker.close();
    assert.deepEqual(Object.fromEntries(verdicts), { honest: 'right', lie: 'wrong', split: 'wrong', missing: 'wrong', unknown: 'right' });
  } finally {
    await pool.end();
  }
});

test('answer checker names the database it cannot read', async () => {
  await assert.rejects(AnswerChecker.open('postgres://postgres@127.0.0.1:1/nowhere', ['PROD-001']), /cannot read replica_stock at 127\.0\.0\.1:1\/nowhere/);
});
