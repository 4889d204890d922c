// A recorded backtest at a chosen fee tier: the USDⓈ-M market-maker rebate tier mm3 (maker −0.5 bp)
// pays negative fees, −0.5e−4 × the traded notional summed by hand from the fills; the tier changes
// the fees only (same fills as at the regular tier); an unknown tier fails before any file is read.
import { describe, expect, it } from 'vitest';
import { backtestRecordedSession, findSession } from '../../activities/recorded-backtest.ts';
import { dataDir } from '../../app/paths.ts';
import { runBacktest } from '../../core/backtest/backtester.ts';
import { PermanentError } from '../../core/errors.ts';
import { DEFAULT_AS_V15_BTCUSDT_USDM } from '../../core/quoting/model-params.ts';
import { loadSessionEvents } from '../../venues/binance/recorded.ts';
import { instrumentAtFeeTier, instrumentForSession } from '../../venues/instruments.ts';

const SESSION = 'binance-usdm_BTCUSDT_20240808T2354Z-20240809T0000Z';
const LATENCY_US = 5_000;
const session = findSession(dataDir(), SESSION);
const run = (feeTier?: string) =>
  backtestRecordedSession({
    session,
    params: DEFAULT_AS_V15_BTCUSDT_USDM,
    entryLatencyUs: LATENCY_US,
    cancelLatencyUs: LATENCY_US,
    ...(feeTier === undefined ? {} : { feeTier }),
  });

describe('backtestRecordedSession at a fee tier', () => {
  it('at the USDⓈ-M MM tier mm3 the fees are −0.5e−4 × traded notional (a rebate)', async () => {
    const mm3 = await run('mm3');
    expect(mm3.feeTier).toBe('mm3');
    expect(mm3.execution.makerFeeBps).toBe(-0.5);

    // The same replay with the fills kept, to sum the notional by hand: tick 0.1 USDT × lot 0.001 BTC,
    // so one tick × one lot is 1e−4 USDT and notional = Σ priceTicks · sizeLots · 1e−4.
    const instrument = instrumentAtFeeTier(instrumentForSession(session), 'mm3');
    const withFills = runBacktest(await loadSessionEvents(session, instrument), {
      instrument,
      market: session.market,
      params: DEFAULT_AS_V15_BTCUSDT_USDM,
      entryLatencyUs: LATENCY_US,
      cancelLatencyUs: LATENCY_US,
      sessionId: session.prefix,
      recordFills: true,
    });
    const fills = withFills.fills;
    expect(fills.length).toBe(mm3.kpis.fills);
    expect(fills.length).toBeGreaterThan(0);
    expect(fills.every((f) => f.liquidity === 'maker')).toBe(true);
    const tickLots = fills.reduce((sum, f) => sum + f.priceTicks * f.sizeLots, 0);
    const notionalQuote = tickLots / 10_000;
    expect(notionalQuote).toBeGreaterThan(0);
    expect(mm3.kpis.feesQuote).toBeLessThan(0);
    expect(mm3.kpis.feesQuote).toBeCloseTo(-0.5e-4 * notionalQuote, 9);
    expect(withFills.kpis).toEqual(mm3.kpis);
  });

  it('changes the fees only: the default (regular, 2 bp) run has the same fills and −4× the mm3 fees', async () => {
    const [regular, mm3] = await Promise.all([run(), run('mm3')]);
    expect(regular.feeTier).toBe('regular');
    expect(regular.execution.makerFeeBps).toBe(2);
    expect(regular.kpis.fills).toBe(mm3.kpis.fills);
    expect(regular.kpis.quotes).toBe(mm3.kpis.quotes);
    expect(regular.kpis.feesQuote).toBeCloseTo(-4 * mm3.kpis.feesQuote, 9);
    // Same fills: the PnL differs by exactly the fee difference.
    expect(mm3.kpis.netPnlQuote - regular.kpis.netPnlQuote).toBeCloseTo(
      regular.kpis.feesQuote - mm3.kpis.feesQuote,
      9,
    );
  });

  it('an unknown tier is a PermanentError UNKNOWN_FEE_TIER naming the venue tiers', async () => {
    const err: unknown = await run('vip10').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).toMatchObject({
      code: 'UNKNOWN_FEE_TIER',
      message:
        'unknown fee tier "vip10" of binance-usdm; known: regular, vip1, vip2, vip3, vip4, vip5, vip6, vip7, vip8, vip9, mm1, mm2, mm3',
    });
  });
});
