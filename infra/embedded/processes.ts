/**
 * Child-process helpers for embedded services: run a command to completion, check liveness, poll a
 * condition with a deadline (no fixed sleeps), and run a command as another OS user when we are root.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

/** Outcome of a finished command. */
export interface CommandResult {
  /** Exit code; `null` if killed by a signal. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runCommand}. */
export interface RunOptions {
  /** Run as this OS user via `runuser -u <user> --` (requires root). */
  readonly asUser?: string | undefined;
  /** Working directory (default `/`, readable by any user). */
  readonly cwd?: string;
  /** Environment (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
  /** Kill the command after this many ms (default 120 000). */
  readonly timeoutMs?: number;
}

/**
 * Runs `command args…` to completion, capturing output. Never throws for a non-zero exit; check `code`.
 * @throws Error if the command cannot be spawned at all (missing binary) or times out.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<CommandResult> {
  const [file, argv] =
    options.asUser === undefined
      ? [command, [...args]]
      : ['runuser', ['-u', options.asUser, '--', command, ...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, {
      cwd: options.cwd ?? '/',
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 120_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code, signal) => {
      if (signal === 'SIGTERM' && code === null) {
        reject(
          new Error(`${command} timed out after ${options.timeoutMs ?? 120_000} ms: ${stderr.slice(-2000)}`),
        );
      } else {
        resolve({ code, stdout, stderr });
      }
    });
  });
}

/** Whether a process with `pid` exists (EPERM counts as alive: it exists but is not ours). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err instanceof Error && Reflect.get(err, 'code') === 'EPERM';
  }
}

/** The command line of `pid` (Linux `/proc`), or `undefined` when unreadable. */
export async function processCommandLine(pid: number): Promise<string | undefined> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

/** Options of {@link pollUntil}. */
export interface PollOptions {
  /** Give up after this many ms. */
  readonly timeoutMs: number;
  /** Pause between attempts in ms (default 100). */
  readonly intervalMs?: number;
  /** What we wait for, for the timeout message. */
  readonly what: string;
}

/**
 * Calls `attempt` until it returns a value other than `undefined`, or the deadline passes.
 * Exceptions thrown by `attempt` propagate immediately (use them for "will never succeed").
 * @throws Error `timed out after <ms> ms waiting for <what>` (with the last note from `attempt`).
 */
export async function pollUntil<T>(attempt: () => Promise<T | undefined>, options: PollOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}`);
    }
    await delay(options.intervalMs ?? 100);
  }
}

/** The last `maxChars` characters of a text file ('' if unreadable), for error messages. */
export async function fileTail(path: string, maxChars = 4000): Promise<string> {
  try {
    const text = await readFile(path, 'utf8');
    return text.slice(-maxChars);
  } catch {
    return '';
  }
}
