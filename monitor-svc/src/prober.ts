import { replicaStockListResponse, type StockView } from '@ftlab/shared';
import type { ProbeResult } from './detector';

/** Network errors that mean nobody is listening or the process died mid-answer. */
const DEAD = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'UND_ERR_SOCKET']);

/** One GET /health with a deadline, classified the way the detector needs it. */
export async function probeHealth(baseUrl: string, timeoutMs: number): Promise<ProbeResult> {
  const started = performance.now();
  const latencyMs = () => performance.now() - started;
  try {
    const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.ok ? { ok: true, latencyMs: latencyMs() } : { ok: false, cause: 'http_error', latencyMs: latencyMs() };
  } catch (err) {
    return { ok: false, cause: classify(err), latencyMs: latencyMs() };
  }
}

function classify(err: unknown): 'crash' | 'timeout' | 'http_error' {
  const e = err as { name?: string; cause?: { code?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timeout';
  if (e.cause?.code && DEAD.has(e.cause.code)) return 'crash';
  return 'http_error';
}

/** A replica's whole stock with positions, or undefined if it did not answer well in time. */
export async function fetchStock(baseUrl: string, timeoutMs: number): Promise<StockView[] | undefined> {
  try {
    const res = await fetch(`${baseUrl}/inventory`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return undefined;
    const parsed = replicaStockListResponse.safeParse(await res.json());
    return parsed.success ? parsed.data.products : undefined;
  } catch {
    return undefined;
  }
}
