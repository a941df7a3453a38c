import type { ChildProcess } from 'node:child_process';
import type { Logger, ProcessFaultRequest, ProcessView } from '@ftlab/shared';
import { exited } from './children';

/**
 * Faults on whole processes the launcher supervises: kill -9 (optionally kept down for a while),
 * SIGSTOP/SIGCONT, and a second copy running beside the first. This module owns the timers that
 * end each fault, so a fault always ends on its own, and on close() every process is resumed.
 */

/** What ProcessFaults needs from whoever runs the processes (the services' Supervisor, the Kafka brokers). */
export interface ProcessHost {
  readonly names: readonly string[];
  status(name: string): { pid: number | undefined; state: 'running' | 'down' | 'restarting'; restarts: number };
  kill(name: string, signal: NodeJS.Signals): boolean;
  /** Kills like kill -9 and keeps it down until start(name). */
  killAndHold(name: string): Promise<void>;
  start(name: string): void;
  /** A second copy beside the first, when this host can run one (services can; brokers cannot). */
  spawnCopy?(name: string): Promise<ChildProcess>;
}

/** Told when a fault starts and ends, e.g. to record it where TTD is computed. */
export interface FaultHooks {
  injected?(name: string, fault: ProcessFaultRequest): Promise<void>;
  cleared?(name: string, fault: ProcessFaultRequest): Promise<void>;
}

export class UnknownProcessError extends Error {}
export class FaultConflictError extends Error {}

interface ActiveFault {
  fault: ProcessFaultRequest;
  endsAt: Date;
  timer: NodeJS.Timeout;
  end: () => Promise<void>;
}

export class ProcessFaults {
  private readonly active = new Map<string, ActiveFault>();

  constructor(
    private readonly hosts: ProcessHost[],
    private readonly logger: Logger,
    private readonly hooks: FaultHooks = {},
  ) {}

  list(): ProcessView[] {
    return this.hosts.flatMap((host) =>
      host.names.map((name) => {
        const { pid, state, restarts } = host.status(name);
        const active = this.active.get(name);
        return {
          name,
          pid: pid ?? null,
          state: active?.fault.type === 'pause' ? 'paused' : state,
          restarts,
          fault: active ? { type: active.fault.type, ends_at: active.endsAt.toISOString() } : null,
        };
      }),
    );
  }

  /** Starts the fault; it ends by itself after its duration. One fault per process at a time. */
  async inject(name: string, fault: ProcessFaultRequest): Promise<ProcessView> {
    const host = this.hostOf(name);
    if (this.active.has(name)) throw new FaultConflictError(`${name} already has a ${this.active.get(name)!.fault.type} fault in effect`);
    const end = await this.begin(host, name, fault);
    await this.hooks.injected?.(name, fault).catch((err: Error) => this.logger.warn({ err: err.message, name }, 'could not record the fault'));
    const durationMs = fault.type === 'crash' ? fault.down_for_ms : fault.duration_ms;
    const endsAt = new Date(Date.now() + durationMs);
    const finish = async () => {
      if (this.active.get(name)?.end !== finish) return;
      this.active.delete(name);
      await end();
      await this.hooks.cleared?.(name, fault).catch((err: Error) => this.logger.warn({ err: err.message, name }, 'could not record the fault cleared'));
      this.logger.info({ name, fault: fault.type }, 'process fault ended');
    };
    this.active.set(name, { fault, endsAt, end: finish, timer: setTimeout(() => void finish(), durationMs) });
    this.logger.warn({ name, fault }, 'process fault injected');
    return this.list().find((p) => p.name === name)!;
  }

  /** Ends every fault now: resumes paused processes, restarts held ones, stops copies. */
  async close(): Promise<void> {
    await Promise.all(
      [...this.active.values()].map((a) => {
        clearTimeout(a.timer);
        return a.end();
      }),
    );
  }

  private hostOf(name: string): ProcessHost {
    const host = this.hosts.find((h) => h.names.includes(name));
    if (!host) throw new UnknownProcessError(`no process named ${name}; known: ${this.hosts.flatMap((h) => h.names).join(', ')}`);
    return host;
  }

  /** Applies the fault; returns what undoes it. */
  private async begin(host: ProcessHost, name: string, fault: ProcessFaultRequest): Promise<() => Promise<void>> {
    switch (fault.type) {
      case 'crash':
        if (fault.down_for_ms === 0) {
          host.kill(name, 'SIGKILL'); // the supervisor restarts it as after any crash
          return async () => undefined;
        }
        await host.killAndHold(name);
        return async () => host.start(name);
      case 'pause':
        if (!host.kill(name, 'SIGSTOP')) throw new FaultConflictError(`${name} is not running`);
        return async () => void host.kill(name, 'SIGCONT');
      case 'duplicate': {
        if (!host.spawnCopy) throw new FaultConflictError(`${name} cannot be duplicated`);
        const copy = await host.spawnCopy(name);
        return async () => {
          const done = exited(copy);
          copy.kill('SIGKILL');
          await done;
        };
      }
    }
  }
}
