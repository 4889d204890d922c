/**
 * QuotingEngine.swapModel (docs/adr/0016-promotion-lifecycle.md §Hot swap): at the safe point between
 * two events every working order is cancelled, the quoter, engine params, alpha hook and risk limits
 * are replaced, the book and every signal whose settings are unchanged stay warm, and the next event
 * decides with the new quoter. Figures by hand on tiny books.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../core/ports.ts';
import type { DepthDiff, DepthSnapshot, Level, Trade } from '../../../core/market-events.ts';
import type { OrderAction, QuoteIntent } from '../../../core/quoting/intent.ts';
import type { Quoter, QuoterView } from '../../../core/quoting/quoter.ts';
import { OrderExecutor } from '../../../core/quoting/executor.ts';
import { QuotingEngine, type EngineParams } from '../../../core/engine/quoting-engine.ts';
import { parseRiskLimits } from '../../../core/risk/risk-limits.ts';

const S = 1_000_000;
/** A whole second (so the 100-ms σ grid and the 500-ms alpha grid fall on round times). */
const T0 = 1_700_000_000 * S;

/** Quotes mid ∓ `halfTicks` with `sizeLots`, and records the σ it was shown. */
class SpreadQuoter implements Quoter {
  readonly sigmas: (number | undefined)[] = [];
  constructor(
    private readonly halfTicks: number,
    private readonly sizeLots = 1,
  ) {}
  decide(v: QuoterView): QuoteIntent {
    this.sigmas.push(v.sigmaTicksPerSqrtSec);
    const mid = v.midTicks;
    if (mid === undefined) {
      return {
        bid: undefined,
        ask: undefined,
        bidReason: 'book-not-ready',
        askReason: 'book-not-ready',
        decidedAtUs: v.nowUs,
        midTicks: mid,
      };
    }
    return {
      bid: { priceTicks: Math.floor(mid - this.halfTicks), sizeLots: this.sizeLots },
      ask: { priceTicks: Math.ceil(mid + this.halfTicks), sizeLots: this.sizeLots },
      bidReason: 'quote',
      askReason: 'quote',
      decidedAtUs: v.nowUs,
      midTicks: mid,
    };
  }
}

/** σ span 1 (α = 1, warm after one grid return) on a 100-ms grid. */
const PARAMS: EngineParams = {
  volObservations: 1,
  volSampleIntervalMs: 100,
  ofiWindowMs: 1000,
  diLevels: 5,
  maxInventoryLots: 5,
};

function snapshot(lastUpdateId: number, bids: Level[], asks: Level[]): DepthSnapshot {
  return { kind: 'snapshot', lastUpdateId, bids, asks, recvTimeUs: 0, exchTimeMs: undefined };
}
function diff(u: number, bids: Level[], asks: Level[]): DepthDiff {
  return {
    kind: 'depth',
    firstUpdateId: u,
    finalUpdateId: u,
    prevFinalUpdateId: undefined,
    bids,
    asks,
    exchTimeMs: 0,
    recvTimeUs: 0,
  };
}
function trade(id: number): Trade {
  return {
    kind: 'trade',
    tradeId: id,
    priceTicks: 101,
    sizeLots: 1,
    aggressor: 'buy',
    exchTimeMs: 0,
    recvTimeUs: 0,
  };
}

/** An engine on a recording venue; `at(ms, ev)` sets the clock to T0 + ms and feeds `ev` (default a trade). */
function harness(quoter: Quoter, extra: { onAlphaRequest?: (f: Float32Array, t: number) => void } = {}) {
  const clock = new ManualClock(T0);
  const actions: OrderAction[] = [];
  const engine = new QuotingEngine({
    market: 'spot',
    clock,
    quoter,
    executor: new OrderExecutor('e'),
    venue: { submit: (a) => actions.push(a) },
    params: PARAMS,
    quotePerTickLot: 1,
    ...extra,
  });
  let id = 0;
  const at = (ms: number, ev?: DepthSnapshot | DepthDiff | Trade): void => {
    clock.advanceTo(T0 + ms * 1000);
    engine.onMarketEvent(ev ?? trade(++id));
  };
  const take = (): string[] =>
    actions
      .splice(0)
      .map((a) =>
        a.type === 'place'
          ? `place ${a.side} ${a.priceTicks}x${a.sizeLots} ${a.clientOrderId}`
          : `cancel ${a.clientOrderId}`,
      );
  return { clock, engine, at, take };
}

