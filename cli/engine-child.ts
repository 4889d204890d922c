/**
 * Runs the quoting engine as its own process (`mmflow quote --mode replay`), as in production where
 * it is a separate always-on service, and reads its result from the last line of its stdout.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../app/logger.ts';
import { repoRoot } from '../app/paths.ts';
import type { BacktestKpis } from '../workflows/types.ts';

const kpisSchema = z.object({
  events: z.number(),
  quotes: z.number(),
  fills: z.number(),
  netPnlQuote: z.number(),
  grossBp: z.number().nullable(),
  markout1sBp: z.number().nullable(),
  pnlTStat: z.number().nullable(),
  maxDrawdownQuote: z.number(),
  rmsInventoryRatio: z.number().nullable(),
  spreadCapturedPct: z.number().nullable(),
  fillRatio: z.number().nullable(),
  cancelRatio: z.number().nullable(),
});
const resultSchema = kpisSchema.extend({ runId: z.string(), status: z.string() });

export interface EngineChildResult {
  readonly runId: string;
  readonly kpis: BacktestKpis;
}

/**
 * Spawns `node bin/mmflow.mjs quote --mode replay --session S --model M --pace fast` with the given latencies.
 * @throws Error with the child's exit code and last stderr lines if it fails or prints no result.
 */
export async function runEngineChild(opts: {
  session: string;
  model: string;
  databaseUrl: string;
  /** Simulated latencies, µs (the backtest step's, so both runs model the same venue). */
  entryLatencyUs: number;
  cancelLatencyUs: number;
  log: Logger;
}): Promise<EngineChildResult> {
  const args = [
    resolve(repoRoot, 'bin/mmflow.mjs'),
    'quote',
    ...['--mode', 'replay', '--session', opts.session, '--model', opts.model, '--pace', 'fast'],
    ...[
      '--order-latency-us',
      String(opts.entryLatencyUs),
      '--cancel-latency-us',
      String(opts.cancelLatencyUs),
    ],
  ];
  opts.log.info({ session: opts.session, model: opts.model }, 'starting quoting engine (replay)');
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: opts.databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderrTail = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    process.stderr.write(chunk);
    stderrTail = (stderrTail + chunk).slice(-4000);
  });
  const code = await new Promise<number | null>((done) => child.on('close', done));
  const lastLine = stdout.trim().split('\n').at(-1) ?? '';
  if (code !== 0)
    throw new Error(
      `quoting engine exited with code ${String(code)}: ${stderrTail.split('\n').slice(-5).join('\n')}`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(lastLine);
  } catch {
    throw new Error(`quoting engine printed no JSON result; last line: ${lastLine.slice(0, 200)}`);
  }
  const result = resultSchema.parse(parsed);
  if (result.status !== 'completed')
    throw new Error(`quoting engine run ${result.runId} ended with status ${result.status}`);
  const { runId, status: _status, ...kpis } = result;
  return { runId, kpis };
}
