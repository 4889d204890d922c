import { describe, it, expect } from 'vitest';
import { FairValueQuoter, touchImbalance } from '../../../core/quoting/fair-value.ts';
import { JoinTouchQuoter } from '../../../core/quoting/join-touch.ts';
import type { FairValueParams } from '../../../core/quoting/fair-value-params.ts';
import { parseModelParams, ModelParamsError } from '../../../core/quoting/model-params.ts';
import { createQuoter } from '../../../core/quoting/factory.ts';
import type { QuoterView } from '../../../core/quoting/quoter.ts';
import { InvariantViolation } from '../../../core/errors.ts';

// Round numbers for hand computation: touch 100000 / 100001 (mid 100000.5), σ = 10 ticks/√s, touch
// sizes 30 / 10 lots → I = (30 − 10)/40 = 0.5; β_I = 0.4 → fair = mid + 10·0.4·0.5 = 100002.5;
// h = max(c·σ = 10, 0.5 bp·mid = 5.000025) = 10 → bid ⌊99992.5⌋ = 99992, ask ⌈100012.5⌉ = 100013.
const PARAMS: FairValueParams = {
  model: 'fair-value',
  quoteSizeLots: 1,
  maxInventoryLots: 10,
  volObservations: 100,
  volSampleIntervalMs: 100,
  ofiWindowMs: 1000,
  imbalanceSigma: 0.4,
  ofiSigma: 0,
  inventorySkewSigma: 1,
  halfSpreadSigma: 1,
  minHalfSpreadBp: 0.5,
  keepSigma: 0,
  keepInsideSigma: 0,
  frontQueueQuotes: 2,
  keepFrontSigma: 0,
  refillCooldownMs: 500,
  refillBackoffSigma: 1,
};
const T0 = 1_723_161_255_000_000;

function view(overrides: Partial<QuoterView> = {}): QuoterView {
  return {
    nowUs: T0,
    bestBidTicks: 100_000,
    bestAskTicks: 100_001,
    bestBidLots: 30,
    bestAskLots: 10,
    lastBidFillUs: Number.NEGATIVE_INFINITY,
    lastAskFillUs: Number.NEGATIVE_INFINITY,
    restingBidTicks: undefined,
    restingBidQueueLots: undefined,
    restingAskTicks: undefined,
    restingAskQueueLots: undefined,
    midTicks: 100_000.5,
    sigmaTicksPerSqrtSec: 10,
    ofi: 0,
    depthImbalance: 0,
    inventoryLots: 0,
    sigmaLongTicksPerSqrtSec: undefined,
    alphaTicks: 0,
    ...overrides,
  };
}

function prices(
  q: FairValueQuoter | JoinTouchQuoter,
  v: QuoterView,
): [number | undefined, number | undefined] {
  const i = q.decide(v);
  return [i.bid?.priceTicks, i.ask?.priceTicks];
}

