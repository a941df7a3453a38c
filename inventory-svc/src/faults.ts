import type { ActiveFault, StockView } from '@ftlab/shared';

/**
 * What an injected fault does to a request, decided from the fault and a random draw passed in,
 * so tests can drive it. Faults touch /health and reads only; the log is always applied honestly,
 * which is what lets the majority tell a lying replica from a lagging one.
 */
export interface FaultEffect {
  delayMs: number;
  fail: boolean;
}

const LATENCY_JITTER = 0.2;
/** How far off an incorrect replica's answer is: never 0, so the lie is always a different value. */
export const INCORRECT_OFFSET = 37;

export function requestEffect(fault: ActiveFault | null, random: () => number): FaultEffect {
  if (fault?.type === 'latency') {
    const jitter = 1 + LATENCY_JITTER * (2 * random() - 1);
    return { delayMs: Math.round(fault.latency_ms * jitter), fail: false };
  }
  if (fault?.type === 'intermittent') return { delayMs: 0, fail: random() < fault.probability };
  return { delayMs: 0, fail: false };
}

export function distort(fault: ActiveFault | null, view: StockView): StockView {
  if (fault?.type !== 'incorrect' || fault.product_id !== view.product_id) return view;
  const history = view.history?.map((c) => ({ ...c, available_quantity: c.available_quantity + INCORRECT_OFFSET }));
  return { ...view, available_quantity: view.available_quantity + INCORRECT_OFFSET, ...(history ? { history } : {}) };
}
