/**
 * One request of a load run, as the per-request timeline records it. Field names follow the
 * experiment runner's ReadSample (at, latencyMs, status, quorum, wrong), so adapting is trivial.
 */

export type RequestKind = 'read' | 'order';

export type Outcome =
  /** 2xx. */
  | 'ok'
  /** Answered, but not 2xx (503 without quorum, 500...). */
  | 'http_error'
  /** No answer within the client timeout. */
  | 'timeout'
  /** Connection refused or reset. */
  | 'network_error'
  /** Never sent: too many requests were already in flight. */
  | 'dropped';

export interface Sample {
  /** Position in the schedule. */
  i: number;
  kind: RequestKind;
  productId: string;
  /** Epoch ms the request was due (open-loop schedule time). */
  at: number;
  /** From the due time to the end of the answer (or of the failure); null when dropped. */
  latencyMs: number | null;
  /** HTTP status, 0 when there was none. */
  status: number;
  outcome: Outcome;
  ok: boolean;
  /** Reads answered 200 by the voter: quorum.agreed. null for other answers and non-voter targets. */
  quorum: boolean | null;
  /**
   * Reads that returned a value or a 404: whether it disagrees with the replicas' committed state
   * (see wrong-answers.ts). null when not judged (no value, check off, no majority to compare with).
   */
  wrong: boolean | null;
  /** Orders accepted (202): the id, to follow the order to its decision. */
  orderId?: string;
  /** Failures: the error code or the service's error text, shortened. */
  error?: string;
}
