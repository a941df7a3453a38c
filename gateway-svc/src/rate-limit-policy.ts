/**
 * Who is limited, under which limit, and what a client is told, as pure functions; the counting
 * itself is rate-limiter-flexible's (rate-limiter.ts).
 *
 * A limit is a bucket refilled twice over: `ratePerS` tokens every second, plus a `burst` allowance
 * refilled every `burstWindowS` and spent only once the second's tokens are gone. That is the
 * library's BurstyRateLimiter, its token-bucket-like composition of two windows: sustained
 * traffic gets `ratePerS`, a quiet client may go `burst` above it at once.
 */
import { check, clientIdHeader, type LimitClass, type RateLimitedBody, type ValidationFailure } from '@ftlab/shared';

export interface BucketPolicy {
  ratePerS: number;
  burst: number;
  burstWindowS: number;
}

/** What the limiter said about one request. */
export interface LimiterAnswer {
  allowed: boolean;
  /** Tokens left in this second's window (the burst allowance is not shown, as the library does). */
  remaining: number;
  /** Until this second's window (or, when refused, the earliest window) refills. */
  msBeforeNext: number;
}

/** Reads are GET and HEAD; everything else (creating and cancelling orders) counts as an order. */
export function limitClassOf(method: string): LimitClass {
  return method === 'GET' || method === 'HEAD' ? 'read' : 'order';
}

/** The X-Client-Id header when present (validated), else the address the request came from. */
export function clientOf(header: string | undefined, address: string | undefined): { ok: true; client: string } | { ok: false; body: ValidationFailure } {
  if (header === undefined) return { ok: true, client: `addr:${address ?? 'unknown'}` };
  const parsed = check(clientIdHeader, header, 'header');
  if (!parsed.ok) {
    const message = parsed.body.issues[0]?.message ?? 'invalid';
    return { ok: false, body: { error: `invalid header: X-Client-Id: ${message}`, field: 'X-Client-Id', issues: [{ field: 'X-Client-Id', message }] } };
  }
  return { ok: true, client: `id:${parsed.value}` };
}

/** Whole seconds, at least 1: Retry-After of 0 would invite an immediate retry into the same wall. */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * The RateLimit headers of draft-ietf-httpapi-ratelimit-headers (the separate-field form, as
 * express-rate-limit's draft-6 sends them): the second's quota, what is left of it, seconds until
 * it refills, and the policy. Sent on every limited route, admitted or not.
 */
export function rateLimitHeaders(policy: BucketPolicy, answer: LimiterAnswer): Record<string, string> {
  const headers: Record<string, string> = {
    // The quota per 1 s window, with the burst allowance as extension parameters (which the
    // draft lets a client ignore): `burst` more per `burst_w` seconds once a second's quota is spent.
    'RateLimit-Policy': `${policy.ratePerS};w=1;burst=${policy.burst};burst_w=${policy.burstWindowS}`,
    'RateLimit-Limit': String(policy.ratePerS),
    'RateLimit-Remaining': String(Math.max(0, Math.floor(answer.remaining))),
    'RateLimit-Reset': String(Math.max(0, Math.ceil(answer.msBeforeNext / 1000))),
  };
  if (!answer.allowed) headers['Retry-After'] = String(retryAfterSeconds(answer.msBeforeNext));
  return headers;
}

export function rateLimitedBody(limit: LimitClass, client: string, policy: BucketPolicy, answer: LimiterAnswer): RateLimitedBody {
  const retry = retryAfterSeconds(answer.msBeforeNext);
  return {
    error: `rate limit exceeded: at most ${policy.ratePerS} ${limit === 'read' ? 'reads' : 'orders'} a second (plus ${policy.burst} per ${policy.burstWindowS} s) for ${client}; retry in ${retry} s`,
    limit,
    client,
    retry_after_s: retry,
  };
}

/**
 * The most one client can have admitted by requests sent over `spanMs` (first to last): every
 * one-second window and every burst window that can start within the span is spent in full.
 * Windows start at the first request after the previous one expired, so a flood reaches this.
 */
export function maxAdmitted(policy: BucketPolicy, spanMs: number): number {
  if (spanMs < 0) return 0;
  return policy.ratePerS * (Math.floor(spanMs / 1000) + 1) + policy.burst * (Math.floor(spanMs / (policy.burstWindowS * 1000)) + 1);
}

/**
 * How many of one client's requests, arriving at `times` (ms, any clock), the limit admits: a
 * model of the library's two fixed windows, each opened by the first request after the previous
 * one expired; a request takes a token of the second's window, or when those are gone one of the
 * burst window's. What tests compare a real limiter's decisions with.
 */
export function admittedOf(policy: BucketPolicy, times: readonly number[]): number {
  const windows = { rate: { endsAt: -Infinity, used: 0 }, burst: { endsAt: -Infinity, used: 0 } };
  const take = (w: { endsAt: number; used: number }, at: number, lengthMs: number, size: number): boolean => {
    if (at >= w.endsAt) Object.assign(w, { endsAt: at + lengthMs, used: 0 });
    w.used += 1;
    return w.used <= size;
  };
  let admitted = 0;
  for (const at of [...times].sort((a, b) => a - b)) {
    if (take(windows.rate, at, 1000, policy.ratePerS) || (policy.burst > 0 && take(windows.burst, at, policy.burstWindowS * 1000, policy.burst))) admitted += 1;
  }
  return admitted;
}
