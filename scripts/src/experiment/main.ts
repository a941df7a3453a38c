import path from 'node:path';
import { ConfigError, createLogger } from '@ftlab/shared';
import { describeFault } from './plan';
import { formatMs } from '../lib/format';
import { USAGE, UsageError, parseExperimentArgs } from './args';
import { runDirName, writeReport } from './output';
import type { ExperimentReport } from './report';
import { experimentConfig, runExperiment } from './runner';
import { onStopSignals } from '../lib/signals';
import { acquireSystem } from '../lib/target-system';

/**
 * `npm run experiment [-- --trials N --quick --out DIR]`: measures the system's fault tolerance
 * and writes reports/<timestamp>/ (see runner.ts for the procedure, output.ts for the files).
 * Exit codes: 0 report written, 1 failure or a failed history check (report written), 2 bad arguments or environment, 130 interrupted twice.
 */

const logger = createLogger('experiment');

function printSummary(report: ExperimentReport, dir: string): void {
  const rows = report.faults.map((f) => {
    const resolved = f.trials.filter((t) => t.outcome === 'resolved').length;
    const met = f.targets.filter((t) => t.met).length;
    return `  ${describeFault(f).padEnd(34)} TTD median ${formatMs(f.ttd_ms?.median).padStart(8)}  TTR median ${formatMs(f.ttr_ms?.median).padStart(8)}  ${resolved}/${f.trials.length} resolved  targets ${met}/${f.targets.length}`;
  });
  process.stdout.write(
    `\nexperiment finished: ${report.targets_met}/${report.targets_total} targets met\n${rows.join('\n')}\n  history check: ${report.history_check.ok ? 'pass' : `FAILED (${report.history_check.failed.join(', ')})`}\n${report.scenarios.map((sc) => `  scenario ${sc.name}: ${sc.ok ? 'as expected' : 'NOT as expected'}\n`).join('')}  report: ${path.join(dir, 'report.md')}\n\n`,
  );
}

async function main(): Promise<number> {
  const args = parseExperimentArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const startedAt = new Date();
  const runDir = path.join(args.outDir, runDirName(startedAt.toISOString()));
  const controller = new AbortController();
  onStopSignals(logger, 'stopping after clearing faults; the report covers what was measured', () => controller.abort());

  const target = await acquireSystem({ logger, logDir: path.join(runDir, 'logs') });
  try {
    const config = experimentConfig(args.trials, args.quick, args.scenarios, args.via);
    const run = await runExperiment(target, config, { logger, startedAt, signal: controller.signal });
    const written = await writeReport(args.outDir, run.report, run.timeline, run.reads);
    if (written.pngNote) logger.warn(`no PNG of the chart: ${written.pngNote}`);
    logger.info({ dir: written.dir, files: written.files }, 'report written');
    printSummary(run.report, written.dir);
    // A run whose history does not check out has lost, oversold or misreported something: it fails.
    return run.aborted ? 130 : run.report.history_check.ok && run.report.scenarios.every((sc) => sc.ok) ? 0 : 1;
  } finally {
    if (target.startedHere) logger.info('stopping the system this run started');
    await target.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    if (err instanceof UsageError || err instanceof ConfigError) {
      process.stderr.write(`experiment: ${err.message}\n${err instanceof UsageError ? `${USAGE}\n` : ''}`);
      process.exit(2);
    }
    logger.fatal({ err }, `experiment failed: ${err.message}`);
    process.exit(1);
  },
);
