import { callJson, failureCauseOf, httpCall, replicaStockListResponse, type StockView } from '@ftlab/shared';
import type { ProbeResult } from './detector';

/** One GET /health with a deadline, classified the way the detector needs it. */
export async function probeHealth(baseUrl: string, timeoutMs: number): Promise<ProbeResult> {
  const started = performance.now();
  const answer = await httpCall(`${baseUrl}/health`, { timeoutMs });
  const latencyMs = performance.now() - started;
  if (!answer.ok) return { ok: false, cause: failureCauseOf(answer.failure), latencyMs };
  return answer.status >= 200 && answer.status < 300 ? { ok: true, latencyMs } : { ok: false, cause: 'http_error', latencyMs };
}

/** A replica's whole stock with positions, or undefined if it did not answer well in time. */
export async function fetchStock(baseUrl: string, timeoutMs: number): Promise<StockView[] | undefined> {
  const answer = await callJson(`${baseUrl}/inventory`, replicaStockListResponse, { timeoutMs, accept: (status) => status === 200 });
  return answer.ok ? answer.value.products : undefined;
}
