import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * For the command-line tests: stand-in services that record every request they receive, and a
 * way to run a compiled CLI as a child process. The run is asynchronous on purpose: the stand-ins
 * live in the test's own process and must keep answering while the child runs.
 */

export interface RecordedRequest {
  server: string;
  method: string;
  url: string;
  authorization: string | undefined;
  body: unknown;
}

export type Reply = (req: RecordedRequest) => { status: number; body: unknown };

export class RecordingServers {
  readonly requests: RecordedRequest[] = [];
  readonly urls: Record<string, string> = {};
  private readonly servers: http.Server[] = [];

  /** `replies` is read on every request, so a test can swap an answer for one case. */
  constructor(public replies: Record<string, Reply>) {}

  async start(names: readonly string[]): Promise<void> {
    for (const name of names) {
      const server = http.createServer((req, res) => {
        let raw = '';
        req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
        req.on('end', () => {
          const entry: RecordedRequest = { server: name, method: req.method!, url: req.url!, authorization: req.headers.authorization, body: raw ? JSON.parse(raw) : undefined };
          this.requests.push(entry);
          const reply = this.replies[name]?.(entry) ?? { status: 404, body: { error: 'no reply configured' } };
          res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      this.servers.push(server);
      this.urls[name] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    }
  }

  close(): void {
    for (const server of this.servers) {
      server.closeAllConnections();
      server.close();
    }
  }
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node script ...args` with exactly `env` (plus PATH), so the caller's environment cannot leak in. */
export function runNodeScript(script: string, args: readonly string[], env: Record<string, string | undefined>, timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, ...args], { env: { PATH: process.env.PATH, ...env }, timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
