import { REPLICA_IDS, type Endpoints } from '@ftlab/shared';
import { readMonitorStatus } from './fault-api';
import { pollUntil } from './poll';

export interface AllOnOptions {
  timeoutMs: number;
  /** How long every replica must have been ON without a break; 0 (the default) accepts the first all-ON answer. */
  settleMs?: number;
  intervalMs?: number;
  signal?: AbortSignal;
}

/**
 * Resolves once the monitor reports every replica ON (for `settleMs` in a row), so a measurement
 * does not start with a replica still failed, and a fault is never injected into a replica that
 * is already OFF (the monitor could not link the two). A replica flapping OFF restarts the
 * settle; an unreachable monitor (restarting) is asked again. Rejects naming what was not ON.
 */
export async function waitAllOn(endpoints: Endpoints, opts: AllOnOptions): Promise<void> {
  const settleMs = opts.settleMs ?? 0;
  let off: string[] = [...REPLICA_IDS];
  let allOnSince: number | undefined;
  await pollUntil(
    async () => {
      try {
        const instances = await readMonitorStatus(endpoints, { timeoutMs: 2000 });
        off = REPLICA_IDS.filter((id) => instances.find((i) => i.instance_id === id)?.status !== 'ON');
      } catch (err) {
        off = [`monitor: ${(err as Error).message}`];
      }
      const now = Date.now();
      allOnSince = off.length === 0 ? (allOnSince ?? now) : undefined;
      return allOnSince !== undefined && now - allOnSince >= settleMs;
    },
    {
      timeoutMs: opts.timeoutMs,
      intervalMs: opts.intervalMs ?? 100,
      signal: opts.signal,
      what: () => `every replica ON${settleMs > 0 ? ` for ${settleMs} ms in a row` : ''} (last not ON: ${off.join(', ') || 'none'})`,
    },
  );
}
