/**
 * Locates PostgreSQL server binaries (`initdb`, `pg_ctl`, `postgres`): an explicit directory, Debian's
 * versioned layout (`/usr/lib/postgresql/<major>/bin`, newest first), then `PATH`.
 */
import { constants } from 'node:fs';
import { access, readdir } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** Where the server binaries of one PostgreSQL installation are. */
export interface PostgresBinaries {
  readonly binDir: string;
  readonly initdb: string;
  readonly pgCtl: string;
  readonly postgres: string;
}

const DEBIAN_ROOT = '/usr/lib/postgresql';

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The binaries in `binDir`, or `undefined` unless all three are executable there. */
async function binariesIn(binDir: string): Promise<PostgresBinaries | undefined> {
  const found = {
    binDir,
    initdb: join(binDir, 'initdb'),
    pgCtl: join(binDir, 'pg_ctl'),
    postgres: join(binDir, 'postgres'),
  };
  const ok = await Promise.all([found.initdb, found.pgCtl, found.postgres].map(isExecutable));
  return ok.every(Boolean) ? found : undefined;
}

/** Debian's `/usr/lib/postgresql/<major>/bin` directories, highest major first. */
async function debianBinDirs(): Promise<string[]> {
  try {
    const majors = (await readdir(DEBIAN_ROOT)).filter((name) => /^\d+$/.test(name));
    majors.sort((a, b) => Number(b) - Number(a));
    return majors.map((major) => join(DEBIAN_ROOT, major, 'bin'));
  } catch {
    return [];
  }
}

/**
 * Finds PostgreSQL server binaries.
 * @param env reads `MMFLOW_PG_BIN_DIR` (checked first; must hold all three binaries) and `PATH`.
 * @returns the first complete installation, or `undefined` when none is installed.
 * @throws Error if `MMFLOW_PG_BIN_DIR` is set but incomplete.
 */
export async function findPostgresBinaries(env: NodeJS.ProcessEnv): Promise<PostgresBinaries | undefined> {
  const explicit = env['MMFLOW_PG_BIN_DIR'];
  if (explicit !== undefined && explicit !== '') {
    const found = await binariesIn(explicit);
    if (found === undefined)
      throw new Error(`MMFLOW_PG_BIN_DIR=${explicit} lacks initdb, pg_ctl or postgres`);
    return found;
  }
  const pathDirs = (env['PATH'] ?? '').split(delimiter).filter((dir) => dir !== '');
  for (const dir of [...(await debianBinDirs()), ...pathDirs]) {
    const found = await binariesIn(dir);
    if (found !== undefined) return found;
  }
  return undefined;
}
