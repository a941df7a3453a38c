import { Agent, request } from 'undici';

/**
 * GETs against the replicas, for the voter (three per read) and the monitor (probes and
 * cross-checks several times a second). undici's request() over a keep-alive pool costs far less
 * CPU per call than fetch(), and every call is classified the way failure detection needs it.
 */

export type CallFailure = 'timeout' | 'crash' | 'http_error';

export type JsonAnswer = { status: number; body: unknown } | { failed: CallFailure; error: string };

/** Network errors that mean nobody is listening, or the process died mid-answer. */
const DEAD = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'UND_ERR_SOCKET']);

const replicas = new Agent({ connections: 64, keepAliveTimeout: 30_000, pipelining: 1 });

/** One GET with a deadline; never rejects: every outcome is an answer or a classified failure. */
export async function getJson(url: string, timeoutMs: number): Promise<JsonAnswer> {
  try {
    const res = await request(url, { dispatcher: replicas, signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.statusCode, body: await res.body.json().catch(() => undefined) };
  } catch (err) {
    const e = err as { name?: string; message?: string; code?: string | number };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return { failed: 'timeout', error: `no answer in ${timeoutMs} ms` };
    const code = typeof e.code === 'string' ? e.code : undefined;
    return { failed: code && DEAD.has(code) ? 'crash' : 'http_error', error: code ?? e.message ?? 'request failed' };
  }
}
