/**
 * `mmflow kill --engine ID --reason TEXT [--by NAME]`: latches the kill switch of an engine in
 * PostgreSQL (DATABASE_URL). The engine halts and cancels everything within its poll interval (~1 s)
 * and stays halted, across restarts, until `mmflow resume` (docs/adr/0011-risk-layer.md).
 * Prints `{"engineId":…,"killed":true,"alreadyKilled":…}` on stdout.
 */
import { userInfo } from 'node:os';
import { createPool } from '../db/pool.ts';
import { killEngine } from '../db/repositories/risk-state.ts';

/** Options of `mmflow kill`. */
export interface KillCommandOptions {
  readonly engine: string;
  readonly reason: string;
  /** Who kills; default the OS user name. */
  readonly by?: string | undefined;
}

/** @returns the process exit code (2: usage, DATABASE_URL missing). */
export async function runKillCommand(
  opts: KillCommandOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const url = env['DATABASE_URL'];
  if (url === undefined) {
    process.stderr.write('mmflow kill: set DATABASE_URL\n');
    return 2;
  }
  const by = opts.by ?? safeUserName();
  const db = createPool(url);
  try {
    const { created } = await killEngine(db, {
      engineId: opts.engine,
      by,
      reason: opts.reason,
      atMs: Date.now(),
    });
    process.stdout.write(
      `${JSON.stringify({ engineId: opts.engine, killed: true, alreadyKilled: !created })}\n`,
    );
    return 0;
  } finally {
    await db.end();
  }
}

/** The OS user name, or `cli` when it cannot be read. */
export function safeUserName(): string {
  try {
    const name = userInfo().username;
    return name === '' ? 'cli' : name;
  } catch {
    return 'cli';
  }
}
