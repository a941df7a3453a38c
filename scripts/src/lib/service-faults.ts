import type { ChildProcess } from 'node:child_process';
import type { Pool, ProcessFaultRequest } from '@ftlab/shared';
import { freePort } from './ports';
import type { FaultHooks, ProcessHost } from './process-faults';
import type { Supervisor } from './supervisor';

/** The services' supervisor as a ProcessHost: a copy of a service listens on a free port of its own. */
export function serviceHost<Name extends string>(supervisor: Supervisor<Name>, portVariable: (name: Name) => string): ProcessHost {
  const own = (name: string) => name as Name;
  return {
    names: supervisor.names,
    status: (name) => supervisor.status(own(name)),
    kill: (name, signal) => supervisor.kill(own(name), signal),
    killAndHold: (name) => supervisor.killAndHold(own(name)),
    start: (name) => supervisor.start(own(name)),
    spawnCopy: async (name): Promise<ChildProcess> =>
      supervisor.spawnCopy(own(name), { [portVariable(own(name))]: String(await freePort()) }, 'duplicate'),
  };
}

const REPLICA_PROCESS = /^inventory-([123])$/;

/**
 * Faults on a replica's process are recorded in fault_injections like the replica's own, so the
 * monitor's TTD of a frozen or duplicated replica starts at the injection, on the database's clock.
 */
export function replicaFaultRecorder(pool: Pool): FaultHooks {
  const instanceOf = (name: string) => REPLICA_PROCESS.exec(name)?.[1];
  return {
    injected: async (name: string, fault: ProcessFaultRequest) => {
      const instance = instanceOf(name);
      if (!instance) return;
      const { type, ...params } = fault;
      await pool.query('INSERT INTO fault_injections (instance_id, fault_type, params) VALUES ($1, $2, $3)', [instance, type, params]);
    },
    cleared: async (name: string, fault: ProcessFaultRequest) => {
      const instance = instanceOf(name);
      if (!instance) return;
      await pool.query(
        `UPDATE fault_injections SET cleared_at = clock_timestamp()
         WHERE id = (SELECT id FROM fault_injections WHERE instance_id = $1 AND fault_type = $2 AND cleared_at IS NULL ORDER BY injected_at DESC LIMIT 1)`,
        [instance, fault.type],
      );
    },
  };
}
