/**
 * `mmflow resume --engine ID --by NAME --reason TEXT`: lifts the kill switch of an engine in
 * PostgreSQL (DATABASE_URL); the engine resumes quoting within its poll interval (~1 s) unless another
 * risk condition holds (docs/adr/0011-risk-layer.md).
 * Prints `{"engineId":…,"resumed":true|false}` on stdout; exit code 1 when it was not killed.
 */
import { createPool } from '../db/pool.ts';
import { resumeEngine } from '../db/repositories/risk-state.ts';

/** Options of `mmflow resume`. */
export interface ResumeCommandOptions {
  readonly engine: string;
  readonly by: string;
  readonly reason: string;
}

/** @returns the process exit code (1: the engine was not killed; 2: DATABASE_URL missing). */
export async function runResumeCommand(
  opts: ResumeCommandOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const url = env['DATABASE_URL'];
  if (url === undefined) {
    process.stderr.write('mmflow resume: set DATABASE_URL\n');
    return 2;
  }
  const db = createPool(url);
  try {
    const { resumed } = await resumeEngine(db, {
      engineId: opts.engine,
      by: opts.by,
      reason: opts.reason,
      atMs: Date.now(),
    });
    process.stdout.write(`${JSON.stringify({ engineId: opts.engine, resumed })}\n`);
    if (!resumed) process.stderr.write(`mmflow resume: engine ${opts.engine} is not killed\n`);
    return resumed ? 0 : 1;
  } finally {
    await db.end();
  }
}