describe('FairValueQuoter', () => {
  it('centres on mid + σ·β_I·I with a half spread of c·σ (hand-computed)', () => {
    const q = new FairValueQuoter(PARAMS);
    const intent = q.decide(view());
    expect([intent.bid?.priceTicks, intent.ask?.priceTicks]).toEqual([99_992, 100_013]);
    expect([intent.bidReason, intent.askReason]).toEqual(['quote', 'quote']);
    expect(intent.bid?.sizeLots).toBe(1);
    expect(q.lastTerms).toEqual({
      sigmaTicks: 10,
      imbalance: 0.5,
      alphaShiftTicks: 0,
      fairTicks: 100_002.5,
      halfSpreadTicks: 10,
    });
  });

  it('skews against the inventory in σ units: q = 5/10 moves the fair value 0.5·σ = 5 ticks down', () => {
    // fair = 100002.5 − 10·1·0.5 = 99997.5 → bid ⌊99987.5⌋, ask ⌈100007.5⌉.
    expect(prices(new FairValueQuoter(PARAMS), view({ inventoryLots: 5 }))).toEqual([99_987, 100_008]);
  });

  it('adds the OFI term in σ units', () => {
    // ofiSigma 0.5, OFI −1: fair = 100002.5 − 5 = 99997.5.
    const q = new FairValueQuoter({ ...PARAMS, ofiSigma: 0.5 });
    expect(prices(q, view({ ofi: -1 }))).toEqual([99_987, 100_008]);
  });

  it('adds the ONNX alpha in price units, clamped to ±maxShiftSigma·σ', () => {
    const alpha = {
      artifactPath: 'models/a.onnx',
      sha256: 'a'.repeat(64),
      weight: 0.5,
      maxShiftSigma: 1,
      intervalMs: 1000,
      horizonMs: 1000,
    };
    const q = new FairValueQuoter({ ...PARAMS, alpha });
    // alpha 8 ticks × 0.5 = 4 (inside ±10): fair 100006.5 → bid ⌊99996.5⌋, ask ⌈100016.5⌉.
    expect(prices(q, view({ alphaTicks: 8 }))).toEqual([99_996, 100_017]);
    expect(q.lastTerms.alphaShiftTicks).toBe(4);
    // alpha −60 ticks × 0.5 = −30, clamped to −σ = −10: fair 99992.5 → bid 99982, ask 100003.
    expect(prices(q, view({ alphaTicks: -60 }))).toEqual([99_982, 100_003]);
    // The bound is in σ units, at most 5 σ (V1.5's is 3 ticks, whatever a tick is worth).
    expect(() => parseModelParams({ ...PARAMS, alpha: { ...alpha, maxShiftSigma: 6 } }, 'x')).toThrow(
      /alpha\.maxShiftSigma/,
    );
  });

  it('floors the half spread at minHalfSpreadBp of the mid when σ is small', () => {
    // σ = 1: fair = 100000.5 + 0.2 = 100000.7; h = max(1, 5.000025) → bid ⌊99995.699975⌋, ask ⌈100005.700025⌉.
    expect(prices(new FairValueQuoter(PARAMS), view({ sigmaTicksPerSqrtSec: 1 }))).toEqual([99_995, 100_006]);
  });

  it('never crosses the touch: a fair value far above the ask puts the bid one tick below the ask', () => {
    // β_I = 4: fair = 100000.5 + 20 = 100020.5 → model bid 100010 > ask − 1.
    const q = new FairValueQuoter({ ...PARAMS, imbalanceSigma: 4 });
    expect(prices(q, view())).toEqual([100_000, 100_031]);
  });

  it('keeps a resting price within keepSigma·σ when it is not more aggressive (queue priority)', () => {
    const q = new FairValueQuoter({ ...PARAMS, keepSigma: 0.5 }); // band 5 ticks
    expect(prices(q, view())).toEqual([99_992, 100_013]);
    // Mid 3 ticks higher: new bid 99995 (kept at 99992, within 5), new ask 100016 (99992's ask 100013
    // would be more aggressive than wanted: moves).
    expect(prices(q, view({ bestBidTicks: 100_003, bestAskTicks: 100_004, midTicks: 100_003.5 }))).toEqual([
      99_992, 100_016,
    ]);
    // 6 more ticks up: new bid 100001 is 9 ticks above the kept 99992 → moves.
    expect(prices(q, view({ bestBidTicks: 100_009, bestAskTicks: 100_010, midTicks: 100_009.5 }))).toEqual([
      100_001, 100_022,
    ]);
    // Back down 2 ticks: new bid 99999 is below 100001 (more aggressive to keep) → moves; the ask 100020
    // is below the resting 100022 and within 5 → kept.
    expect(prices(q, view({ bestBidTicks: 100_007, bestAskTicks: 100_008, midTicks: 100_007.5 }))).toEqual([
      99_999, 100_022,
    ]);
  });

  it('with keepInsideSigma, also keeps a resting price that is that much more aggressive', () => {
    const q = new FairValueQuoter({ ...PARAMS, keepSigma: 0.5, keepInsideSigma: 0.3 }); // bands 5 and 3 ticks
    expect(prices(q, view())).toEqual([99_992, 100_013]);
    // Mid 3 ticks higher: new bid 99995 (99992 is 3 below: kept), new ask 100016 (100013 is 3 inside: kept).
    expect(prices(q, view({ bestBidTicks: 100_003, bestAskTicks: 100_004, midTicks: 100_003.5 }))).toEqual([
      99_992, 100_013,
    ]);
    // One more tick: the ask 100013 would be 4 ticks inside the new 100017 (> 3): it moves.
    expect(prices(q, view({ bestBidTicks: 100_004, bestAskTicks: 100_005, midTicks: 100_004.5 }))).toEqual([
      99_992, 100_017,
    ]);
  });

  it('keeps a resting order near the front of its queue within the wider keepFrontSigma band', () => {
    const q = new FairValueQuoter({ ...PARAMS, keepFrontSigma: 1 }); // band 10 ticks near the front
    // Model bid 99992; our bid rests at 99985 (7 ticks less aggressive) with 2 lots ahead (≤ 2 quotes).
    const resting = { restingBidTicks: 99_985, restingBidQueueLots: 2 };
    expect(prices(q, view(resting))[0]).toBe(99_985);
    // With 3 lots ahead it is not near the front: the plain band is 0, so it moves to 99992.
    expect(prices(q, view({ ...resting, restingBidQueueLots: 3 }))[0]).toBe(99_992);
    // Near the front but 11 ticks away: beyond the band, it moves.
    expect(prices(q, view({ restingBidTicks: 99_981, restingBidQueueLots: 0 }))[0]).toBe(99_992);
    // A resting ask at the front 4 ticks inside the model's 100013 is kept too.
    expect(prices(q, view({ restingAskTicks: 100_009, restingAskQueueLots: 0 }))[1]).toBe(100_009);
  });

  it('backs a side off by refillBackoffSigma·σ within refillCooldownMs of its fill', () => {
    const q = new FairValueQuoter(PARAMS);
    // Bid filled 100 ms ago: bid ⌊99992.5 − 10⌋ = 99982; the ask is not affected.
    expect(prices(q, view({ lastBidFillUs: T0 - 100_000 }))).toEqual([99_982, 100_013]);
    // Ask filled 499 ms ago: ask ⌈100012.5 + 10⌉ = 100023.
    expect(prices(q, view({ lastAskFillUs: T0 - 499_000 }))).toEqual([99_992, 100_023]);
    // 500 ms after the fill the cooldown is over.
    expect(prices(q, view({ lastBidFillUs: T0 - 500_000 }))).toEqual([99_992, 100_013]);
  });

  it('drops the side a fill would take beyond q_max', () => {
    const i = new FairValueQuoter(PARAMS).decide(view({ inventoryLots: 10 }));
    expect(i.bid).toBeUndefined();
    expect(i.bidReason).toBe('inventory-limit');
    expect(i.askReason).toBe('quote');
  });

  it('does not quote before the book or σ is ready, and forgets its kept prices then', () => {
    const q = new FairValueQuoter({ ...PARAMS, keepSigma: 100 });
    expect(q.decide(view({ sigmaTicksPerSqrtSec: undefined })).bidReason).toBe('no-volatility-yet');
    expect(q.decide(view({ bestBidTicks: undefined, midTicks: undefined })).askReason).toBe('book-not-ready');
    expect(q.decide(view({ bestBidTicks: 100_001, bestAskTicks: 100_001 })).bidReason).toBe('book-not-ready');
    expect(prices(q, view())).toEqual([99_992, 100_013]);
    q.decide(view({ sigmaTicksPerSqrtSec: undefined }));
    // With a band of 1,000 ticks the old bid would be kept; after the pause it is priced afresh.
    expect(prices(q, view({ bestBidTicks: 100_050, bestAskTicks: 100_051, midTicks: 100_050.5 }))).toEqual([
      100_042, 100_063,
    ]);
  });

  it('throws InvariantViolation on a non-finite input', () => {
    expect(() => new FairValueQuoter(PARAMS).decide(view({ ofi: Number.NaN }))).toThrow(InvariantViolation);
  });
});

