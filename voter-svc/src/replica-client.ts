import {
  describeFailure,
  expectJson,
  failureCauseOf,
  httpCall,
  replicaStockListResponse,
  replicaStockResponse,
  type CallFailure,
  type ReplicaId,
  type StockView,
} from '@ftlab/shared';
import type { ReplicaAnswer } from './vote';

/** An answer with how long it took or, when the call failed, how (as the shared HTTP client classified it). */
export interface Reply<T> {
  instance_id: ReplicaId;
  result: T | { failed: CallFailure };
  latency_ms: number;
}

async function timed<T>(id: ReplicaId, call: () => Promise<T | { failed: CallFailure }>): Promise<Reply<T>> {
  const started = performance.now();
  const result = await call();
  return { instance_id: id, result, latency_ms: performance.now() - started };
}

const only200 = (status: number) => status === 200;

/** GET /inventory/:id on one replica, with the product's latest changes if `history`; never rejects, every outcome is a reply. */
export function askProduct(id: ReplicaId, baseUrl: string, productId: string, timeoutMs: number, history = false): Promise<Reply<ReplicaAnswer>> {
  return timed(id, async (): Promise<ReplicaAnswer | { failed: CallFailure }> => {
    const answer = await httpCall(`${baseUrl}/inventory/${encodeURIComponent(productId)}${history ? '?history=1' : ''}`, { timeoutMs });
    if (!answer.ok) return { failed: answer.failure };
    if (answer.status === 404) return { instance_id: id, kind: 'not_found' };
    const stock = expectJson(answer, replicaStockResponse, only200);
    if (!stock.ok) return { failed: stock.failure };
    const { instance_id: _self, ...value } = stock.value;
    return { instance_id: id, kind: 'value', value };
  });
}

/** GET /inventory on one replica: its whole stock. */
export function askAll(id: ReplicaId, baseUrl: string, timeoutMs: number): Promise<Reply<StockView[]>> {
  return timed(id, async () => {
    const answer = await httpCall(`${baseUrl}/inventory`, { timeoutMs });
    const stock = answer.ok ? expectJson(answer, replicaStockListResponse, only200) : answer;
    return stock.ok ? stock.value.products : { failed: stock.failure };
  });
}

/** The vote's view of a failed call, keeping the cause the monitor will be told. */
export function failedAnswer(id: ReplicaId, failure: CallFailure): ReplicaAnswer {
  const cause = failureCauseOf(failure);
  return cause === 'timeout' ? { instance_id: id, kind: 'timeout' } : { instance_id: id, kind: 'error', error: describeFailure(failure), cause };
}
