import path from 'node:path';
import readline from 'node:readline';
import { DEFAULT_HOST } from '@ftlab/shared';
import { spawnOwned, terminate } from '../lib/children';
import type { LatencySummary } from '../lib/latency';
import { runLoad } from '../load';

/**
 * The same open-loop reads as a benchmark, against echo-server.js instead of the system: the
 * latency the machine itself adds. On a busy shared box this floor can exceed a goal on its own,
 * and a report that does not say so would blame the service.
 */
export async function measureNoiseFloor(rps: number, durationS: number): Promise<LatencySummary> {
  const echo = await startEchoServer();
  try {
    const { url } = echo;
    const report = await runLoad({
      mode: 'query_inventory',
      rps,
      durationS,
      products: ['PROD-001'],
      endpoints: { orders: url, voter: url, monitor: url, monitor2: url, control: url, gateway: url, inventory: { '1': url, '2': url, '3': url } },
    });
    return report.totals.latency_ms;
  } finally {
    await echo.stop();
  }
}

/**
 * echo-server.js as a process of its own: a reference that answers at once, so a test can take
 * the machine's own delay at the same moments as it measures a service, and judge the service
 * by what it adds rather than by what a busy host does to every process.
 */
export async function startEchoServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawnOwned(process.execPath, [path.join(__dirname, 'echo-server.js')], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`echo server exited (${code})`)));
      readline.createInterface({ input: child.stdout! }).once('line', resolve);
    });
    return { url: `http://${DEFAULT_HOST}:${port}`, stop: () => terminate(child, 2000) };
  } catch (err) {
    await terminate(child, 2000);
    throw err;
  }
}
