import { getJson, replicaStockListResponse, replicaStockResponse, type CallFailure, type ReplicaId, type StockView } from '@ftlab/shared';
import type { ReplicaAnswer } from './vote';

export type { CallFailure };

/** An answer with how long it took and, when the call failed, how (the monitor's failure causes). */
export interface Reply<T> {
  instance_id: ReplicaId;
  result: T | { failed: CallFailure; error: string };
  latency_ms: number;
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
