import { fixed, percent as pct } from '../lib/table';
import type { LatencySummary } from '../lib/latency';
import type { LoadProgress, LoadReport } from './run-load';
import type { TallySummary } from './tally';

/** The human side of a load run: the live progress line and the summary printed at the end. */

function latencyLine(l: LatencySummary): string {
  if (l.count === 0) return 'no requests sent';
  return `p50 ${fixed(l.p50_ms, 2)}  p95 ${fixed(l.p95_ms, 2)}  p99 ${fixed(l.p99_ms, 2)}  p99.9 ${fixed(l.p999_ms, 2)}  max ${fixed(l.max_ms, 2)} ms`;
}

function tallyLines(t: TallySummary, indent: string): string[] {
  const codes = Object.entries(t.status_codes).map(([code, n]) => `${code}: ${n}`).join('  ');
  const lines = [
    `${indent}requests    ${t.scheduled} due, ${t.sent} sent, ${t.dropped} dropped, ${t.ok} ok (${pct(t.success_rate)})`,
    `${indent}latency     ${latencyLine(t.latency_ms)}`,
    `${indent}statuses    ${codes || '-'}`,
  ];
  if (t.reads) {
    const r = t.reads;
    lines.push(
      `${indent}reads       quorum on ${pct(r.quorum_rate)} of ${r.answered_200} 200s; wrong answers ${r.wrong} of ${r.judged} judged (${r.unjudged} not judged)`,
    );
  }
  return lines;
}

export function formatReport(r: LoadReport): string {
  const target = [r.read_url && `reads → ${r.read_url}`, r.orders_url && `orders → ${r.orders_url}`].filter(Boolean).join(', ');
  const lines = [
    `load-test ${r.mode}: ${r.asked_rps}/s asked for ${r.duration_s} s${r.aborted ? ' (stopped early)' : ''} (${target})`,
    `  throughput  ${fixed(r.totals.throughput.ok_rps)} ok/s achieved of ${r.asked_rps}/s asked`,
    ...tallyLines(r.totals, '  '),
  ];
  const kinds = Object.entries(r.by_kind);
  if (kinds.length > 1) for (const [kind, t] of kinds) lines.push(`  ${kind}s:`, ...tallyLines(t!, '    '));
  lines.push(
    `  latency is measured from each request's scheduled send time (open loop); generator send lag p99 ${fixed(r.dispatch_lag_ms.p99_ms, 2)} ms, max ${fixed(r.dispatch_lag_ms.max_ms, 2)} ms`,
  );
  if (!r.settings.wrong_answer_check && r.mode !== 'create_order') lines.push('  wrong-answer check was off (no database)');
  if (r.wrong_answer_snapshot_errors > 0) lines.push(`  ${r.wrong_answer_snapshot_errors} replica_stock snapshots failed`);
  return lines.join('\n');
}

export function formatProgress(p: LoadProgress): string {
  return (
    `[${fixed(p.elapsedS)}/${p.durationS} s] due ${p.due}  done ${p.completed}  in flight ${p.inFlight}  ` +
    `ok ${p.ok}  dropped ${p.dropped}  wrong ${p.wrong}  p50 ${fixed(p.p50Ms, 1)} ms  p99 ${fixed(p.p99Ms, 1)} ms`
  );
}
