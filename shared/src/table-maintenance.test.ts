import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maintenanceDue } from './table-maintenance';

const table = (live: number, dead: number, modifiedSinceAnalyze: number) => ({ table: 'outbox', live, dead, modifiedSinceAnalyze });

test('a quiet table needs nothing', () => {
  assert.equal(maintenanceDue(table(100_000, 500, 500)), null);
});

test('dead rows beyond 1000 plus a tenth of the live ones call for VACUUM', () => {
  assert.equal(maintenanceDue(table(10, 1001, 0)), null, 'at the limit: 1000 + 10 % of 10 live rows');
  assert.equal(maintenanceDue(table(10, 1002, 0)), 'VACUUM', 'a queue table: few live rows, many dead');
  assert.equal(maintenanceDue(table(100_000, 11_000, 0)), null, 'below 1000 + 10 % of 100 000');
  assert.equal(maintenanceDue(table(100_000, 11_001, 0)), 'VACUUM');
});

test('changes since the last ANALYZE beyond the same limit call for ANALYZE', () => {
  assert.equal(maintenanceDue(table(0, 0, 5000)), 'ANALYZE', 'a table filling up from empty keeps the planner informed');
});

test('both due at once are done in one pass', () => {
  assert.equal(maintenanceDue(table(0, 2000, 2000)), 'VACUUM (ANALYZE)');
});

test('the thresholds can be changed', () => {
  assert.equal(maintenanceDue(table(0, 20, 0), { base: 10, fraction: 0 }), 'VACUUM');
});
