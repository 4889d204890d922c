/**
 * Windowed replay (walk-forward folds): warm-up before the window, nothing replayed from its end, KPIs
 * of the window only. A hand-checked synthetic case, then the real spot session.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { dataDir } from '../../../app/paths.ts';
import { listSessions, loadSessionEvents } from '../../../venues/binance/recorded.ts';
import { instrumentForSession } from '../../../venues/instruments.ts';
import type { Instrument } from '../../../core/instrument.ts';
import type { DepthDiff, DepthSnapshot, Level, MarketEvent, Trade } from '../../../core/market-events.ts';
import {
  DEFAULT_AS_V15_BTCUSDT_SPOT,
  DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT,
  type AsV1AlphaParams,
} from '../../../core/quoting/model-params.ts';
import { runBacktest, type BacktestOptions } from '../../../core/backtest/backtester.ts';

const INSTRUMENT: Instrument = {
  venue: 'binance-spot',
  symbol: 'BTCUSDT',
  tickSize: '1',
  lotSize: '1',
  makerFeeBps: 0,
  takerFeeBps: 0,
};

// σ = 0 on this book (the mid does not move until t = 4 s) → spread = 200·ln(1.0125) = 2.4845, half
// 1.2423: around mid 100.5 the quotes are 99 / 102. β_ofi = 0, so trades do not move them.
const P: AsV1AlphaParams = {
  ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT,
  gamma: 0.01,
  kPerTick: 0.8,
  horizonSec: 60,
  betaOfiTicks: 0,
  quoteSizeLots: 2,
  maxInventoryLots: 4,
  volObservations: 1,
};

const T0_MS = 1_700_000_000_000;

function snapshot(bids: Level[], asks: Level[]): DepthSnapshot {
  return { kind: 'snapshot', lastUpdateId: 10, bids, asks, recvTimeUs: 0, exchTimeMs: undefined };
}
function diff(u: number, tSec: number, bids: Level[], asks: Level[] = []): DepthDiff {
  const exchTimeMs = T0_MS + tSec * 1000;
  return {
    kind: 'depth',
    firstUpdateId: u,
    finalUpdateId: u,
    prevFinalUpdateId: undefined,
    bids,
    asks,
    exchTimeMs,
    recvTimeUs: 0,
  };
}
function trade(tSec: number, priceTicks: number, sizeLots: number): Trade {
  const exchTimeMs = T0_MS + tSec * 1000;
  return { kind: 'trade', tradeId: tSec, priceTicks, sizeLots, aggressor: 'sell', exchTimeMs, recvTimeUs: 0 };
}

const EVENTS: MarketEvent[] = [
  snapshot([[100, 5]], [[101, 5]]), // no exchange time: clock 0, warm-up
  diff(11, 1.0, [[100, 5]]),
  diff(12, 1.15, [[100, 5]]),
  diff(13, 1.25, [[100, 5]]), // σ ready: a plain run quotes from here
  diff(14, 2.0, [[100, 5]]), // window start: quotes bid 99 / ask 102 (2 quotes)
  trade(3.0, 98, 10), // through our bid: buy 2 @ 99; the bid is placed again (3rd quote)
  diff(
    15,
    4.0,
    [[102, 5]],
    [
      [101, 0],
      [103, 5],
    ],
  ), // mid 102.5: both orders cancelled (not yet confirmed)
  trade(5.0, 90, 10), // at the window's end: not replayed
  diff(16, 6.0, [[102, 5]]),
];

function opts(window?: { startUs: number; endUs: number }): BacktestOptions {
  return {
    instrument: INSTRUMENT,
    market: 'spot',
    params: P,
    entryLatencyUs: 0,
    cancelLatencyUs: 0,
    ...(window === undefined ? {} : { window }),
  };
}

describe('windowed replay: hand-checked case', () => {
  const window = { startUs: (T0_MS + 2000) * 1000, endUs: (T0_MS + 5000) * 1000 };

  it('quotes from the start only, stops at the end, and measures the window', () => {
    const r = runBacktest(EVENTS, opts(window));
    expect(r.session).toMatchObject({
      firstEventUs: window.startUs,
      lastEventUs: (T0_MS + 4000) * 1000,
      durationSec: 2,
      window,
    });
    expect(r.fills).toEqual([
      expect.objectContaining({ side: 'bid', priceTicks: 99, sizeLots: 2, timeUs: (T0_MS + 3000) * 1000 }),
    ]);
    // Equity sampled before the events at 2 s, 3 s, 4 s: 0, 0 (the fill happens at 3 s), then
    // cash −198 + 2·100.5 = 3 at 4 s; inventory 0, 0, 2. Final: −198 + 2·102.5 = 7.
    // Trade quality: one fill, bought 2 @ 99 by a trade through our bid (98 < 99), notional 198.
    // Mid at the fill (the trade event's book 100/101) 100.5 → spread (100.5 − 99)·2 = 3. The next mid
    // is at 4 s, 102/103 (microprice 102.5, equal sizes) → every horizon from 100 ms to 1 s settles at
    // (102.5 − 99)·2 = 7; longer ones are pending at the end and valued at the last mid 102.5 → 7.
    // Attribution: spread 3, adverse 0–1 s 4, 1–30 s 0, inventory 0, fees 0 → net 7 = the net PnL.
    const bp = (quote: number): number => (1e4 * quote) / 198;
    expect(r.kpis).toEqual({
      netPnlQuote: 7,
      feesQuote: 0,
      sharpe: null, // 2 s: shorter than a day
      pnlTStat: null, // fewer than 2 per-minute increments
      maxDrawdownQuote: 0,
      rmsInventoryRatio: Math.sqrt((0 + 0 + 0.25) / 3), // (2/4)² in one of three samples
      spreadCapturedPct: 100, // bought at 99, mid at quote 100.5, half spread (102 − 99)/2 = 1.5
      spreadCapturedAtFillPct: 100, // mid at the fill still 100.5
      fillRatio: 1 / 3,
      cancelRatio: 0,
      quotes: 3,
      fills: 1,
      cancels: 0, // the two cancels sent at 4 s would be confirmed at 5 s, outside the window
      events: 3,
      finalInventoryLots: 2,
      maxAbsInventoryLots: 2,
      tradedNotionalQuote: 198,
      grossBp: bp(7),
      netBp: bp(7),
      feesBp: 0,
      markout100msBp: bp(7),
      markout1sBp: bp(7),
      markout5sBp: bp(7),
      markout30sBp: bp(7),
      markout1sMicropriceBp: bp(7),
      spreadBp: bp(3),
      adverse0To1sBp: bp(4),
      adverse1To30sBp: 0,
      inventoryBp: 0,
      queueFills: 0,
      tradeThroughFills: 1,
    });
    const a = r.analysis;
    expect(a.markouts.map((m) => [m.horizonMs, m.vsMidQuote, m.vsMicropriceQuote])).toEqual([
      [0, 3, 3], // the microprice of 100×5 / 101×5 is the mid
      ...[100, 250, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000].map((h) => [h, 7, 7]),
    ]);
    expect(a.attribution).toEqual({
      tradedNotionalQuote: 198,
      spreadQuote: 3,
      adverse0To1sQuote: 4,
      adverse1To30sQuote: 0,
      inventoryQuote: 0,
      feesQuote: 0,
      netQuote: 7,
      bp: { spread: bp(3), adverse0To1s: bp(4), adverse1To30s: 0, inventory: 0, fees: 0, net: bp(7) },
    });
    expect(a.fillKinds).toEqual({ queueFills: 0, tradeThroughFills: 1, unknownFills: 0 });
    // Samples before the events at 2, 3 and 4 s (see above); the mid 100.5 until the diff at 4 s.
    expect(a.series).toEqual({
      timeMs: [T0_MS + 2000, T0_MS + 3000, T0_MS + 4000],
      equityQuote: [0, 0, 3],
      inventory: [0, 0, 2],
      mid: [100.5, 100.5, 100.5],
    });
    expect(a.fills).toEqual([
      {
        timeMs: T0_MS + 3000,
        side: 'bid',
        price: 99,
        size: 2,
        markout1sBp: (1e4 * (102.5 - 99)) / 99,
        tradeThrough: true,
      },
    ]);
    expect(r.counters).toMatchObject({ events: 7, decisions: 3, cancelsSent: 2 });
  });

  it('differs from the plain run, which quotes from 1.25 s and replays to the end', () => {
    const plain = runBacktest(EVENTS, opts());
    expect(plain.counters.events).toBe(EVENTS.length);
    expect(plain.counters.decisions).toBe(9); // every event once synced (the first two: σ not ready)
    // quotes at 1.25 s (2), 3 s (1) and 5 s (2, once the cancels sent at 4 s are confirmed)
    expect(plain.kpis).toMatchObject({ quotes: 5, fills: 1, cancels: 2, events: 9 });
  });

  it('equals the plain run when the window spans the stream', () => {
    // from 0: the untimed snapshot is replayed at clock 0, before the first exchange time
    const all = { startUs: 0, endUs: (T0_MS + 6000) * 1000 + 1 };
    const { session: ws, ...windowed } = runBacktest(EVENTS, opts(all));
    const { session: ps, ...plain } = runBacktest(EVENTS, opts());
    expect(windowed).toEqual(plain);
    expect({ ...ws, window: undefined }).toEqual({ ...ps, window: undefined });
  });

  it('rejects an empty or inverted window', () => {
    expect(() => runBacktest(EVENTS, opts({ startUs: 5, endUs: 5 }))).toThrow(RangeError);
    expect(() => runBacktest(EVENTS, opts({ startUs: 6, endUs: 5 }))).toThrow(/empty or inverted/);
  });
});

describe('windowed replay on the real spot BTCUSDT session (2024-08-08)', () => {
  const PREFIX = 'binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z';
  const FIRST_US = 1_723_161_255_208_000;
  const LAST_US = 1_723_161_905_809_000;
  let events: MarketEvent[] = [];
  let base: BacktestOptions;

  beforeAll(async () => {
    const session = listSessions(dataDir()).find((s) => s.prefix === PREFIX);
    if (session === undefined) throw new Error(`session ${PREFIX} not found in ${dataDir()}`);
    const instrument = instrumentForSession(session);
    events = await loadSessionEvents(session, instrument);
    base = {
      instrument,
      market: session.market,
      params: DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT,
      entryLatencyUs: 5_000,
      cancelLatencyUs: 5_000,
    };
  });

  it('window = whole session gives the plain run’s KPIs, fills and counters (V1-α and V1.5)', () => {
    for (const params of [DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT, DEFAULT_AS_V15_BTCUSDT_SPOT]) {
      const plain = runBacktest(events, { ...base, params });
      const whole = runBacktest(events, {
        ...base,
        params,
        window: { startUs: FIRST_US, endUs: LAST_US + 1 },
      });
      expect(whole.kpis).toEqual(plain.kpis);
      expect(whole.fills).toEqual(plain.fills);
      expect(whole.counters).toEqual(plain.counters);
    }
  });

  it('a 5-minute window trades only inside it and counts its own events', () => {
    const window = { startUs: FIRST_US + 120_000_000, endUs: FIRST_US + 420_000_000 };
    const r = runBacktest(events, { ...base, window });
    // exchange time of each event as the replay clock sees it (monotone; untimed events keep the last)
    let clockUs = 0;
    let inWindow = 0;
    for (const ev of events) {
      if (ev.exchTimeMs !== undefined) {
        if (ev.exchTimeMs * 1000 >= window.endUs) break;
        clockUs = Math.max(clockUs, ev.exchTimeMs * 1000);
      }
      if (clockUs >= window.startUs) inWindow++;
    }
    expect(r.kpis.events).toBe(inWindow);
    expect(r.fills.length).toBeGreaterThan(0);
    expect(r.fills.every((f) => f.timeUs >= window.startUs && f.timeUs < window.endUs)).toBe(true);
    expect(r.session.firstEventUs).toBeGreaterThanOrEqual(window.startUs);
    expect(r.session.lastEventUs).toBeLessThan(window.endUs);
    expect(r.kpis.quotes).toBeLessThan(2990); // the full session's
    expect(r.counters.events).toBeGreaterThan(inWindow); // the warm-up was replayed too
  });
});
