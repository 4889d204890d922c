/**
 * The version of the code that produced an artifact, recorded in a model version's lineage:
 * env `MMFLOW_CODE_VERSION` (set by deployments), else the git commit of the checkout (with `+dirty`
 * when tracked files have uncommitted changes), else `mmflow@<package version>`.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './paths.ts';

const run = promisify(execFile);

async function git(args: readonly string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run('git', [...args], { cwd: repoRoot, timeout: 5_000 });
    return stdout.trim();
  } catch {
    return undefined; // no git, or not a checkout: fall back below
  }
}

/**
 * @returns e.g. `3f2a9c1…` (40 hex), `3f2a9c1…+dirty`, or `mmflow@0.1.0`; never throws.
 */
export async function codeVersion(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const fromEnv = env['MMFLOW_CODE_VERSION'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const commit = await git(['rev-parse', 'HEAD']);
  if (commit !== undefined && /^[0-9a-f]{40}$/.test(commit)) {
    const status = await git(['status', '--porcelain', '--untracked-files=no']);
    return status === undefined || status === '' ? commit : `${commit}+dirty`;
  }
  try {
    const pkg: unknown = JSON.parse(await readFile(resolve(repoRoot, 'package.json'), 'utf8'));
    const version =
      typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string'
        ? pkg.version
        : 'unknown';
    return `mmflow@${version}`;
  } catch {
    return 'mmflow@unknown';
  }
}
