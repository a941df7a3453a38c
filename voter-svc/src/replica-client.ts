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

async function getJson(url: string, timeoutMs: number): Promise<{ status: number; body: unknown } | { failed: CallFailure; error: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, body: await res.json().catch(() => undefined) };
  } catch (err) {
    const e = err as { name?: string; message?: string; cause?: { code?: string } };
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return { failed: 'timeout', error: `no answer in ${timeoutMs} ms` };
    return { failed: e.cause?.code && DEAD.has(e.cause.code) ? 'crash' : 'http_error', error: e.cause?.code ?? e.message ?? 'fetch failed' };
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