describe('touchImbalance', () => {
  it('is (Q_bid − Q_ask)/(Q_bid + Q_ask), 0 when unknown or empty', () => {
    expect(touchImbalance(30, 10)).toBe(0.5);
    expect(touchImbalance(0, 10)).toBe(-1);
    expect(touchImbalance(undefined, 10)).toBe(0);
    expect(touchImbalance(0, 0)).toBe(0);
  });
});

describe('JoinTouchQuoter', () => {
  const params = { model: 'join-touch', quoteSizeLots: 2, maxInventoryLots: 4 } as const;

  it('joins the best bid and the best ask', () => {
    const i = new JoinTouchQuoter(params).decide(view({ bestBidTicks: 99_990, bestAskTicks: 100_011 }));
    expect([i.bid, i.ask]).toEqual([
      { priceTicks: 99_990, sizeLots: 2 },
      { priceTicks: 100_011, sizeLots: 2 },
    ]);
  });

  it('drops the side a fill would take beyond q_max and waits for a sane book', () => {
    const q = new JoinTouchQuoter(params);
    const i = q.decide(view({ inventoryLots: -3 }));
    expect([i.bidReason, i.askReason]).toEqual(['quote', 'inventory-limit']);
    expect(q.decide(view({ bestAskTicks: undefined })).bidReason).toBe('book-not-ready');
    expect(q.decide(view({ bestBidTicks: 100_002 })).askReason).toBe('book-not-ready');
  });
});

describe('fair-value and join-touch params', () => {
  it('parse through the model union and build their quoters', () => {
    expect(createQuoter(parseModelParams(PARAMS, 'test'))).toBeInstanceOf(FairValueQuoter);
    expect(
      createQuoter(parseModelParams({ model: 'join-touch', quoteSizeLots: 1, maxInventoryLots: 3 }, 't')),
    ).toBeInstanceOf(JoinTouchQuoter);
  });

  it('reject a negative band and an unknown key, naming the field and the source', () => {
    expect(() => parseModelParams({ ...PARAMS, keepSigma: -1 }, 'models/fv.json')).toThrow(
      /models\/fv\.json: invalid model params: keepSigma: /,
    );
    expect(() => parseModelParams({ ...PARAMS, gamma: 0.1 }, 'x')).toThrow(ModelParamsError);
    expect(() =>
      parseModelParams({ model: 'join-touch', quoteSizeLots: 0, maxInventoryLots: 1 }, 'y'),
    ).toThrow(/quoteSizeLots/);
  });
});
