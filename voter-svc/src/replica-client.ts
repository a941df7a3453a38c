import { Agent, request } from 'undici';
import { replicaStockListResponse, replicaStockResponse, type ReplicaId, type StockView } from '@ftlab/shared';
import type { ReplicaAnswer } from './vote';

export type CallFailure = 'timeout' | 'crash' | 'http_error';

/** An answer with how long it took and, when the call failed, how (the monitor's failure causes). */
export interface Reply<T> {
  instance_id: ReplicaId;
  result: T | { failed: CallFailure; error: string };
  latency_ms: number;
}

const DEAD = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

/**
 * Keep-alive connections to the replicas. undici's request() costs far less CPU per call than
 * fetch(), and the voter makes three calls for every read.
 */
const replicas = new Agent({ connections: 64, keepAliveTimeout: 30_000, pipelining: 1 });

async function getJson(url: string, timeoutMs: number): Promise<{ status: number; body: unknown } | { failed: CallFailure; error: string }> {
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

async function timed<T>(id: ReplicaId, call: () => Promise<T | { failed: CallFailure; error: string }>): Promise<Reply<T>> {
  const started = performance.now();
  const result = await call();
  return { instance_id: id, result, latency_ms: performance.now() - started };
}

/** GET /inventory/:id on one replica; never rejects, every outcome is a reply. */
export function askProduct(id: ReplicaId, baseUrl: string, productId: string, timeoutMs: number): Promise<Reply<ReplicaAnswer>> {
  return timed(id, async () => {
    const r = await getJson(`${baseUrl}/inventory/${encodeURIComponent(productId)}`, timeoutMs);
    if ('failed' in r) return r;
    if (r.status === 404) return { instance_id: id, kind: 'not_found' as const };
    const parsed = r.status === 200 ? replicaStockResponse.safeParse(r.body) : undefined;
    if (!parsed?.success) return { failed: 'http_error' as const, error: `HTTP ${r.status}` };
    const { instance_id: _self, ...value } = parsed.data;
    return { instance_id: id, kind: 'value' as const, value };
  });
}

/** GET /inventory on one replica: its whole stock. */
export function askAll(id: ReplicaId, baseUrl: string, timeoutMs: number): Promise<Reply<StockView[]>> {
  return timed(id, async () => {
    const r = await getJson(`${baseUrl}/inventory`, timeoutMs);
    if ('failed' in r) return r;
    const parsed = r.status === 200 ? replicaStockListResponse.safeParse(r.body) : undefined;
    if (!parsed?.success) return { failed: 'http_error' as const, error: `HTTP ${r.status}` };
    return parsed.data.products;
  });
}

/** The vote's view of a failed call. */
export function failedAnswer(id: ReplicaId, failure: { failed: CallFailure; error: string }): ReplicaAnswer {
  return failure.failed === 'timeout' ? { instance_id: id, kind: 'timeout' } : { instance_id: id, kind: 'error', error: failure.error };
}
