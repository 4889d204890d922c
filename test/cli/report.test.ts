/**
 * `mmflow report` as a user runs it (bin/mmflow.mjs child processes) on the real spot session: the
 * HTML page with its five charts and one point per fill, the KPIs equal to `mmflow backtest`'s, a stored
 * run (test PostgreSQL) re-run and checked against its stored net PnL, and the failure paths.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  backtestRecordedSession,
  findSession,
  type RecordedBacktestReport,
} from '../../activities/recorded-backtest.ts';
import { dataDir } from '../../app/paths.ts';
import { formatKpi } from '../../app/report/kpi-rows.ts';
import { DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT } from '../../core/quoting/model-params.ts';
import { createPool } from '../../db/pool.ts';
import { saveBacktestRun } from '../../db/repositories/backtest-runs.ts';
import { marksIn } from '../app/report/fixtures.ts';
import { testServices } from '../setup/services.ts';
import { runCli } from './run-cli.ts';

const SESSION = 'binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z';
const depth = join(dataDir(), 'depth', `${SESSION}.depth.jsonl.gz`);
const trades = join(dataDir(), 'trades', `${SESSION}.trades.jsonl.gz`);
const tempDirs: string[] = [];
/** A fresh temporary directory, removed after the file's tests. */
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'mmflow-report-'));
  tempDirs.push(dir);
  return dir;
};
const outDir = tempDir();

const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  DATABASE_URL: testServices().databaseUrl,
  MMFLOW_LOG_LEVEL: 'error',
  ...extra,
});
const svgCount = (html: string): number => html.match(/<svg[\s>]/g)?.length ?? 0;

