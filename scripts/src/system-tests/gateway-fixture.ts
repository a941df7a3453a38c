import http from 'node:http';
import { freePort } from '../lib/ports';

/**
 * A pass-through HTTP proxy that counts requests in flight through it: put between the gateway
 * and an upstream, it measures what the upstream sees, not what the gateway says about itself.
 */
export async function countingProxy(target: string): Promise<{ url: string; maxInFlight: () => number; resetMax: () => void; close: () => Promise<void> }> {
  const to = new URL(target);
  let inFlight = 0;
  let max = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1000 });
  const server = http.createServer((req, res) => {
    inFlight++;
    max = Math.max(max, inFlight);
    let done = false;
    const finish = () => {
      if (!done) inFlight--;
      done = true;
    };
    res.once('close', finish);
    const upstream = http.request({ host: to.hostname, port: to.port, path: req.url, method: req.method, headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.once('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    maxInFlight: () => max,
    resetMax: () => {
      max = inFlight;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface Shot {
  /** 0 when no answer came (the error is then in `body`). */
  status: number;
  /** Since the shot's scheduled time, so a stall in the client shows up too. */
  latencyMs: number;
  /** Since it was actually sent: what the server (and the client's own receiving) took. */
  serviceMs: number;
  /** When it was actually sent and answered (performance.now()). */
  sentAt: number;
  doneAt: number;
  headers: Headers;
  body: any;
}

/** What a run of shots can tell about when the server decided them: between the first send and the last answer at most. */
export function spans(shots: Shot[]): { sentMs: number; answeredMs: number } {
  const first = Math.min(...shots.map((s) => s.sentAt));
  return { sentMs: Math.max(...shots.map((s) => s.sentAt)) - first, answeredMs: Math.max(...shots.map((s) => s.doneAt)) - first };
}

/**
 * Open-loop traffic: `rps` requests a second for `durationMs`, each sent at its scheduled time
 * whether or not earlier ones have been answered, spread round-robin over `urls`.
 */
export async function shoot(urls: string[], opts: { rps: number; durationMs: number; init?: () => RequestInit }): Promise<Shot[]> {
  const count = Math.floor((opts.rps * opts.durationMs) / 1000);
  const started = performance.now();
  const pending: Promise<Shot>[] = [];
  for (let i = 0; i < count; i++) {
    const at = started + (i * 1000) / opts.rps;
    const wait = at - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const url = urls[i % urls.length]!;
    const sentAt = performance.now();
    pending.push(
      fetch(url, { ...opts.init?.(), signal: AbortSignal.timeout(15_000) }).then(
        async (res) => {
          const body = await res.json().catch(() => undefined);
          const doneAt = performance.now();
          return { status: res.status, latencyMs: doneAt - at, serviceMs: doneAt - sentAt, sentAt, doneAt, headers: res.headers, body };
        },
        (err: Error) => {
          const doneAt = performance.now();
          return { status: 0, latencyMs: doneAt - at, serviceMs: doneAt - sentAt, sentAt, doneAt, headers: new Headers(), body: `${err.name}: ${err.message} ${String((err.cause as Error | undefined)?.message ?? '')}` };
        },
      ),
    );
  }
  return Promise.all(pending);
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** The value of one series in Prometheus text, picked by name and the labels given (others ignored). */
export function metricValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([\w:]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const found = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(m[3]);
  }
  return undefined;
}
