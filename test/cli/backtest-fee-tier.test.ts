// `mmflow backtest --fee-tier NAME`: the KPIs are computed at that tier of the session's venue and the
// JSON line names it; an unknown tier exits 1 with one line listing the venue's tiers, stdout empty.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backtestRecordedSession, findSession } from '../../activities/recorded-backtest.ts';
import { dataDir } from '../../app/paths.ts';
import { DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT } from '../../core/quoting/model-params.ts';
import { headlineKpis } from '../../workflows/types.ts';
import { runCli } from './run-cli.ts';

const SESSION = 'binance-usdm_BTCUSDT_20240808T2354Z-20240809T0000Z';
const files = [
  '--depth',
  join(dataDir(), 'depth', `${SESSION}.depth.jsonl.gz`),
  '--trades',
  join(dataDir(), 'trades', `${SESSION}.trades.jsonl.gz`),
];

describe('mmflow backtest --fee-tier', () => {
  it('prints the KPIs at the tier, equal to the library run at that tier, and names the tier', async () => {
    const run = await runCli(['backtest', ...files, '--fee-tier', 'mm3']);
    expect(run.code).toBe(0);
    const direct = await backtestRecordedSession({
      session: findSession(dataDir(), SESSION),
      params: DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT,
      entryLatencyUs: 5000,
      cancelLatencyUs: 5000,
      feeTier: 'mm3',
    });
    expect(direct.kpis.fills).toBeGreaterThan(0);
    expect(direct.kpis.feesQuote).toBeLessThan(0);
    expect(run.lastJson).toEqual({
      session: SESSION,
      model: 'built-in default',
      feeTier: 'mm3',
      ...headlineKpis(direct.kpis),
    });
  });

  it('fails with exit code 1 and one line listing the tiers for an unknown tier', async () => {
    const run = await runCli(['backtest', ...files, '--fee-tier', 'vip10']);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      'mmflow backtest: unknown fee tier "vip10" of binance-usdm; known: regular, vip1, vip2, vip3, vip4, vip5, vip6, vip7, vip8, vip9, mm1, mm2, mm3',
    ]);
    expect(run.stdout).toBe('');
  });
});