let pool: Pool;
beforeAll(() => {
  pool = createPool(testServices().databaseUrl);
});
afterAll(async () => {
  await pool.end();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe('mmflow report --depth --trades', () => {
  it('writes one self-contained page with five charts and one point per fill; KPIs equal mmflow backtest', async () => {
    const out = join(outDir, 'files.html');
    const run = await runCli(['report', '--depth', depth, '--trades', trades, '--out', out], env());
    expect(run.code, run.stderr).toBe(0);
    const backtest = await runCli(['backtest', '--depth', depth, '--trades', trades], env());
    expect(backtest.code, backtest.stderr).toBe(0);
    expect(run.lastJson).toEqual({ ...(backtest.lastJson as object), out });
    const fills = (run.lastJson as { fills: number }).fills;
    const net = (run.lastJson as { netPnlQuote: number }).netPnlQuote;
    expect(fills).toBeGreaterThan(0);
    expect(run.stdout).toContain(`report written to ${out}\n`);
    expect(run.stdout).toMatch(new RegExp(`│ net PnL \\(quote, mark-to-mid\\) +│ ${formatKpi(net)} +│\n`));

    const html = readFileSync(out, 'utf8');
    expect(svgCount(html)).toBe(5);
    expect(html).not.toMatch(/<script|<link|src=/);
    expect(marksIn(html, 'fills_marks')).toHaveLength(fills);
    expect(html).not.toContain('class="warning"');
  });

  it('takes --model from the registry and --fee-tier as mmflow backtest does; default page under the state dir', async () => {
    const args = [
      '--depth',
      depth,
      '--trades',
      trades,
      '--model',
      'as-v1-alpha-btcusdt-spot@1',
      '--fee-tier',
      'vip3',
    ];
    const state = tempDir();
    const run = await runCli(['report', ...args], env({ MMFLOW_STATE_DIR: state }));
    expect(run.code, run.stderr).toBe(0);
    const backtest = await runCli(['backtest', ...args], env());
    expect(backtest.code, backtest.stderr).toBe(0);
    const out = join(state, 'reports', `${SESSION}-as-v1-alpha-btcusdt-spot@1.html`);
    expect(run.lastJson).toEqual({ ...(backtest.lastJson as object), out });
    expect(run.lastJson).toMatchObject({ model: 'as-v1-alpha-btcusdt-spot@1', feeTier: 'vip3' });
    expect(readFileSync(out, 'utf8')).toContain('vip3 (maker 4.2 bps)');
  });

  it('fails with a one-line error naming an unknown fee tier', async () => {
    const run = await runCli(['report', '--depth', depth, '--trades', trades, '--fee-tier', 'vip99'], env());
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('mmflow report: unknown fee tier "vip99" of binance-spot');
  });

  it('fails with a one-line error naming a missing file, and writes nothing', async () => {
    const missing = join(outDir, 'gone', `${SESSION}.depth.jsonl.gz`);
    const out = join(outDir, 'missing.html');
    const run = await runCli(['report', '--depth', missing, '--trades', trades, '--out', out], env());
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([`mmflow report: ${missing}: no such file`]);
    expect(run.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a run id together with files, and neither', async () => {
    const both = await runCli(['report', 'some-run', '--depth', depth, '--trades', trades], env());
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('not both');
    const neither = await runCli(['report', '--depth', depth], env());
    expect(neither.code).toBe(1);
    expect(neither.stderr).toContain('both --depth FILE and --trades FILE');
  });
});

describe('mmflow report RUN_ID', () => {
  let libraryRun: Promise<RecordedBacktestReport> | undefined;
  /**
   * Stores the library run of the session (as activities/backtest.ts saves it) under a fresh id, with
   * its stored net PnL or maker fee replaced when given.
   */
  async function storeRun(over: { netPnlQuote?: string; makerFeeBps?: number } = {}): Promise<{
    id: string;
    net: number;
  }> {
    libraryRun ??= backtestRecordedSession({
      session: findSession(dataDir(), SESSION),
      params: DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT,
      entryLatencyUs: 5000,
      cancelLatencyUs: 5000,
    });
    const report = await libraryRun;
    const k = report.kpis;
    const id = `report-test-${randomUUID()}`;
    const execution = { ...report.execution, makerFeeBps: over.makerFeeBps ?? report.execution.makerFeeBps };
    await saveBacktestRun(pool, {
      id,
      session: SESSION,
      venue: report.session.venue,
      symbol: report.session.symbol,
      config: { params: report.params, execution, feeTier: report.feeTier },
      kpis: { ...k },
      events: k.events,
      quotes: k.quotes,
      fills: k.fills,
      netPnlQuote: over.netPnlQuote ?? k.netPnlQuote.toFixed(8),
      maxDrawdownQuote: k.maxDrawdownQuote.toFixed(8),
      startedAtMs: 1_767_225_600_000,
      finishedAtMs: 1_767_225_660_000,
      source: 'cli',
    });
    return { id, net: k.netPnlQuote };
  }

  it('re-runs a stored run, finds the stored net PnL, and writes the page under the state dir by default', async () => {
    const { id, net } = await storeRun();
    const state = tempDir();
    const run = await runCli(['report', id], env({ MMFLOW_STATE_DIR: state }));
    expect(run.code, run.stderr).toBe(0);
    const out = join(state, 'reports', `${SESSION}-adhoc.html`);
    expect(run.lastJson).toMatchObject({
      session: SESSION,
      model: 'ad hoc',
      runId: id,
      storedNetPnlQuote: net.toFixed(8),
      netPnlMatches: true,
      netPnlQuote: net,
      out,
    });
    expect(run.stderr).not.toContain('warning');
    const html = readFileSync(out, 'utf8');
    expect(svgCount(html)).toBe(5);
    expect(html).not.toContain('class="warning"');
    expect(html).toContain(`stored run ${id}`);
  });

  it('warns, naming both figures, when the re-run net PnL differs from the stored one', async () => {
    const { id, net } = await storeRun({ netPnlQuote: '12.34567890' });
    const out = join(outDir, 'mismatch.html');
    const run = await runCli(['report', id, '--out', out], env());
    expect(run.code, run.stderr).toBe(0);
    expect(run.lastJson).toMatchObject({ runId: id, storedNetPnlQuote: '12.34567890', netPnlMatches: false });
    const warning = run.stderr
      .split('\n')
      .find((l) => l.startsWith('mmflow report: warning: recomputed net PnL'));
    expect(warning).toContain(net.toFixed(8));
    expect(warning).toContain('12.34567890');
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/class="warning">.*12\.34567890/);
    expect(html).toContain(net.toFixed(8));
  });

  it('warns when the stored maker fee is not the one the fee tier charges today', async () => {
    const { id } = await storeRun({ makerFeeBps: 9 });
    const run = await runCli(['report', id, '--out', join(outDir, 'fee.html')], env());
    expect(run.code, run.stderr).toBe(0);
    expect(run.lastJson).toMatchObject({ runId: id, netPnlMatches: true, feeTier: 'regular' });
    expect(run.stderr.trim().split('\n')).toEqual([
      `mmflow report: warning: maker fee 10 bps in the re-run, 9 bps when run ${id} was stored (config/instruments.json changed)`,
    ]);
  });

  it('fails with a one-line error naming an unknown run id', async () => {
    const run = await runCli(['report', 'no-such-run-42'], env());
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      'mmflow report: backtest run "no-such-run-42" is not in backtest_runs',
    ]);
    expect(run.stdout).toBe('');
  });
});
