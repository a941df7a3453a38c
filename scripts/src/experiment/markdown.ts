import { renderVerdictMarkdown } from '../checker/render';
import { formatCount, formatMeasured, formatMs, formatShare } from '../lib/format';
import { formatFigure } from '../scenarios/figures';
import { describeFault } from './plan';
import type { ReadMetrics } from './read-metrics';
import type { ExperimentReport, ScenarioReport, FaultReport } from './report';
import type { Summary } from './stats';
import type { TargetResult } from './targets';

/** report.md: the same numbers as report.json, as tables a reviewer can read in a pull request. */

/** A markdown table; pipes inside cells are escaped so a detail string cannot break the layout. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function targetsTable(targets: readonly TargetResult[]): string {
  return table(
    ['target', 'source', 'bar', 'measured', 'result'],
    targets.map((t) => [
      t.label,
      t.source === 'seed' ? 'seed' : 'ours',
      t.threshold,
      formatMeasured(t.measured, t.unit) + (t.note ? ` (${t.note})` : ''),
      t.met ? '✅ met' : '❌ missed',
    ]),
  );
}

function readsTable(reads: ReadMetrics): string {
  return table(
    ['reads', 'p50', 'p95', 'p99', 'max', 'availability', 'quorum', 'wrong answers'],
    [
      [
        String(reads.reads),
        formatMs(reads.p50_ms),
        formatMs(reads.p95_ms),
        formatMs(reads.p99_ms),
        formatMs(reads.max_ms),
        formatShare(reads.availability),
        formatShare(reads.quorum_rate),
        formatCount(reads.wrong_answers),
      ],
    ],
  );
}

function summaryRow(name: string, s: Summary | null): string[] {
  return [name, formatMs(s?.min), formatMs(s?.median), formatMs(s?.p95), formatMs(s?.max)];
}

function faultSection(f: FaultReport): string {
  const trials = table(
    ['trial', 'fault id', 'outcome', 'cause', 'TTD', 'TTR', 'reads', 'p95', 'p99', 'availability', 'quorum', 'wrong'],
    f.trials.map((t) => [
      String(t.trial),
      formatCount(t.fault_id),
      t.outcome + (t.error ? `: ${t.error}` : '') + (t.discarded?.length ? ` (${t.discarded.length} spoiled attempt(s) repeated)` : ''),
      t.cause ?? '—',
      formatMs(t.ttd_ms),
      formatMs(t.ttr_ms),
      formatCount(t.reads?.reads),
      formatMs(t.reads?.p95_ms),
      formatMs(t.reads?.p99_ms),
      formatShare(t.reads?.availability),
      formatShare(t.reads?.quorum_rate),
      formatCount(t.reads?.wrong_answers),
    ]),
  );
  return [
    `## ${f.type}: ${describeFault(f)}`,
    '',
    table(['', 'min', 'median', 'p95', 'max'], [summaryRow('TTD', f.ttd_ms), summaryRow('TTR', f.ttr_ms)]),
    '',
    'Reads during the fault windows (injection → back ON), all trials together:',
    '',
    readsTable(f.reads),
    '',
    targetsTable(f.targets),
    '',
    trials,
  ].join('\n');
}

export function renderMarkdown(report: ExperimentReport, chartFile: string): string {
  const systemRows = Object.entries(report.system).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]);
  const configRows = Object.entries(report.config).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]);
  const overview = table(
    ['fault', 'trials', 'TTD median', 'TTD max', 'TTR median', 'targets met'],
    report.faults.map((f) => [
      describeFault(f),
      `${f.trials.filter((t) => t.outcome === 'resolved').length}/${f.trials.length} resolved`,
      formatMs(f.ttd_ms?.median),
      formatMs(f.ttd_ms?.max),
      formatMs(f.ttr_ms?.median),
      `${f.targets.filter((t) => t.met).length}/${f.targets.length}`,
    ]),
  );
  return [
    `# Fault-tolerance experiment, ${report.started_at}`,
    '',
    `**${report.targets_met} of ${report.targets_total} targets met.** TTD and TTR come from Postgres (failure_audit, one clock); read metrics from the load generator's samples.`,
    '',
    `Standard load: ${String(report.config.reads_per_s)} reads/s and ${String(report.config.orders_per_s)} orders/s, ${report.config.via === 'gateway' ? 'through gateway-svc (`--via gateway`)' : 'straight to voter-svc and orders-svc'}.`,
    '',
    overview,
    '',
    `![timeline](${chartFile})`,
    '',
    renderVerdictMarkdown(report.history_check),
    '## Baseline (no fault)',
    '',
    readsTable(report.baseline.reads),
    '',
    targetsTable(report.baseline.targets),
    '',
    ...report.faults.flatMap((f) => [faultSection(f), '']),
    ...(report.scenarios.length > 0 ? ['## Failures below the services', '', ...report.scenarios.flatMap((sc) => [scenarioSection(sc), ''])] : []),
    '## System',
    '',
    table(['', ''], systemRows),
    '',
    '## Configuration',
    '',
    table(['', ''], configRows),
    '',
  ].join('\n');
}

/** One scenario: what it did, expected beside observed, and its own history check. */
function scenarioSection(sc: ScenarioReport): string {
  return [
    `### ${sc.name}: ${sc.ok ? 'as expected' : '**NOT as expected**'}`,
    '',
    `${sc.summary} (${sc.source}). Whole again (every replica ON) ${sc.whole_again_ms === null ? 'not measured' : `${formatMs(sc.whole_again_ms)} after the fault cleared`}.`,
    ...(sc.error ? ['', `Could not be played: ${sc.error}`] : []),
    '',
    table(
      ['', 'expected', 'observed', ''],
      sc.expectations.map((e) => [e.what, e.expected, e.observed, e.met ? 'ok' : '**mismatch**']),
    ),
    '',
    ...(sc.figures.length > 0 ? ['Measured:', '', table(['figure', 'value'], sc.figures.map((f) => [f.label, formatFigure(f)])), ''] : []),
    renderVerdictMarkdown(sc.history_check, `#### History check of ${sc.name}`),
  ].join('\n');
}
