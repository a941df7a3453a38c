import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * Spawning processes that must not outlive this one (brokers, services). Two layers:
 * - children stay in our process group (no `detached`), so Ctrl-C in a terminal reaches them too,
 *   and a process 'exit' hook SIGKILLs whatever is still running when we exit on any path Node
 *   runs exit handlers for (process.exit, end of loop, uncaught exception);
 * - on Linux, `setpriv --pdeathsig KILL` makes the kernel kill the child when this process dies
 *   without running any handler (kill -9 of the launcher or the test runner).
 */

const owned = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of owned) child.kill('SIGKILL');
  });
}

/** setpriv from util-linux, if on PATH; looked up once. */
const setpriv: string | undefined = (process.env.PATH ?? '')
  .split(path.delimiter)
  .filter(Boolean)
  .map((dir) => path.join(dir, 'setpriv'))
  .find((candidate) => process.platform === 'linux' && fs.existsSync(candidate));

/** Like spawn(), but the child dies with this process. The child's pid is the command's own pid (setpriv execs it). */
export function spawnOwned(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  installExitHook();
  const child = setpriv
    ? spawn(setpriv, ['--pdeathsig', 'KILL', '--', command, ...args], options)
    : spawn(command, args, options);
  owned.add(child);
  child.once('exit', () => owned.delete(child));
  child.once('error', () => {
    if (child.pid === undefined) owned.delete(child); // never started
  });
  return child;
}

/** Resolves when the child has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** SIGTERM, then SIGKILL if the child has not exited after `graceMs`; resolves once it has exited. */
export async function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  const done = exited(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await done;
  clearTimeout(timer);
}

/** Runs a command to completion; on failure the error carries the command's output, so it can be reported as is. */
export async function runCommand(what: string, command: string, args: readonly string[]): Promise<void> {
  try {
    await promisify(execFile)(command, args, { maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const { stdout = '', stderr = '', message } = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${what} failed: ${message}\n${stdout}${stderr}`);
  }
}
