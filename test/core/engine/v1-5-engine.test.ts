/**
 * The engine driving the V1.5 quoter on hand-built books: quote ageing (750 ms, sign flips), the alpha
 * hook (requests on the alpha grid, answers in the view, expiry after the horizon), the feature tap and
 * `quoteFromUs`.
 */
import { describe, it, expect } from 'vitest';
import { ManualClock } from '../../../core/ports.ts';
import type { DepthDiff, DepthSnapshot, Level, Trade } from '../../../core/market-events.ts';
import type { OrderAction } from '../../../core/quoting/intent.ts';
import type { AsV15Params } from '../../../core/quoting/model-params.ts';
import { AsV15Quoter } from '../../../core/quoting/v1-5.ts';
import { OrderExecutor } from '../../../core/quoting/executor.ts';
import { QuotingEngine, type QuotingEngineOptions } from '../../../core/engine/quoting-engine.ts';
import { engineParamsFor } from '../../../core/engine/engine-params.ts';

// σ = 0 on a static book, so spread = 200·ln(1 + 0.01/0.8) = 2.484504, half 1.242252.
const P: AsV15Params = {
  model: 'as-v1.5',
  gamma: 0.01,
  kPerTick: 0.8,
  horizonSec: 60,
  kappaInvTicks: 0,
  betaOfiTicks: 0,
  betaDiTicks: 0,
  kappaVolSqrtSec: 0,
  minSpreadTicks: 2,
  volLongObservations: 1,
  wideningRatio: 2,
  wideningFactor: 1.5,
  maxQuoteAgeMs: 750,
  refreshOnSignFlip: true,
  quoteSizeLots: 2,
  maxInventoryLots: 10,
  volObservations: 1,
  volSampleIntervalMs: 100,
  ofiWindowMs: 1000,
  diLevels: 5,
};

const S = 1_000_000; // µs per s
const T0 = 1_700_000_000 * S;

function snapshot(lastUpdateId: number, bids: Level[], asks: Level[]): DepthSnapshot {
  return { kind: 'snapshot', lastUpdateId, bids, asks, recvTimeUs: 0, exchTimeMs: undefined };
}
function diff(u: number, bids: Level[], asks: Level[] = []): DepthDiff {
  return {
    kind: 'depth',
    firstUpdateId: u,
    finalUpdateId: u,
    prevFinalUpdateId: undefined,
    bids,
    asks,
    exchTimeMs: 1,
    recvTimeUs: 0,
  };
}
function trade(aggressor: 'buy' | 'sell', sizeLots: number): Trade {
  return { kind: 'trade', tradeId: 1, priceTicks: 50, sizeLots, aggressor, exchTimeMs: 1, recvTimeUs: 0 };
}

/** An engine on a recording venue; `at(t, ev)` sets the clock to T0 + t seconds and feeds `ev`. */
function harness(params: AsV15Params, extra: Partial<QuotingEngineOptions> = {}) {
  const clock = new ManualClock(T0);
  const actions: OrderAction[] = [];
  const engine = new QuotingEngine({
    market: 'spot',
    clock,
    quoter: new AsV15Quoter(params),
    executor: new OrderExecutor('v'),
    venue: { submit: (a) => actions.push(a) },
    params: engineParamsFor(params),
    quotePerTickLot: 1,
    ...extra,
  });
  let u = 10;
  const at = (tSec: number, ev?: DepthSnapshot | DepthDiff | Trade): string[] => {
    clock.advanceTo(T0 + Math.round(tSec * S));
    engine.onMarketEvent(ev ?? diff(++u, [[100, 5]]));
    return actions
      .splice(0)
      .map((a) =>
        a.type === 'place'
          ? `place ${a.side} ${a.priceTicks} ${a.clientOrderId}`
          : `cancel ${a.clientOrderId}`,
      );
  };
  const cancelled = (...ids: string[]): void => {
    for (const id of ids) {
      const side = id === 'v-1' || id === 'v-3' || id === 'v-5' ? 'bid' : 'ask';
      engine.onVenueReport({ type: 'canceled', clientOrderId: id, side, canceledLots: 2, timeUs: 0 });
    }
  };
  return { engine, at, cancelled };
}

