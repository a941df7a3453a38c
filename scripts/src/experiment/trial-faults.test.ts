import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleReport } from './test-fixtures';
import { trialFaults } from './trial-faults';

test("an experiment's trials become inject and clear events on the local clock, in time order", () => {
  const report = sampleReport();
  const events = trialFaults(report.faults, { toLocal: (d) => d.getTime() - 1000 });
  const injected = events.filter((e) => e.action === 'inject');
  assert.equal(injected.length, report.faults.length);
  assert.deepEqual(injected[0], { atMs: Date.parse(report.faults[0]!.trials[0]!.injected_at!) - 1000, action: 'inject', kind: report.faults[0]!.type, target: report.faults[0]!.instance_id });
  assert.deepEqual(events.map((e) => e.atMs), [...events.map((e) => e.atMs)].sort((a, b) => a - b));
});
