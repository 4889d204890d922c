import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backtestRecordedSession, findSession } from '../../activities/recorded-backtest.ts';
import { dataDir } from '../../app/paths.ts';
import { DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT } from '../../core/quoting/model-params.ts';
import { DEFAULT_FAIR_VALUE_BTCUSDT_USDM } from '../../core/quoting/fair-value-params.ts';
import { headlineKpis } from '../../workflows/types.ts';
import { runCli } from './run-cli.ts';

const SESSION = 'binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z';
const depth = join(dataDir(), 'depth', `${SESSION}.depth.jsonl.gz`);
const trades = join(dataDir(), 'trades', `${SESSION}.trades.jsonl.gz`);

describe('mmflow backtest', () => {
  it('prints the KPIs of the session as JSON on its last line, equal to the library run', async () => {
    const run = await runCli([
      'backtest',
      '--depth',
      depth,
      '--trades',
      trades,
      '--entry-latency-ms',
      '5',
      '--cancel-latency-ms',
      '5',
    ]);
    expect(run.code).toBe(0);
    const direct = await backtestRecordedSession({
      session: findSession(dataDir(), SESSION),
      params: DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT,
      entryLatencyUs: 5000,
      cancelLatencyUs: 5000,
    });
    expect(run.lastJson).toEqual({
      session: SESSION,
      model: 'built-in default',
      feeTier: 'regular',
      ...headlineKpis(direct.kpis),
    });
  });

  it('reads the model version from the registry with --model', async () => {
    const run = await runCli([
      'backtest',
      '--depth',
      depth,
      '--trades',
      trades,
      '--model',
      'as-v1-alpha-btcusdt-spot@1',
    ]);
    expect(run.code).toBe(0);
    expect(run.lastJson).toMatchObject({ session: SESSION, model: 'as-v1-alpha-btcusdt-spot@1' });
  });

  it('runs the registered fair-value model on any session with the same code as the library', async () => {
    const perp = 'binance-usdm_ETHUSDT_20240718T2357Z-20240719T0005Z';
    const run = await runCli([
      'backtest',
      '--depth',
      join(dataDir(), 'depth', `${perp}.depth.jsonl.gz`),
      '--trades',
      join(dataDir(), 'trades', `${perp}.trades.jsonl.gz`),
      '--model',
      'fair-value-btcusdt-usdm@1',
      '--fee-tier',
      'mm3',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const direct = await backtestRecordedSession({
      session: findSession(dataDir(), perp),
      params: DEFAULT_FAIR_VALUE_BTCUSDT_USDM,
      entryLatencyUs: 5000,
      cancelLatencyUs: 5000,
      feeTier: 'mm3',
    });
    expect(direct.kpis.fills).toBeGreaterThan(0);
    expect(run.lastJson).toEqual({
      session: perp,
      model: 'fair-value-btcusdt-usdm@1',
      feeTier: 'mm3',
      ...headlineKpis(direct.kpis),
    });
  });

  it('fails at once for a model version the registry does not have: permanent, not "retry", stdout empty', async () => {
    const run = await runCli(['backtest', '--depth', depth, '--trades', trades, '--model', 'as-v9-nope@7']);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      'mmflow backtest: model version "as-v9-nope@7" is not in the registry',
    ]);
    expect(run.stdout).toBe('');
  });

  it('fails with a one-line error naming the file when the depth file name is not a recording', async () => {
    const run = await runCli(['backtest', '--depth', '/tmp/book.gz', '--trades', trades]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('mmflow backtest: /tmp/book.gz: expected a name like binance-spot_BTCUSDT_');
    expect(run.stderr).not.toContain('    at ');
  });

  it('fails clearly for a session without snapshot', async () => {
    const prefix = 'binance-spot_BTCUSDT_20230405T0000Z-20230405T0007Z_nosnapshot';
    const run = await runCli([
      'backtest',
      '--depth',
      join(dataDir(), 'depth', `${prefix}.depth.jsonl.gz`),
      '--trades',
      join(dataDir(), 'trades', `${prefix}.trades.jsonl.gz`),
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`session ${prefix} has no depth snapshot`);
  });

  it('rejects a missing required option with usage help', async () => {
    const run = await runCli(['backtest', '--depth', depth]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("required option '--trades <file>' not specified");
  });
});
