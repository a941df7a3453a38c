import type { z } from 'zod';
import { callJson as callService, describeFailure } from '@ftlab/shared';
import { ADMIN_TOKEN_FILE } from './admin-token';

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

/** The error text of a service's JSON error body, or the start of whatever it sent. */
function describeBody(body: unknown): string {
  if (body && typeof body === 'object' && 'error' in body) return String((body as { error: unknown }).error);
  return String(typeof body === 'string' ? body : JSON.stringify(body)).slice(0, 200);
}

/** Calls the target and parses a 2xx answer with `schema`; any other outcome is a TargetError. */
export async function callJson<S extends z.ZodTypeAny>(target: Target, path: string, schema: S, opts: CallOptions = {}): Promise<z.output<S>> {
  const method = opts.method ?? 'GET';
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const answer = await callService(`${target.url}${path}`, schema, { method, headers, body: opts.body, timeoutMs });
  if (answer.ok) return answer.value;
  const f = answer.failure;
  if (f.kind === 'status') {
    // The token is ours to fix, so say where it came from.
    const hint = f.status === 401 ? ` (the admin token is read from ADMIN_TOKEN, else ${ADMIN_TOKEN_FILE})` : '';
    throw new TargetError(`${target.name} answered ${method} ${path} with ${f.status}: ${describeBody(f.body)}${hint}`);
  }
  if (f.kind === 'contract') throw new TargetError(`${target.name} sent an unexpected answer to ${path}: ${f.issue}`);
  throw new TargetError(`cannot reach ${target.name} at ${target.url} (${describeFailure(f)})`);
}
