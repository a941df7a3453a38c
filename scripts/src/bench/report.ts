import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../lib/paths';

/** What every benchmark report carries: where it ran, how to run it again, where it was saved. */

export const BENCH_DIR = path.join(REPO_ROOT, 'reports', 'bench');

/**
 * The machine's state, because numbers from a shared 2-core box under load average 20 mean
 * something else than from an idle one, and the load generator runs on the same machine.
 */
export function environment() {
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? 'unknown',
    load_average: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** The command that reproduces this run, as a person would type it. */
export function commandLine(script: string, args: readonly string[]): string {
  const quoted = args.map((a) => (/^[\w./:=,@-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`));
  return quoted.length > 0 ? `npm run ${script} -- ${quoted.join(' ')}` : `npm run ${script}`;
}

/** Writes reports/bench/<name>-<timestamp>.json and <name>-latest.json; returns the first path. */
export function writeBenchReport(name: string, report: unknown): string {
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = path.join(BENCH_DIR, `${name}-${stamp}.json`);
  const text = `${JSON.stringify(report, null, 2)}\n`;
  fs.writeFileSync(file, text);
  fs.writeFileSync(path.join(BENCH_DIR, `${name}-latest.json`), text);
  return file;
}

/** "MET" / "NOT MET" beside a goal. */
export const verdict = (met: boolean | null) => (met === null ? 'n/a' : met ? 'MET' : 'NOT MET');

/** The last lines of a bench's printout: what ran, where, and where the full report is, so a number can be traced. */
export function provenanceLines(run: { system: string; environment: unknown; file: string; command: string }): string[] {
  return [`system: ${run.system}`, `machine: ${JSON.stringify(run.environment)}`, `report: ${run.file}`, `command: ${run.command}`];
}
