import { Agent, request, type Dispatcher } from 'undici';
import type { z } from 'zod';
import type { FailureCause } from './events';

/**
 * Every outgoing HTTP call of the project: the voter's fan-out, the monitor's probes and
 * dashboard reads, the tools, benchmarks and load generator. It owns the deadline of a call and
 * says how a call failed, once, in one vocabulary; callers phrase it for their audience (a
 * failure cause for the detector, a sentence for a person) from the kind, never from a message.
 *
 * undici's request() over keep-alive pools: far less CPU per call than fetch(), which matters to
 * the voter (three calls per read) and the prober (several calls a second per replica) on a
 * machine they share with the system they measure.
 */

/** How a call failed. */
export type CallFailure =
  /** Nobody listens there (ECONNREFUSED): the process is down. */
  | { kind: 'refused'; code: string }
  /** The connection broke before the answer was complete: the process died or dropped it. */
  | { kind: 'reset'; code: string }
  /** No route to the host, or its name does not resolve. */
  | { kind: 'unreachable'; code: string }
  /** Any other transport error: a malformed answer, a closed pool. */
  | { kind: 'network'; code: string }
  /** No complete answer within the call's deadline. */
  | { kind: 'timeout'; timeoutMs: number }
  /** An answer with a status the caller does not accept; its body, for the error it names. */
  | { kind: 'status'; status: number; body: unknown }
  /** An accepted status whose body breaks the contract (not JSON, or not what the schema says). */
  | { kind: 'contract'; status: number; issue: string };

/** An HTTP answer of any status; the body is parsed JSON, or the raw text when it is not JSON. */
export interface HttpAnswer {
  status: number;
  body: unknown;
}

export type HttpOutcome = ({ ok: true } & HttpAnswer) | { ok: false; failure: CallFailure };
export type JsonOutcome<T> = { ok: true; status: number; value: T } | { ok: false; failure: CallFailure };

/** A keep-alive connection pool; calls without one share the process-wide default. */
export type HttpPool = Dispatcher & { close(): Promise<void> };

export interface HttpCallOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  headers?: Record<string, string>;
  /** Sent as JSON (with its content type). */
  body?: unknown;
  /** The whole call, connect to last byte of the body. */
  timeoutMs: number;
  pool?: HttpPool;
  /** Abandons the call earlier (a caller's own deadline or timeout policy): a timeout failure too. */
  signal?: AbortSignal;
}

/** `connections` per origin, opened only as needed: too few would queue calls inside the client. */
export function createHttpPool(connections = 64): HttpPool {
  return new Agent({ connections, keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000, pipelining: 1 });
}

let defaultPool: HttpPool | undefined;

const KIND_BY_CODE: Record<string, 'refused' | 'reset' | 'unreachable' | 'timeout'> = {
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  // undici: "other side closed" mid-answer.
  UND_ERR_SOCKET: 'reset',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENETDOWN: 'unreachable',
  ENOTFOUND: 'unreachable',
  EAI_AGAIN: 'unreachable',
  ETIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
};

type ErrorLike = { name?: string; code?: unknown; message?: string; cause?: unknown };

/** Classifies what a call threw: undici's and Node's socket errors by code, and the deadline's abort. */
export function classifyError(err: unknown, timeoutMs: number): CallFailure {
  let e = err as ErrorLike | undefined;
  // A wrapper (fetch's "fetch failed") carries the error that says what happened as its cause.
  while (e && typeof e.code !== 'string' && e.cause) e = e.cause as ErrorLike;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return { kind: 'timeout', timeoutMs };
  const code = typeof e?.code === 'string' ? e.code : (e?.message ?? String(err));
  const kind = KIND_BY_CODE[code];
  if (kind === 'timeout') return { kind, timeoutMs };
  return { kind: kind ?? 'network', code };
}

/** One call with a deadline. Any status is an answer; it never rejects: no answer is a classified failure. */
export async function httpCall(url: string, opts: HttpCallOptions): Promise<HttpOutcome> {
  const headers = opts.body === undefined ? opts.headers : { 'content-type': 'application/json', ...opts.headers };
  try {
    const res = await request(url, {
      dispatcher: opts.pool ?? (defaultPool ??= createHttpPool()),
      method: opts.method ?? 'GET',
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      // Node's timers take whole positive milliseconds; a deadline already past still gets its one.
      signal: deadlineSignal(opts),
    });
    const text = await res.body.text();
    return { ok: true, status: res.statusCode, body: parseJsonOrText(text) };
  } catch (err) {
    return { ok: false, failure: classifyError(err, opts.timeoutMs) };
  }
}

function deadlineSignal(opts: HttpCallOptions): AbortSignal {
  const own = AbortSignal.timeout(Math.max(1, Math.ceil(opts.timeoutMs)));
  return opts.signal ? AbortSignal.any([own, opts.signal]) : own;
}

function parseJsonOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const is2xx = (status: number) => status >= 200 && status < 300;

/** An answer judged by what the caller accepts: an unaccepted status or a body `schema` rejects is a failure. */
export function expectJson<S extends z.ZodTypeAny>(answer: HttpAnswer, schema: S, accept: (status: number) => boolean = is2xx): JsonOutcome<z.output<S>> {
  if (!accept(answer.status)) return { ok: false, failure: { kind: 'status', status: answer.status, body: answer.body } };
  const parsed = schema.safeParse(answer.body);
  if (parsed.success) return { ok: true, status: answer.status, value: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, failure: { kind: 'contract', status: answer.status, issue: `${issue?.path.join('.') || '(root)'}: ${issue?.message}` } };
}

/** A call whose answer must be an accepted status (2xx unless told) with a body that `schema` parses. */
export async function callJson<S extends z.ZodTypeAny>(
  url: string,
  schema: S,
  opts: HttpCallOptions & { accept?: (status: number) => boolean },
): Promise<JsonOutcome<z.output<S>>> {
  const outcome = await httpCall(url, opts);
  return outcome.ok ? expectJson(outcome, schema, opts.accept) : outcome;
}

/** A few words for logs and error bodies: "ECONNREFUSED", "no answer within 700 ms", "HTTP 503". */
export function describeFailure(f: CallFailure): string {
  switch (f.kind) {
    case 'timeout':
      return `no answer within ${Math.ceil(f.timeoutMs)} ms`;
    case 'status':
      return `HTTP ${f.status}`;
    case 'contract':
      return `unexpected answer (${f.issue})`;
    default:
      return f.code;
  }
}

/**
 * What a failed call to a replica is evidence of, for failure detection: a process that is not
 * there (refused, reset, unreachable) has crashed; one that answers badly has an HTTP error.
 */
export function failureCauseOf(f: CallFailure): Exclude<FailureCause, 'incorrect_response'> {
  if (f.kind === 'timeout') return 'timeout';
  return f.kind === 'refused' || f.kind === 'reset' || f.kind === 'unreachable' ? 'crash' : 'http_error';
}
