import { Agent, request } from 'undici';

/**
 * The load generator's HTTP: undici's request API over one keep-alive Agent. Cheaper per request
 * than fetch (the generator shares the machine with the system it measures), and its pool size is
 * ours to set: too few connections would queue requests inside the client and blame the system.
 */

export interface HttpResult {
  /** 0 when there was no answer. */
  status: number;
  body: unknown;
  /** For failures without an answer: whether the client gave up waiting, and the error code. */
  failure?: { kind: 'timeout' | 'network_error'; code: string };
}

export interface HttpClientOptions {
  /** Connections per origin; opened only as needed. */
  connections: number;
  /** A request with no complete answer after this long is a timeout. */
  timeoutMs: number;
}

export interface HttpClient {
  send(method: 'GET' | 'POST', url: string, body?: unknown, headers?: Record<string, string>): Promise<HttpResult>;
  close(): Promise<void>;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

export function createHttpClient(opts: HttpClientOptions): HttpClient {
  const agent = new Agent({ connections: opts.connections, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000, pipelining: 1 });
  return {
    async send(method, url, body, headers = {}) {
      try {
        const res = await request(url, {
          dispatcher: agent,
          method,
          headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
          body: body === undefined ? undefined : JSON.stringify(body),
          headersTimeout: opts.timeoutMs,
          bodyTimeout: opts.timeoutMs,
        });
        const text = await res.body.text();
        let parsed: unknown = text;
        try {
          parsed = text.length > 0 ? JSON.parse(text) : undefined;
        } catch {
          // not JSON: kept as text
        }
        return { status: res.statusCode, body: parsed };
      } catch (err) {
        const code = (err as { code?: string }).code ?? (err as Error).name;
        return { status: 0, body: undefined, failure: { kind: TIMEOUT_CODES.has(code) ? 'timeout' : 'network_error', code } };
      }
    },
    close: () => agent.close(),
  };
}
