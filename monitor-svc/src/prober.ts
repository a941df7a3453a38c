import { callJson, failureCauseOf, httpCall, replicaHealthReport, replicaStockListResponse, type StockView } from '@ftlab/shared';
import { DEFAULT_DETECTOR_CONFIG, type DetectorConfig, type ProbeFailureCause, type ProbeResult } from './detector';
import { HostEvidence } from './host-contention';
import { roundStep } from './probe-round';

/**
 * Probes of /health on the monitor's clock: this adapter only times requests and wakes up; what to
 * send and when to give up is probe-round.ts's, and how slow the host is, host-contention.ts's.
 * The evidence is shared by the probes of every replica: each one's answers are the others' peers.
 */
let config: Readonly<DetectorConfig> = DEFAULT_DETECTOR_CONFIG;
let evidence = newEvidence(config);

function newEvidence(c: Readonly<DetectorConfig>): HostEvidence {
  return new HostEvidence(c.hostLookbackMs + c.maxProbeWaitMs);
}

/** Uses the monitor's detector configuration (main calls this once, before probing). */
export function configureProber(detector: Readonly<DetectorConfig>): void {
  config = detector;
  evidence = newEvidence(detector);
}

/** Samples the monitor's own event-loop lag (timer drift) every `periodMs`; returns a stop function. */
export function watchMonitorLag(periodMs = 20): () => void {
  let due = performance.now() + periodMs;
  const timer = setInterval(() => {
    const now = performance.now();
    evidence.lag(now, now - due);
    due = now + periodMs;
  }, periodMs);
  return () => clearInterval(timer);
}

/** One probe of /health: one request, hedged while it is overdue, given up at the round's deadline. */
export function probeHealth(baseUrl: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const startedAt = performance.now();
    let sent = 0;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const settle = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const send = () => {
      sent++;
      const record = evidence.sent(baseUrl, performance.now());
      void healthRequest(baseUrl, config.maxProbeWaitMs).then((answer) => {
        const at = performance.now();
        if (answer.ok === false && answer.cause === 'timeout') return; // the round's deadline decides that
        if (answer.ok) {
          evidence.answered(record, at);
          evidence.ready(baseUrl, at);
        } else evidence.discard(record);
        const latencyMs = at - record.sentAt;
        if (answer.ok) return settle({ ok: true, latencyMs });
        const behindWithPeers = answer.behind === true && !evidence.peerReadySince(baseUrl, startedAt - config.hostLookbackMs);
        settle({ ok: false, cause: answer.cause, latencyMs, ...(behindWithPeers ? { behindWithPeers } : {}) });
      });
    };
    const wake = (due: number) => {
      const now = performance.now();
      evidence.lag(now, now - due);
      if (settled) return;
      const host = evidence.delay(baseUrl, startedAt - config.hostLookbackMs, now);
      const step = roundStep({ startedAt, timeoutMs, sent }, now, now - due, host, config);
      if (step.action === 'give-up') {
        settle({ ok: false, cause: 'timeout', latencyMs: now - startedAt, unanswered: step.unanswered, contended: step.contended, host });
        return;
      }
      if (step.hedge) send();
      // A wake-up due now still goes through setTimeout: the sockets are read before it runs.
      timer = setTimeout(wake, Math.max(0, step.wakeAt - now), Math.max(now, step.wakeAt));
    };
    send();
    wake(startedAt);
  });
}

type HealthAnswer = { ok: true } | { ok: false; cause: ProbeFailureCause; behind?: boolean };

/** The HTTP call of one request, classified; its own timeout is only a backstop for the round's. */
async function healthRequest(baseUrl: string, timeoutMs: number): Promise<HealthAnswer> {
  const answer = await httpCall(`${baseUrl}/health`, { timeoutMs });
  if (!answer.ok) return { ok: false, cause: failureCauseOf(answer.failure) };
  if (answer.status >= 200 && answer.status < 300) return { ok: true };
  const report = replicaHealthReport.safeParse(answer.body);
  return { ok: false, cause: 'http_error', behind: report.success && report.data.status === 'catching_up' };
}

/** A replica's whole stock with positions, or undefined if it did not answer well in time. */
export async function fetchStock(baseUrl: string, timeoutMs: number): Promise<StockView[] | undefined> {
  const answer = await callJson(`${baseUrl}/inventory`, replicaStockListResponse, { timeoutMs, accept: (status) => status === 200 });
  return answer.ok ? answer.value.products : undefined;
}