/**
 * Book 100/102 (mid 101) at 0 ms and 150 ms; at 180 ms bid 101 / ask 103 (mid 102); at 250 ms the
 * 200-ms grid point is crossed: one σ observation r = ln(102/101) over Δt = 0.1 s, so with α = 1
 * σ = |r|/√0.1 · 102 ticks/√s (the latest mid).
 */
function warmUp(h: ReturnType<typeof harness>): void {
  h.at(0, snapshot(100, [[100, 5]], [[102, 5]]));
  h.at(150);
  h.at(
    180,
    diff(
      101,
      [[101, 5]],
      [
        [102, 0],
        [103, 5],
      ],
    ),
  );
  h.at(250);
}
const SIGMA_AT_250 = (Math.log(102 / 101) / Math.sqrt(0.1)) * 102;

describe('QuotingEngine.swapModel', () => {
  it('keeps the book and σ warm when the σ settings are unchanged', () => {
    const a = new SpreadQuoter(1);
    const h = harness(a);
    warmUp(h);
    expect(a.sigmas.at(-1)).toBeCloseTo(SIGMA_AT_250, 12);
    const b = new SpreadQuoter(3);
    h.engine.swapModel({ quoter: b, params: { ...PARAMS, maxInventoryLots: 9 } });
    h.at(270); // no grid point crossed since 250 ms: σ as it was
    expect(b.sigmas).toHaveLength(1);
    expect(b.sigmas[0]).toBeCloseTo(SIGMA_AT_250, 12);
    expect(h.engine.syncState).toBe('synced');
    expect(h.engine.lastIntent).toMatchObject({
      bid: { priceTicks: 99 },
      ask: { priceTicks: 105 },
      midTicks: 102,
    });
    expect(h.engine.maxInventoryLimitLots).toBe(9);
    expect(h.engine.counters.swaps).toBe(1);
  });

  it('rebuilds σ cold when its span changes (the quoter sees no σ until it warms again)', () => {
    const a = new SpreadQuoter(1);
    const h = harness(a);
    warmUp(h);
    const b = new SpreadQuoter(3);
    h.engine.swapModel({ quoter: b, params: { ...PARAMS, volObservations: 2 } });
    h.at(270);
    // A fresh σ needs two grid crossings to fix its reference, then 2 returns (warm-up = span):
    // 270 starts it (next grid 300), 350 crosses 300 (reference), 450 crosses 400 (return 1), 550 (return 2).
    h.at(350);
    h.at(450);
    h.at(550);
    // The mid stayed 102 since 180 ms: both returns are 0, so σ = 0 once warm.
    expect(b.sigmas).toEqual([undefined, undefined, undefined, 0]);
  });

  it('cancels every working order at the swap; the next decision quotes the new spread', () => {
    const h = harness(new SpreadQuoter(1));
    h.at(0, snapshot(100, [[100, 5]], [[102, 5]]));
    expect(h.take()).toEqual(['place bid 100x1 e-1', 'place ask 102x1 e-2']);
    h.engine.swapModel({ quoter: new SpreadQuoter(3, 2), params: PARAMS });
    expect(h.take()).toEqual(['cancel e-1', 'cancel e-2']);
    h.at(10); // decided with the new quoter (101 ∓ 3); places wait for the cancels (cancel-then-place)
    expect(h.engine.lastIntent).toMatchObject({
      bid: { priceTicks: 98, sizeLots: 2 },
      ask: { priceTicks: 104 },
    });
    expect(h.take()).toEqual([]);
    for (const [id, side] of [
      ['e-1', 'bid'],
      ['e-2', 'ask'],
    ] as const)
      h.engine.onVenueReport({
        type: 'canceled',
        clientOrderId: id,
        side,
        canceledLots: 1,
        timeUs: T0 + 20_000,
      });
    h.at(30);
    expect(h.take()).toEqual(['place bid 98x2 e-3', 'place ask 104x2 e-4']);
    expect(h.engine.counters).toMatchObject({
      swaps: 1,
      cancelsSent: 2,
      cancelsConfirmed: 2,
      quotesPlaced: 4,
    });
  });

  it('applies the new hard inventory limit and risk limits', () => {
    const h = harness(new SpreadQuoter(1));
    h.at(0, snapshot(100, [[100, 5]], [[102, 5]]));
    h.take();
    const limits = parseRiskLimits({ maxOpenOrders: 3 }, 'test');
    h.engine.swapModel({
      quoter: new SpreadQuoter(2, 3),
      params: { ...PARAMS, maxInventoryLots: 2 },
      riskLimits: limits,
    });
    expect(h.engine.risk.limits).toEqual(limits);
    expect(h.take()).toEqual(['cancel e-1', 'cancel e-2']);
    h.engine.onVenueReport({
      type: 'canceled',
      clientOrderId: 'e-1',
      side: 'bid',
      canceledLots: 1,
      timeUs: T0 + 1,
    });
    h.engine.onVenueReport({
      type: 'canceled',
      clientOrderId: 'e-2',
      side: 'ask',
      canceledLots: 1,
      timeUs: T0 + 1,
    });
    h.at(10);
    // Each 3-lot side would take |q| to 3 > 2: both blocked by the engine's hard limit.
    expect(h.take()).toEqual([]);
    expect(h.engine.counters.placesBlocked).toBe(2);
  });

  it('throws on alpha params without a hook, leaving the engine untouched', () => {
    const h = harness(new SpreadQuoter(1));
    h.at(0, snapshot(100, [[100, 5]], [[102, 5]]));
    h.take();
    expect(() =>
      h.engine.swapModel({ quoter: new SpreadQuoter(3), params: { ...PARAMS, alphaIntervalMs: 500 } }),
    ).toThrow(RangeError);
    expect(h.take()).toEqual([]);
    expect(h.engine.counters.swaps).toBe(0);
    expect(h.engine.workingOrders()).toHaveLength(2);
  });

  it('keeps the feature schedule warm when only the alpha hook changes; rebuilds it when the grid changes', () => {
    const calls1: number[] = [];
    const calls2: number[] = [];
    const calls3: number[] = [];
    const alphaParams: EngineParams = { ...PARAMS, alphaIntervalMs: 500, alphaHorizonMs: 10_000 };
    const clock = new ManualClock(T0);
    const engine = new QuotingEngine({
      market: 'spot',
      clock,
      quoter: new SpreadQuoter(1),
      executor: new OrderExecutor('e'),
      venue: { submit: () => undefined },
      params: alphaParams,
      quotePerTickLot: 1,
      onAlphaRequest: (_f, t) => calls1.push((t - T0) / 1000),
    });
    let id = 0;
    const run = (fromMs: number, toMs: number): void => {
      for (let ms = fromMs; ms <= toMs; ms += 100) {
        clock.advanceTo(T0 + ms * 1000);
        engine.onMarketEvent(ms === 0 ? snapshot(100, [[100, 5]], [[102, 5]]) : trade(++id));
      }
    };
    // Features: first sampled at 100 ms (the event at 0 ms only starts the grid); warm 5 s later.
    run(0, 6000);
    expect(calls1).toEqual([5500, 6000]);
    engine.setAlphaTicks(2, T0 + 6_000_000);
    expect(engine.alphaTicks).toBe(2);
    engine.swapModel({
      quoter: new SpreadQuoter(1),
      params: alphaParams,
      onAlphaRequest: (_f, t) => calls2.push((t - T0) / 1000),
    });
    expect(engine.alphaTicks).toBe(0); // the old model's answer is dropped
    run(6100, 7000);
    expect(calls1).toEqual([5500, 6000]);
    expect(calls2).toEqual([6500, 7000]); // schedule kept: no new warm-up
    engine.swapModel({
      quoter: new SpreadQuoter(1),
      params: { ...alphaParams, alphaIntervalMs: 1000 },
      onAlphaRequest: (_f, t) => calls3.push((t - T0) / 1000),
    });
    // New schedule: the event at 7100 ms starts its grid, 7200 ms is its first sample, warm at 12,200 ms;
    // the first 1-s point then is 13,000 ms.
    run(7100, 13_000);
    expect(calls2).toEqual([6500, 7000]);
    expect(calls3).toEqual([13_000]);
    expect(engine.counters.swaps).toBe(2);
  });
});
