import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { exited, spawnOwned } from '../lib/children';
import { REPO_ROOT } from '../lib/paths';
import { isolatedStackEnv, testLogDir } from '../lib/testing';
import { FAULT_TYPES } from './plan';

/**
 * The project's main job end to end: `experiment --quick` as a user runs it, on the real stack
 * (the harness's broker, a fresh database, free ports, its own topics), starting and stopping its
 * own system. The report must hold every fault type with a measured TTD and TTR.
 */

const RUN_TIMEOUT_MS = 12 * 60_000;

test('experiment --quick measures TTD and TTR for all four faults and writes the report', { timeout: RUN_TIMEOUT_MS + 60_000 }, async () => {
  const logDir = testLogDir('experiment');
  fs.rmSync(logDir, { recursive: true, force: true });
  fs.mkdirSync(logDir, { recursive: true });
  const reports = path.join(logDir, 'reports');
  const env = await isolatedStackEnv('experiment_quick');


  const output = fs.openSync(path.join(logDir, 'experiment.out'), 'w');
  const child = spawnOwned(process.execPath, [path.join(REPO_ROOT, 'scripts/dist/experiment/main.js'), '--quick', '--out', reports], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', output, output],
  });
  fs.closeSync(output);
  const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
  await exited(child);
  clearTimeout(timer);
  const tail = () => fs.readFileSync(path.join(logDir, 'experiment.out'), 'utf8').split('\n').slice(-30).join('\n');
  assert.equal(child.exitCode, 0, `experiment exited with ${child.exitCode ?? child.signalCode}; output tail:\n${tail()}`);

  const latest = path.join(reports, 'latest');
  for (const file of ['report.json', 'report.md', 'timeline.svg', 'reads.csv']) {
    assert.ok(fs.existsSync(path.join(latest, file)), `${file} written`);
  }
  const report = JSON.parse(fs.readFileSync(path.join(latest, 'report.json'), 'utf8')) as {
    faults: { type: string; trials: { outcome: string; error?: string }[]; ttd_ms: Record<string, unknown> | null; ttr_ms: Record<string, unknown> | null }[];
    baseline: { reads: { reads: number } };
    history_check: { ok: boolean; failed: string[]; checks: { name: string; status: string; summary: string; reasons: string[] }[] };
  };
  assert.deepEqual(report.faults.map((f) => f.type).sort(), [...FAULT_TYPES].sort());
  for (const fault of report.faults) {
    const why = `${fault.type}: ${JSON.stringify(fault.trials.map((t) => t.error ?? t.outcome))}`;
    for (const field of ['ttd_ms', 'ttr_ms'] as const) {
      const summary = fault[field];
      assert.ok(summary, `${fault.type} ${field} measured (${why})`);
      for (const stat of ['min', 'median', 'p95', 'max']) {
        assert.equal(typeof summary[stat], 'number', `${fault.type} ${field}.${stat} (${why})`);
      }
    }
  }
  assert.ok(report.baseline.reads.reads > 0, 'the baseline saw reads');
  // Nothing the load's clients were told is contradicted by the final state (exit 0 already implies it).
  assert.equal(report.history_check.ok, true, JSON.stringify(report.history_check.checks.filter((c) => c.status === 'fail')));
  const reads = report.history_check.checks.find((c) => c.name === 'reads_match_log');
  assert.equal(reads?.status, 'pass', 'reads were judged against the order log');
  assert.match(fs.readFileSync(path.join(latest, 'report.md'), 'utf8'), /## History check\n\n\*\*PASS\*\*/);
  // The system it started is stopped again: nothing listens on its voter port any more.
  const voterGone = await fetch(`http://127.0.0.1:${env.VOTER_PORT}/health`, { signal: AbortSignal.timeout(1000) }).then(
    () => false,
    () => true,
  );
  assert.ok(voterGone, 'the experiment stopped the system it started');
});
