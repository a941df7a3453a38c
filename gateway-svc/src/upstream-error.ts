/** What an upstream call can fail with, for the policies to tell apart (the breaker counts them, retry only `unreachable`). */
export interface UpstreamReply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export class UpstreamError extends Error {
  override name = 'UpstreamError';
  constructor(
    readonly kind: 'status' | 'unreachable',
    message: string,
    /** The 5xx the upstream answered, kept so the client can still be given it. */
    readonly reply?: UpstreamReply,
  ) {
    super(message);
  }
}
