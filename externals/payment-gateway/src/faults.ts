import type { paymentGateway } from '@ftlab/shared';

/**
 * What the injected fault does to one API call, decided from the fault and random draws passed
 * in, so tests can drive it. The order matters for the lab: a call refused before any work (503)
 * moved no money, while a late answer or a 500 after the work hides a charge that was made.
 */
export interface CallEffect {
  /** Refuse the call with 503 before doing anything. */
  refuse: boolean;
  /** Do the work, then answer 500 instead of the result. */
  failAfterWork: boolean;
  /** Wait this long after the work before answering. */
  delayMs: number;
  /** Decline a new charge instead of capturing it. */
  decline: boolean;
}

export function callEffect(fault: paymentGateway.GatewayFault | null, baseLatencyMs: number, random: () => number): CallEffect {
  const effect: CallEffect = { refuse: false, failAfterWork: false, delayMs: baseLatencyMs, decline: false };
  switch (fault?.type) {
    case 'down':
      return { ...effect, refuse: true, delayMs: 0 };
    case 'latency':
      return { ...effect, delayMs: baseLatencyMs + fault.latency_ms };
    case 'decline':
      return { ...effect, decline: true };
    case 'intermittent':
      if (random() >= fault.probability) return effect;
      // Half the failures happen before the work and half after it, as with a real provider
      // whose gateway or whose answer path fails.
      return random() < 0.5 ? { ...effect, refuse: true, delayMs: 0 } : { ...effect, failAfterWork: true };
    default:
      return effect;
  }
}
