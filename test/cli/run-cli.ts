/** Runs `node bin/mmflow.mjs …` as a child process and collects its output. */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { repoRoot } from '../../app/paths.ts';

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The last non-empty stdout line parsed as JSON (undefined if it is not JSON). */
  readonly lastJson: unknown;
}

export async function runCli(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CliRun> {
  const child = spawn(process.execPath, [resolve(repoRoot, 'bin/mmflow.mjs'), ...args], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const code = await new Promise<number | null>((done) => child.on('close', done));
  const last = stdout.trim().split('\n').at(-1) ?? '';
  let lastJson: unknown;
  try {
    lastJson = JSON.parse(last);
  } catch {
    lastJson = undefined;
  }
  return { code, stdout, stderr, lastJson };
}
