// `mmflow backtest --book-ticker FILE`: the session's bookTicker events ahead of the depth book set the
// touch (docs/adr/0020-fair-value-quoter.md). The CLI equals the library run with `fastTouch`, which
// differs from the depth-only run; a missing file exits 1 with one line naming it.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backtestRecordedSession, findSession } from '../../activities/recorded-backtest.ts';
import { dataDir } from '../../app/paths.ts';
import { DEFAULT_JOIN_TOUCH_BTCUSDT_USDM } from '../../core/quoting/fair-value-params.ts';
import { DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT } from '../../core/quoting/model-params.ts';
import { headlineKpis } from '../../workflows/types.ts';
import { runCli } from './run-cli.ts';

const SESSION = 'binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z';
const files = [
  '--depth',
  join(dataDir(), 'depth', `${SESSION}.depth.jsonl.gz`),
  '--trades',
  join(dataDir(), 'trades', `${SESSION}.trades.jsonl.gz`),
];
const tickers = join(dataDir(), 'bookticker', `${SESSION}.bookTicker.jsonl.gz`);

describe('mmflow backtest --book-ticker', () => {
  it('quotes against the fastest top of book: same KPIs as the library with fastTouch, not the depth-only ones', async () => {
    const run = await runCli(['backtest', ...files, '--book-ticker', tickers]);
    expect(run.code, run.stderr).toBe(0);
    const session = findSession(dataDir(), SESSION);
    const base = {
      session,
      params: DEFAULT_JOIN_TOUCH_BTCUSDT_USDM,
      entryLatencyUs: 5000,
      cancelLatencyUs: 5000,
    };
    const fast = await backtestRecordedSession({ ...base, fastTouch: true });
    const depthOnly = await backtestRecordedSession(base);
    expect(fast.execution.fastTouch).toBe(true);
    expect(fast.counters.bookTickerTouches).toBeGreaterThan(0);
    // Spot depth comes in 100-ms batches: between them the tickers move the touch, so the runs differ.
    expect(fast.kpis.quotes).not.toBe(depthOnly.kpis.quotes);
    const runDefault = await backtestRecordedSession({
      ...base,
      params: DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT,
      fastTouch: true,
    });
    expect(run.lastJson).toEqual({
      session: SESSION,
      model: 'built-in default',
      feeTier: 'regular',
      ...headlineKpis(runDefault.kpis),
    });
  });

  it('fails with exit code 1 and one line naming a missing bookTicker file', async () => {
    const run = await runCli(['backtest', ...files, '--book-ticker', '/nonexistent/x.bookTicker.jsonl.gz']);
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^mmflow backtest: .*\/nonexistent\/x\.bookTicker\.jsonl\.gz/);
    expect(run.stdout).toBe('');
  });
});
