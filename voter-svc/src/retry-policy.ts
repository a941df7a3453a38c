/**
 * When a read that found no quorum is asked again, as a pure function of what the round saw.
 *
 * A healthy system still has moments without a quorum: while orders flow, each replica commits
 * the same event a few milliseconds apart, so three replicas can briefly hold three different
 * values for one product, or two differ by lag while the third is slow to answer. Those moments
 * pass on their own, so a client should not see them as a 503: the voter asks again, quickly,
 * until its read deadline. A 503 is kept for what does not pass within it (two replicas down,
 * or answers that disagree at the same log position).
 */
import { DEFAULT_QUORUM, type Decision, type ReplicaAnswer } from './vote';

export type RetryReason = 'lagging' | 'failed';
export type RetryAdvice = { retry: false } | { retry: true; reason: RetryReason; delayMs: number };

export interface RoundOutcome {
  decision: Decision;
  answers: readonly ReplicaAnswer[];
  /** How many replicas this round asked (the ON ones). */
  asked: number;
}

/** First wait before asking replicas again that differ only by log position; doubles per attempt. */
export const LAG_RETRY_MS = 5;
const LAG_RETRY_MAX_MS = 40;
/** Wait before asking again after failed calls: long enough for a transient stall to pass. */
export const FAILED_RETRY_MS = 20;
/** A round given less time than this could not hear a replica answer; answer the client instead. */
export const MIN_ROUND_MS = 50;

/**
 * `attempt` counts the rounds already made (1 after the first); `remainingMs` is what is left of
 * the read deadline. Retries only a no-quorum round that another round could turn into a quorum.
 */
export function nextAttempt(round: RoundOutcome, attempt: number, remainingMs: number, quorum = DEFAULT_QUORUM): RetryAdvice {
  if (round.decision.status !== 'no_quorum' || round.asked < quorum) return { retry: false };
  const reason = retryReason(round.answers);
  if (reason === undefined) return { retry: false };
  const delayMs = reason === 'lagging' ? Math.min(LAG_RETRY_MS * 2 ** (attempt - 1), LAG_RETRY_MAX_MS) : FAILED_RETRY_MS;
  return remainingMs - delayMs >= MIN_ROUND_MS ? { retry: true, reason, delayMs } : { retry: false };
}

/**
 * 'lagging' when the values come from different log positions (another round finds them caught
 * up); 'failed' when some call failed or timed out (it may answer next time); undefined when the
 * answers disagree at one position, which no retry can change.
 */
function retryReason(answers: readonly ReplicaAnswer[]): RetryReason | undefined {
  const positions = new Set(answers.flatMap((a) => (a.kind === 'value' ? [`${a.value.position.partition}:${a.value.position.offset}`] : [])));
  if (positions.size > 1) return 'lagging';
  if (answers.some((a) => a.kind === 'error' || a.kind === 'timeout')) return 'failed';
  return undefined;
}
