import {
  dbFlappingView,
  processListResponse,
  postgresRestartView,
  processView,
  type DbFlappingRequest,
  type DbFlappingView,
  type Endpoints,
  type ProcessFaultRequest,
  type PostgresRestartView,
  type ProcessView,
} from '@ftlab/shared';
import { callJson, type Target } from './http';

/** The launcher's control API (lib/control-api.ts) as the tools call it: process faults and database flapping. */

const controlTarget = (endpoints: Endpoints): Target => ({ name: 'launcher control API', url: endpoints.control });

export async function listProcesses(endpoints: Endpoints, token: string): Promise<ProcessView[]> {
  return (await callJson(controlTarget(endpoints), '/processes', processListResponse, { token })).processes;
}

/**
 * The launcher answers a fault once it is in effect: a crash once the process has exited (a
 * broker's JVM takes seconds on a busy host) and the fault is recorded, so this waits longer than
 * a plain call before calling the launcher unreachable.
 */
const INJECT_TIMEOUT_MS = 30_000;

/** Crash (optionally held down), pause or duplicate one supervised process; the fault ends by itself. */
export function injectProcessFault(endpoints: Endpoints, token: string, name: string, fault: ProcessFaultRequest): Promise<ProcessView> {
  return callJson(controlTarget(endpoints), `/processes/${encodeURIComponent(name)}/faults`, processView, { method: 'POST', token, body: fault, timeoutMs: INJECT_TIMEOUT_MS });
}

export function startDbFlapping(endpoints: Endpoints, token: string, request: DbFlappingRequest): Promise<DbFlappingView> {
  return callJson(controlTarget(endpoints), '/faults/db-flapping', dbFlappingView, { method: 'POST', token, body: request });
}

export function readDbFlapping(endpoints: Endpoints, token: string): Promise<DbFlappingView> {
  return callJson(controlTarget(endpoints), '/faults/db-flapping', dbFlappingView, { token });
}

/** Restarts the database server; resolves once it is back. */
export function restartDatabase(endpoints: Endpoints, token: string): Promise<PostgresRestartView> {
  return callJson(controlTarget(endpoints), '/faults/postgres-restart', postgresRestartView, { method: 'POST', token, body: {}, timeoutMs: 60_000 });
}
