import type { HistoryVerdict } from './check';
import type { CheckStatus } from './verdict';

/** The checker's verdict for reports: a markdown section and a JSON value (report.json's `history_check`). */

const MARK: Record<CheckStatus, string> = { pass: '✅ pass', fail: '❌ fail', not_applicable: '➖ not applicable' };

export function renderVerdictMarkdown(v: HistoryVerdict, heading = '## History check'): string {
  const { stats } = v;
  const failed = v.checks.filter((c) => c.status === 'fail');
  const ops = Object.entries(stats.operations)
    .map(([kind, byResult]) => `${kind} ${Object.entries(byResult).map(([r, n]) => `${n} ${r}`).join(', ')}`)
    .join('; ');
  const lines = [
    heading,
    '',
    `**${v.ok ? 'PASS' : 'FAIL'}**: ${v.checks.length - failed.length} of ${v.checks.length} checks without a violation. ` +
      'Every client answer was recorded and checked against the state the system ended with (read at ' +
      `${stats.settled_at}); indeterminate requests (timeouts, refused connections) count as "may have happened".`,
    '',
    `Operations: ${ops || 'none'}. Faults: ${stats.faults_injected} injected, ${stats.faults_cleared} cleared. ` +
      `Order log: ${stats.log_records === null ? 'not read' : `${stats.log_records} records replayed`}.`,
    '',
    ...v.checks.map((c) => `- ${MARK[c.status]} \`${c.name}\`: ${c.title}. ${c.summary}.`),
  ];
  for (const c of failed) lines.push('', `Violations of \`${c.name}\`:`, '', ...c.reasons.map((r) => `- ${r}`));
  return `${lines.join('\n')}\n`;
}

/** The verdict as report.json carries it: plain data, `ok` and the failed checks' names first. */
export type VerdictJson = HistoryVerdict & { failed: string[] };

export function verdictJson(v: HistoryVerdict): VerdictJson {
  return { ok: v.ok, failed: v.checks.filter((c) => c.status === 'fail').map((c) => c.name), checks: v.checks, stats: v.stats };
}
