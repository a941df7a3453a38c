import type { z } from 'zod';

/**
 * JSON over HTTP for the command-line tools, with errors phrased for a person: which service,
 * at which URL, and why (refused, timed out, answered an error, answered something unexpected).
 */

/** The target could not be reached or did not answer as expected; the CLI exits 1 with the message. */
export class TargetError extends Error {
  override name = 'TargetError';
}

export interface Target {
  /** How the service is called in messages: "inventory-2", "monitor". */
  name: string;
  url: string;
}

export interface CallOptions {
  method?: 'GET' | 'POST';
  token?: string;
  body?: unknown;
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 5000;

/** The innermost cause's code (ECONNREFUSED...) or message: fetch wraps them in "fetch failed". */
function reason(err: unknown): string {
  let current = err as { cause?: unknown; code?: string; name?: string; message?: string } | undefined;
  while (current?.cause) current = current.cause as typeof current;
  if (current?.name === 'TimeoutError') return 'timed out';
  return current?.code ?? current?.message ?? String(err);
}

async function call(target: Target, path: string, opts: CallOptions): Promise<{ status: number; body: unknown }> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`${target.url}${path}`, {
      method: opts.method ?? 'GET',
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const why = reason(err);
    throw new TargetError(`cannot reach ${target.name} at ${target.url} (${why === 'timed out' ? `no answer within ${timeoutMs} ms` : why})`);
  }
  const text = await res.text().catch(() => '');
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text for the error message
  }
  return { status: res.status, body };
}

/** The error text of a service's JSON error body, or the start of whatever it sent. */
function describeBody(body: unknown): string {
  if (body && typeof body === 'object' && 'error' in body) return String((body as { error: unknown }).error);
  return String(typeof body === 'string' ? body : JSON.stringify(body)).slice(0, 200);
}

/** Calls the target and parses a 2xx answer with `schema`; any other outcome is a TargetError. */
export async function callJson<S extends z.ZodTypeAny>(target: Target, path: string, schema: S, opts: CallOptions = {}): Promise<z.output<S>> {
  const { status, body } = await call(target, path, opts);
  if (status < 200 || status >= 300) {
    throw new TargetError(`${target.name} answered ${opts.method ?? 'GET'} ${path} with ${status}: ${describeBody(body)}`);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TargetError(`${target.name} sent an unexpected answer to ${path}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return parsed.data;
}
