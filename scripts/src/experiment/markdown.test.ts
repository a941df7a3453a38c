import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderMarkdown, table } from './markdown';
import { sampleReport } from './test-fixtures';
import { figure } from '../scenarios/figures';

test('table escapes pipes and newlines inside cells', () => {
  assert.equal(table(['a', 'b'], [['x|y', 'line\nbreak']]), '| a | b |\n| --- | --- |\n| x\\|y | line break |');
});

test('report.md has a section per fault type with its TTD, trials and a verdict per target', () => {
  const report = sampleReport();
  const md = renderMarkdown(report, 'timeline.svg');
  for (const type of ['crash', 'latency', 'intermittent', 'incorrect']) {
    assert.match(md, new RegExp(`^## ${type}: `, 'm'), `section for ${type}`);
  }
  assert.match(md, /^## Baseline/m);
  assert.match(md, /!\[timeline\]\(timeline\.svg\)/);
  assert.match(md, new RegExp(`\\*\\*${report.targets_met} of ${report.targets_total} targets met\\.\\*\\*`));
  // The latency fault (trial 1, TTD 400 ms) appears in its summary row.
  const latency = md.slice(md.indexOf('## latency:'), md.indexOf('## intermittent:'));
  assert.match(latency, /\| TTD \| 400 ms \| 400 ms \| 400 ms \| 400 ms \|/);
  assert.match(latency, /\| time to detect \(median\) \| seed \| < 1000 ms \| 400 ms \| ✅ met \|/);
  const verdicts = md.match(/✅ met|❌ missed/g) ?? [];
  assert.equal(verdicts.length, report.targets_total);
});

test('each scenario played has its section: expected beside observed, whole-again time and its own history check', () => {
  const md = renderMarkdown(sampleReport(), 'timeline.svg');
  const section = md.slice(md.indexOf('### db-flapping'));
  assert.match(md, /^## Failures below the services/m);
  assert.match(section, /^### db-flapping: as expected/);
  assert.match(section, /Whole again \(every replica ON\) 1234 ms after the fault cleared/);
  assert.match(section, /\| process crashes \| 0 \| 0 \| ok \|/);
  assert.match(section, /#### History check of db-flapping/);
});

test('a trial that needed repeating says so', () => {
  const report = sampleReport();
  report.faults[0]!.trials[0]!.discarded = [{ fault_id: 7, reason: 'replica 1 was already OFF' }];
  assert.match(renderMarkdown(report, 'timeline.svg'), /\| resolved \(1 spoiled attempt\(s\) repeated\) \|/);
});

test("a scenario's figures follow its expectations, as a table of label and value", () => {
  const report = sampleReport();
  report.scenarios[0]!.figures = [figure('breaker_open_ms', 'gateway breaker open after the fault (TTD)', 2034.4, 'ms'), figure('captures', 'captures at the gateway', 118)];
  const section = renderMarkdown(report, 'timeline.svg').slice(renderMarkdown(report, 'timeline.svg').indexOf('### db-flapping'));
  assert.match(section, /Measured:\n\n\| figure \| value \|\n\| --- \| --- \|\n\| gateway breaker open after the fault \(TTD\) \| 2034 ms \|\n\| captures at the gateway \| 118 \|/);
  assert.doesNotMatch(renderMarkdown(sampleReport(), 'timeline.svg'), /Measured:/, 'no figures, no table');
});
