import path from 'node:path';
import { createLogger, type Endpoints } from '@ftlab/shared';
import { Supervisor } from './supervisor';
import { REPO_ROOT } from './paths';
import { freePort } from './ports';

/** One gateway-svc process in front of a system (tests, benchmarks). */
export interface GatewayProcess {
  url: string;
  /** SIGTERM, and resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * Starts gateway-svc as a real child process (`node gateway-svc/dist/main.js`) on a free port in
 * front of the system at `endpoints`, with `env` on top, and waits for its /health.
 */
export async function startGateway(opts: { name: string; databaseUrl: string; endpoints: Endpoints; logDir: string; env?: Record<string, string> }): Promise<GatewayProcess> {
  const port = await freePort();
  const { name } = opts;
  const supervisor = new Supervisor(
    {
      [name]: {
        command: process.execPath,
        args: [path.join(REPO_ROOT, 'gateway-svc', 'dist', 'main.js')],
        env: {
          ...process.env,
          DATABASE_URL: opts.databaseUrl,
          HOST: '127.0.0.1',
          ORDERS_URL: opts.endpoints.orders,
          VOTER_URL: opts.endpoints.voter,
          GATEWAY_PORT: String(port),
          GATEWAY_INSTANCE: name,
          LOG_LEVEL: 'warn',
          ...opts.env,
        },
        logFile: path.join(opts.logDir, `${name}.log`),
      },
    },
    { logger: createLogger('gateway-process', name, 'warn') },
  );
  supervisor.start(name);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (!(await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false))) {
    if (Date.now() > deadline) {
      await supervisor.close();
      throw new Error(`${name} not healthy after 30 s (see ${path.join(opts.logDir, `${name}.log`)})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, stop: () => supervisor.close() };
}
