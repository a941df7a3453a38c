import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { callJson, monitorStatusResponse, type Endpoints } from '@ftlab/shared';
import { REPO_ROOT } from '../lib/paths';
import type { DbClock } from './audit';
import type { TargetSystem } from '../lib/target-system';

/** The "system" block of report.json: enough to tell two runs' setups apart later. */

function gitCommit(): string | null {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${commit} (with uncommitted changes)` : commit;
  } catch {
    return null;
  }
}

/** The monitor's detector settings (GET /status), which decide TTD as much as the code does. */
async function detectorSettings(endpoints: Endpoints): Promise<Record<string, unknown> | null> {
  const answer = await callJson(`${endpoints.monitor}/status`, monitorStatusResponse, { timeoutMs: 3000 });
  return answer.ok ? answer.value.detector : null;
}

/** The 1, 5 and 15 minute load averages, rounded. */
export function loadAverage(): number[] {
  return os.loadavg().map((l) => Math.round(l * 100) / 100);
}

/** host:port/database, without credentials. */
function describeDatabase(url: string): string {
  const u = new URL(url);
  return `${u.host}${u.pathname}`;
}

export async function systemInfo(target: TargetSystem, clock: DbClock): Promise<Record<string, unknown>> {
  const cpus = os.cpus();
  return {
    started_by_experiment: target.startedHere,
    git_commit: gitCommit(),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: `${cpus.length} × ${cpus[0]?.model ?? 'unknown'}`,
    memory_gb: Math.round(os.totalmem() / 2 ** 30),
    // A busy machine (other test runs, a build) shows up as latency: keep the context with the numbers.
    load_average_at_start: loadAverage(),
    endpoints: target.endpoints,
    kafka_brokers: target.kafkaBrokers,
    topic_prefix: target.topicPrefix,
    database: describeDatabase(target.databaseUrl),
    db_clock_offset_ms: clock.offsetMs,
    detector: await detectorSettings(target.endpoints),
  };
}
