import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { Logger } from '@ftlab/shared';
import { exited, spawnOwned, terminate } from './children';

export interface ChildSpec {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here. */
  logFile: string;
}

export interface SupervisorOptions {
  logger: Logger;
  /** Also hands every output line here (the launcher shows the services' logs). */
  echo?: (line: string) => void;
}

/** How long a child gets between SIGTERM and SIGKILL. */
const STOP_GRACE_MS = 10_000;
const FIRST_RESTART_DELAY_MS = 100;
const MAX_RESTART_DELAY_MS = 5_000;
/**
 * A child that stayed up this long is considered healthy again: its next crash restarts fast.
 * A crash loop dies within a start-up (1-2 s here); with 30 s, a replica that an experiment
 * crashed every few seconds waited 3.2 s to come back, a delay no fault of its own explained.
 */
export const STABLE_UPTIME_MS = 5_000;

/** Delay before the n-th consecutive restart (0-based): 100 ms doubling, capped at 5 s. */
export function restartDelay(attempt: number): number {
  return Math.min(FIRST_RESTART_DELAY_MS * 2 ** attempt, MAX_RESTART_DELAY_MS);
}

interface Slot {
  spec: ChildSpec;
  child?: ChildProcess;
  /** False once asked to stop: an exit is then not a crash and is not restarted. */
  wanted: boolean;
  /** Consecutive restarts without a stable run in between. */
  attempt: number;
  /** Unexpected exits since the supervisor was created. */
  restarts: number;
  startedAt: number;
  restartTimer?: NodeJS.Timeout;
  log: fs.WriteStream;
  /** Resolves when the latest child's stdout and stderr are closed: nothing more will be written to the log. */
  drained: Promise<void>;
}

/**
 * Keeps named child processes running: one that exits for any reason it was not asked to
 * (crash, kill -9, a non-zero or even zero exit code) is restarted with exponential backoff.
 */
export class Supervisor<Name extends string> {
  private readonly slots = new Map<Name, Slot>();
  private closed = false;

  constructor(
    specs: Record<Name, ChildSpec>,
    private readonly opts: SupervisorOptions,
  ) {
    for (const [name, spec] of Object.entries(specs) as [Name, ChildSpec][]) {
      fs.mkdirSync(path.dirname(spec.logFile), { recursive: true });
      const log = fs.createWriteStream(spec.logFile, { flags: 'a' });
      // A log that cannot be written (disk full) must not take the launcher and every service down.
      log.on('error', (err) => opts.logger.error({ child: name, err: err.message }, 'cannot write service log'));
      this.slots.set(name, { spec, wanted: false, attempt: 0, restarts: 0, startedAt: 0, log, drained: Promise.resolve() });
    }
  }

  get names(): Name[] {
    return [...this.slots.keys()];
  }

  /** Starts the child (or clears an intentional stop); a no-op if it is already running. */
  start(name: Name): void {
    if (this.closed) throw new Error('supervisor is closed');
    const slot = this.slot(name);
    slot.wanted = true;
    clearTimeout(slot.restartTimer);
    slot.restartTimer = undefined;
    if (!slot.child) this.spawn(name, slot);
  }

  /** Stops the child and keeps it stopped until start(name). */
  async stop(name: Name): Promise<void> {
    const slot = this.slot(name);
    slot.wanted = false;
    clearTimeout(slot.restartTimer);
    slot.restartTimer = undefined;
    if (slot.child) await terminate(slot.child, STOP_GRACE_MS);
  }

  /** Kills the child like kill -9 and keeps it down until start(name): a crash whose repair waits. */
  async killAndHold(name: Name): Promise<void> {
    const slot = this.slot(name);
    slot.wanted = false;
    clearTimeout(slot.restartTimer);
    slot.restartTimer = undefined;
    if (!slot.child) return;
    const done = exited(slot.child);
    slot.child.kill('SIGKILL');
    await done;
  }

  /** Sends a signal as a fault would; the child is restarted like after any unexpected exit. */
  kill(name: Name, signal: NodeJS.Signals): boolean {
    return this.slot(name).child?.kill(signal) ?? false;
  }

  pidOf(name: Name): number | undefined {
    return this.slot(name).child?.pid;
  }

  /** What the child is doing now, and how often it exited unexpectedly. */
  status(name: Name): { pid: number | undefined; state: 'running' | 'down' | 'restarting'; restarts: number } {
    const slot = this.slot(name);
    const state = slot.child ? 'running' : slot.wanted ? 'restarting' : 'down';
    return { pid: slot.child?.pid, state, restarts: slot.restarts };
  }

  /**
   * Starts a second, unsupervised copy of the child with some variables changed (another port),
   * logging beside the original. The caller ends it; it also dies with the supervisor's process.
   */
  spawnCopy(name: Name, env: Record<string, string>, logSuffix = 'copy'): ChildProcess {
    const { command, args, env: base, logFile } = this.slot(name).spec;
    const log = fs.createWriteStream(logFile.replace(/\.log$/, `.${logSuffix}.log`), { flags: 'a' });
    log.on('error', (err) => this.opts.logger.error({ child: name, err: err.message }, 'cannot write copy log'));
    const child = spawnOwned(command, args, { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.once('close', () => log.end());
    return child;
  }

  /** Stops every child (SIGTERM, SIGKILL after 10 s), waits for all exits and closes the log files. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.names.map((name) => this.stop(name)));
    await Promise.all(
      [...this.slots.values()].map(async (slot) => {
        await slot.drained;
        await new Promise<void>((resolve) => slot.log.end(() => resolve()));
      }),
    );
  }

  private slot(name: Name): Slot {
    const slot = this.slots.get(name);
    if (!slot) throw new Error(`unknown service: ${name}`);
    return slot;
  }

  private spawn(name: Name, slot: Slot): void {
    const { command, args, env } = slot.spec;
    const child = spawnOwned(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    slot.child = child;
    slot.startedAt = Date.now();
    slot.drained = new Promise((resolve) => child.once('close', () => resolve()));
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      stream.pipe(slot.log, { end: false });
      // Whole lines only, so concurrent children never interleave inside one JSON line.
      const echo = this.opts.echo;
      if (echo) readline.createInterface({ input: stream }).on('line', echo);
    }
    child.once('error', (err) => {
      this.opts.logger.error({ child: name, err: err.message }, 'child process error');
      if (child.pid === undefined) this.onExit(name, slot, child, null, null); // spawn failed: no 'exit' will follow
    });
    child.once('exit', (code, signal) => this.onExit(name, slot, child, code, signal));
  }

  private onExit(name: Name, slot: Slot, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (slot.child !== child) return;
    slot.child = undefined;
    if (!slot.wanted || this.closed) {
      this.opts.logger.info({ child: name, code, signal }, 'service stopped');
      return;
    }
    if (Date.now() - slot.startedAt >= STABLE_UPTIME_MS) slot.attempt = 0;
    const delayMs = restartDelay(slot.attempt);
    slot.attempt += 1;
    slot.restarts += 1;
    this.opts.logger.warn(
      { child: name, code, signal, attempt: slot.attempt, delayMs },
      `${name} exited unexpectedly; restarting in ${delayMs} ms`,
    );
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined;
      if (slot.wanted && !this.closed && !slot.child) this.spawn(name, slot);
    }, delayMs);
  }
}