/** Syncs a 100 / 101 book and warms σ (one grid return): quotes 99 / 102 at t = 0.25 s. */
function warm(h: ReturnType<typeof harness>): void {
  expect(h.at(0, snapshot(10, [[100, 5]], [[101, 5]]))).toEqual([]); // σ not ready
  expect(h.at(0.15)).toEqual([]);
  expect(h.at(0.25)).toEqual(['place bid 99 v-1', 'place ask 102 v-2']);
}

describe('QuotingEngine + AsV15Quoter: quote ageing', () => {
  it('replaces quotes alive more than 750 ms even at an unchanged price, and not before', () => {
    const h = harness(P);
    warm(h);
    expect(h.at(0.9)).toEqual([]);
    expect(h.at(1.0)).toEqual([]); // alive exactly 750 ms: kept
    expect(h.at(1.000001)).toEqual(['cancel v-1', 'cancel v-2']); // 750.001 ms
    expect(h.at(1.05)).toEqual([]); // cancels in flight: no duplicate, no replacement yet
    h.cancelled('v-1', 'v-2');
    expect(h.at(1.1)).toEqual(['place bid 99 v-3', 'place ask 102 v-4']);
    expect(h.at(1.85)).toEqual([]);
    expect(h.at(1.9)).toEqual(['cancel v-3', 'cancel v-4']);
    expect(h.engine.counters).toMatchObject({ quotesPlaced: 4, cancelsSent: 4 });
  });

  it('replaces quotes when the sign of OFI flips since they were placed, not on the first sign', () => {
    const h = harness(P);
    warm(h);
    expect(h.at(0.3, trade('buy', 1))).toEqual([]); // OFI +1: first sign, no flip
    expect(h.at(0.4, trade('buy', 1))).toEqual([]);
    expect(h.at(0.5, trade('sell', 5))).toEqual(['cancel v-1', 'cancel v-2']); // (2 − 5)/7 < 0
    h.cancelled('v-1', 'v-2');
    expect(h.at(0.6)).toEqual(['place bid 99 v-3', 'place ask 102 v-4']);
    expect(h.at(0.7, trade('sell', 1))).toEqual([]); // still negative
  });

  it('does not age quotes for a model without ageing bounds (V1-α path unchanged)', () => {
    const h = harness({ ...P, refreshOnSignFlip: false, maxQuoteAgeMs: 10_000 });
    warm(h);
    expect(h.at(5, trade('sell', 5))).toEqual([]);
    expect(h.at(0.3 + 10)).toEqual(['cancel v-1', 'cancel v-2']);
  });
});

describe('QuotingEngine: alpha requests, answers and the feature tap', () => {
  const ALPHA_P: AsV15Params = {
    ...P,
    maxQuoteAgeMs: 60_000, // no ageing here: only alpha moves the quotes
    alpha: {
      artifactPath: 'm.onnx',
      sha256: 'f'.repeat(64),
      maxShiftTicks: 3,
      weight: 1,
      intervalMs: 1000,
      horizonMs: 2000,
    },
  };

  it('requests every second once the features are warm, and applies the answer until its horizon', () => {
    const requests: [number, number[]][] = [];
    const taps: number[] = [];
    const h = harness(ALPHA_P, {
      onAlphaRequest: (f, nowUs) => requests.push([(nowUs - T0) / S, [...f]]),
      featureTap: (nowUs, f, mid) => {
        taps.push((nowUs - T0) / S);
        expect(mid).toBe(105);
        expect(f).toHaveLength(7);
      },
    });
    // wide book 100 / 110, mid 105: flat quotes 103 / 107
    expect(h.at(0, snapshot(10, [[100, 5]], [[110, 5]]))).toEqual([]);
    h.at(0.15, diff(11, [[100, 5]]));
    expect(h.at(0.25, diff(12, [[100, 5]]))).toEqual(['place bid 103 v-1', 'place ask 107 v-2']);
    for (let k = 3; k <= 60; k++) h.at(k / 10, diff(10 + k, [[100, 5]]));
    // first grid point sampled: 0.1 s (before the event at 0.15); warm 5 s later
    expect(taps[0]).toBeCloseTo(5.1, 9);
    expect(taps).toHaveLength(10); // 5.1 … 6.0
    expect(requests.map(([t]) => t)).toEqual([6]);
    // ofi 0, DI 0, microprice − mid 0 (equal sizes), spread 10, σ 0, returns 0
    expect(requests[0]![1]).toEqual([0, 0, 0, 10, 0, 0, 0]);
    expect(h.engine.alphaTicks).toBe(0);

    h.engine.setAlphaTicks(2, T0 + 6 * S); // centre 107 → 105 / 109 from the next decision
    expect(h.at(6.05, diff(71, [[100, 5]]))).toEqual(['cancel v-1', 'cancel v-2']);
    h.cancelled('v-1', 'v-2');
    expect(h.at(6.1, diff(72, [[100, 5]]))).toEqual(['place bid 105 v-3', 'place ask 109 v-4']);
    expect(h.engine.alphaTicks).toBe(2);
    h.engine.setAlphaTicks(-1, T0 + 5 * S); // an older answer is ignored
    expect(h.engine.alphaTicks).toBe(2);
    expect(() => h.engine.setAlphaTicks(Number.NaN)).toThrow(RangeError);
    // 2 s after its request time the answer is stale: alpha 0 again (6 + 2 = 8 s)
    expect(h.at(8, diff(73, [[100, 5]]))).toEqual([]);
    expect(h.engine.alphaTicks).toBe(2);
    expect(h.at(8.000001, diff(74, [[100, 5]]))).toEqual(['cancel v-3', 'cancel v-4']);
    expect(h.engine.alphaTicks).toBe(0);
    // the event at 8 s crossed the alpha points 7 s and 8 s: only the latest is requested
    expect(requests.map(([t]) => t)).toEqual([6, 8]);
  });

  it('samples the state BEFORE the event that crosses a grid point', () => {
    const requests: [number, number[]][] = [];
    const h = harness(ALPHA_P, { onAlphaRequest: (f, t) => requests.push([(t - T0) / S, [...f]]) });
    h.at(0, snapshot(10, [[100, 5]], [[110, 5]]));
    for (let k = 1; k <= 59; k++) h.at(k / 10, diff(10 + k, [[100, 5]]));
    // the event at 6.0 s moves the bid to 104: the request for grid time 6 s still sees 100 / 110
    h.at(6.0, diff(70, [[104, 5]]));
    expect(requests).toEqual([[6, [0, 0, 0, 10, 0, 0, 0]]]);
    h.at(7.0, diff(71, [[104, 5]]));
    // 7 s: spread 6, mid 107 vs 105 one second (and five seconds) before
    expect(requests[1]).toEqual([7, [0, 0, 0, 6, 0, 2, 2]]);
  });

  it('requires onAlphaRequest for a model with alpha and rejects an interval off the feature grid', () => {
    expect(() => harness(ALPHA_P)).toThrow(/onAlphaRequest/);
    expect(() => harness(ALPHA_P, { onAlphaRequest: () => undefined, featureGridMs: 300 })).toThrow(
      RangeError,
    );
    const odd: AsV15Params = { ...ALPHA_P, alpha: { ...ALPHA_P.alpha!, intervalMs: 500 } };
    expect(() => harness(odd, { onAlphaRequest: () => undefined, featureGridMs: 200 })).toThrow(
      /multiple of the 200-ms feature grid/,
    );
  });
});

describe('QuotingEngine: quoteFromUs', () => {
  it('syncs and warms before the start but takes no decision and sends nothing', () => {
    const h = harness(P, { quoteFromUs: T0 + 1 * S });
    expect(h.at(0, snapshot(10, [[100, 5]], [[101, 5]]))).toEqual([]);
    expect(h.at(0.15)).toEqual([]);
    expect(h.at(0.25)).toEqual([]); // σ is ready here; a plain engine would quote
    expect(h.engine.counters.decisions).toBe(0);
    expect(h.engine.syncState).toBe('synced');
    expect(h.at(1)).toEqual(['place bid 99 v-1', 'place ask 102 v-2']);
    expect(h.engine.counters).toMatchObject({ events: 4, decisions: 1 });
  });
});
