import fc from 'fast-check';
import { describe, it, expect } from 'vitest';
import { AsV15Quoter, MAX_CENTRE_OFFSET_TICKS } from '../../../core/quoting/v1-5.ts';
import type { AsV15Params } from '../../../core/quoting/model-params.ts';
import { UNSEEN_VIEW_FIELDS, type QuoterView } from '../../../core/quoting/quoter.ts';
import { InvariantViolation } from '../../../core/errors.ts';

// Round numbers for hand computation (as in v1-alpha.test.ts): γ = 0.01/tick, k = 0.8/tick, τ = 60 s,
// σ = 3 ticks/√s:
//   γσ²τ = 5.4 ticks of reservation skew per unit order;
//   base = 5.4 + 200·ln(1.0125) = 5.4 + 2.484504 = 7.884504 ticks (A&S eq. 30);
//   κ_vol·σ = 0.1·3 = 0.3 → flat raw spread 8.184504, half 4.092252.
const PARAMS: AsV15Params = {
  model: 'as-v1.5',
  gamma: 0.01,
  kPerTick: 0.8,
  horizonSec: 60,
  kappaInvTicks: 0.5,
  betaOfiTicks: 2,
  betaDiTicks: 0.5,
  kappaVolSqrtSec: 0.1,
  minSpreadTicks: 2,
  volLongObservations: 600,
  wideningRatio: 2,
  wideningFactor: 1.5,
  maxQuoteAgeMs: 750,
  refreshOnSignFlip: true,
  quoteSizeLots: 10,
  maxInventoryLots: 30,
  volObservations: 100,
  volSampleIntervalMs: 100,
  ofiWindowMs: 1000,
  diLevels: 5,
  alpha: {
    artifactPath: 'models/alpha-test.onnx',
    sha256: 'a'.repeat(64),
    maxShiftTicks: 2,
    weight: 0.5,
    intervalMs: 1000,
    horizonMs: 5000,
  },
};

const T0 = 1_723_161_255_000_000;

// A wide touch 99990 / 100011 (mid 100000.5) so that post-only does not bind unless a test wants it.
function view(overrides: Partial<QuoterView> = {}): QuoterView {
  return {
    nowUs: T0,
    bestBidTicks: 99_990,
    bestAskTicks: 100_011,
    midTicks: 100_000.5,
    sigmaTicksPerSqrtSec: 3,
    ofi: 0,
    depthImbalance: 0,
    inventoryLots: 0,
    sigmaLongTicksPerSqrtSec: undefined,
    alphaTicks: 0,
    ...UNSEEN_VIEW_FIELDS,
    ...overrides,
  };
}

function prices(q: AsV15Quoter, v: QuoterView): [number | undefined, number | undefined] {
  const intent = q.decide(v);
  return [intent.bid?.priceTicks, intent.ask?.priceTicks];
}

describe('AsV15Quoter: centre, spread and rounding against hand-computed values', () => {
  it('quotes around r when flat, bid rounded down and ask up', () => {
    const q = new AsV15Quoter(PARAMS);
    // centre = 100000.5; bid = floor(100000.5 − 4.092252) = floor(99996.407748) = 99996,
    // ask = ceil(100004.592252) = 100005.
    const intent = q.decide(view());
    expect(intent.bid).toEqual({ priceTicks: 99_996, sizeLots: 10, notBeforeUs: T0 - 750_000 });
    expect(intent.ask).toEqual({ priceTicks: 100_005, sizeLots: 10, notBeforeUs: T0 - 750_000 });
    expect([intent.bidReason, intent.askReason]).toEqual(['quote', 'quote']);
    expect(q.lastTerms.centreTicks).toBe(100_000.5);
    expect(q.lastTerms.rawSpreadTicks).toBeCloseTo(8.184504, 6);
    expect(q.lastTerms.widened).toBe(false);
  });

  it('skews the centre DOWN when long and UP when short (−κ_inv·q), and widens by κ_inv·|q|', () => {
    const q = new AsV15Quoter(PARAMS);
    // long 20 lots = q 2: r = 100000.5 − 2·5.4 = 99989.7; offset = −0.5·2 = −1 → centre 99988.7;
    // spread = 7.884504 + 0.3 + 0.5·2 = 9.184504, half 4.592252:
    // bid = floor(99984.107748) = 99984, ask = ceil(99993.292252) = 99994.
    expect(prices(q, view({ inventoryLots: 20 }))).toEqual([99_984, 99_994]);
    expect(q.lastTerms.offsetTicks).toBe(-1);
    expect(q.lastTerms.centreTicks).toBeCloseTo(99_988.7, 9);
    expect(q.lastTerms.rawSpreadTicks).toBeCloseTo(9.184504, 6);
    // short 20 lots: r = 100011.3, offset +1 → centre 100012.3;
    // bid = floor(100007.707748) = 100007, ask = ceil(100016.892252) = 100017.
    expect(prices(q, view({ inventoryLots: -20 }))).toEqual([100_007, 100_017]);
    expect(q.lastTerms.centreTicks).toBeCloseTo(100_012.3, 9);
    // The skew adds to A&S's (never against it): without κ_inv the long centre is 1 tick higher.
    const noSkew = new AsV15Quoter({ ...PARAMS, kappaInvTicks: 0 });
    noSkew.decide(view({ inventoryLots: 20 }));
    expect(noSkew.lastTerms.centreTicks).toBeCloseTo(99_989.7, 9);
  });

  it('adds β_ofi·OFI + β_di·DI and clamps the total offset at ±3 ticks', () => {
    const q = new AsV15Quoter(PARAMS);
    // inside: 2·0.5 = +1 → centre 100001.5 → bid floor(99997.407748) = 99997, ask ceil(100005.592252) = 100006
    expect(prices(q, view({ ofi: 0.5 }))).toEqual([99_997, 100_006]);
    // DI: 0.5·(−2) = −1 → centre 99999.5 → 99995 / 100004
    expect(prices(q, view({ depthImbalance: -2 }))).toEqual([99_995, 100_004]);
    // 2·1 + 0.5·3 = 3.5 → +3: centre 100003.5 → bid floor(99999.407748) = 99999, ask ceil(100007.592252) = 100008
    expect(prices(q, view({ ofi: 1, depthImbalance: 3 }))).toEqual([99_999, 100_008]);
    expect(q.lastTerms.offsetTicks).toBe(MAX_CENTRE_OFFSET_TICKS);
    // −3.5 → −3: centre 99997.5 → 99993 / 100002
    expect(prices(q, view({ ofi: -1, depthImbalance: -3 }))).toEqual([99_993, 100_002]);
    expect(q.lastTerms.offsetTicks).toBe(-3);
    // the inventory skew is inside the same clamp: long 20 (−1) with OFI +1 (+2) and DI +3 (+1.5) = +2.5
    q.decide(view({ inventoryLots: 20, ofi: 1, depthImbalance: 3 }));
    expect(q.lastTerms.offsetTicks).toBeCloseTo(2.5, 12);
  });

  it('adds the alpha shift clamp(w·alpha, ±maxShift) inside the ±3 clamp', () => {
    const q = new AsV15Quoter(PARAMS);
    // 0.5·2 = +1 → centre 100001.5 → 99997 / 100006
    expect(prices(q, view({ alphaTicks: 2 }))).toEqual([99_997, 100_006]);
    // 0.5·10 = 5 → +2 (maxShift) → centre 100002.5 → bid floor(99998.407748) = 99998, ask 100007
    expect(prices(q, view({ alphaTicks: 10 }))).toEqual([99_998, 100_007]);
    expect(q.lastTerms.alphaShiftTicks).toBe(2);
    // alpha −2 plus OFI −1 (−2): −4 → −3
    q.decide(view({ alphaTicks: -10, ofi: -1 }));
    expect([q.lastTerms.alphaShiftTicks, q.lastTerms.offsetTicks]).toEqual([-2, -3]);
    // no alpha block: the view's alpha is ignored
    const { alpha: _none, ...withoutAlpha } = PARAMS;
    const plain = new AsV15Quoter(withoutAlpha);
    expect(prices(plain, view({ alphaTicks: 10 }))).toEqual([99_996, 100_005]);
  });

  it('widens ×1.5 only when σ > 2·σ_long (strictly), before the floor', () => {
    const q = new AsV15Quoter(PARAMS);
    // σ_long 1.4: 3 > 2.8 → spread 8.184504·1.5 = 12.276756, half 6.138378:
    // bid = floor(99994.361622) = 99994, ask = ceil(100006.638378) = 100007
    expect(prices(q, view({ sigmaLongTicksPerSqrtSec: 1.4 }))).toEqual([99_994, 100_007]);
    expect(q.lastTerms.widened).toBe(true);
    expect(q.lastTerms.spreadTicks).toBeCloseTo(12.276756, 6);
    // σ_long 1.5: 3 > 3 is false → no widening
    expect(prices(q, view({ sigmaLongTicksPerSqrtSec: 1.5 }))).toEqual([99_996, 100_005]);
    expect(q.lastTerms.widened).toBe(false);
    // no slow σ yet → no widening
    expect(prices(q, view({ sigmaLongTicksPerSqrtSec: undefined }))).toEqual([99_996, 100_005]);
  });

  it('floors the spread at minSpreadTicks (≥ 2 by schema)', () => {
    // k = 10, σ = 0: raw = 200·ln(1.001) = 0.19990 (×1.5 widened = 0.29985) → floor 2, half 1:
    // bid = floor(99999.5) = 99999, ask = ceil(100001.5) = 100002
    const q = new AsV15Quoter({ ...PARAMS, kPerTick: 10 });
    expect(prices(q, view({ sigmaTicksPerSqrtSec: 0, sigmaLongTicksPerSqrtSec: 0 }))).toEqual([
      99_999, 100_002,
    ]);
    expect(q.lastTerms.spreadTicks).toBe(2);
    expect(() => new AsV15Quoter({ ...PARAMS, minSpreadTicks: 1 })).toThrow(/minSpreadTicks/);
  });

  it('never crosses the touch (post-only) and drops the side that would breach the inventory limit', () => {
    const q = new AsV15Quoter(PARAMS);
    // touch 100000 / 100001, long 20: ask 99994 would cross the bid → bestBid + 1 = 100001
    expect(prices(q, view({ bestBidTicks: 100_000, bestAskTicks: 100_001, inventoryLots: 20 }))).toEqual([
      99_984, 100_001,
    ]);
    const limit = q.decide(view({ inventoryLots: 25 }));
    expect([limit.bid, limit.bidReason, limit.askReason]).toEqual([undefined, 'inventory-limit', 'quote']);
    const short = q.decide(view({ inventoryLots: -25 }));
    expect([short.ask, short.askReason, short.bidReason]).toEqual([undefined, 'inventory-limit', 'quote']);
  });

  it('gives no quotes with a reason when the book or σ is not ready', () => {
    const q = new AsV15Quoter(PARAMS);
    for (const v of [view({ midTicks: undefined }), view({ bestBidTicks: 100_011 })]) {
      expect(q.decide(v)).toMatchObject({ bid: undefined, ask: undefined, bidReason: 'book-not-ready' });
    }
    expect(q.decide(view({ sigmaTicksPerSqrtSec: undefined }))).toMatchObject({
      bid: undefined,
      askReason: 'no-volatility-yet',
    });
  });

  it('fails loudly on non-finite signals', () => {
    const q = new AsV15Quoter(PARAMS);
    expect(() => q.decide(view({ ofi: Number.NaN }))).toThrow(InvariantViolation);
    expect(() => q.decide(view({ depthImbalance: Infinity }))).toThrow(InvariantViolation);
    expect(() => q.decide(view({ alphaTicks: Number.NaN }))).toThrow(InvariantViolation);
    expect(() => q.decide(view({ sigmaLongTicksPerSqrtSec: Number.NaN }))).toThrow(InvariantViolation);
    expect(() => q.decide(view({ inventoryLots: Number.NaN }))).toThrow(/view\.inventoryLots/);
    expect(() => q.decide(view({ sigmaTicksPerSqrtSec: -1 }))).toThrow(InvariantViolation);
  });

  it('keeps every quote within [r − spread/2 − 1 − 3, r + spread/2 + 1 + 3] and bid < ask (property)', () => {
    const q = new AsV15Quoter(PARAMS);
    fc.assert(
      fc.property(
        fc.double({ min: -1, max: 1, noNaN: true }),
        fc.double({ min: -3, max: 3, noNaN: true }),
        fc.double({ min: -50, max: 50, noNaN: true }),
        fc.integer({ min: -30, max: 30 }),
        (ofi, di, alpha, inventoryLots) => {
          const intent = q.decide(view({ ofi, depthImbalance: di, alphaTicks: alpha, inventoryLots }));
          const t = q.lastTerms;
          expect(Math.abs(t.offsetTicks)).toBeLessThanOrEqual(3);
          if (intent.bid !== undefined && intent.ask !== undefined) {
            expect(intent.bid.priceTicks).toBeLessThan(intent.ask.priceTicks);
          }
          if (intent.bid !== undefined) {
            expect(intent.bid.priceTicks).toBeGreaterThanOrEqual(t.reservationTicks - t.spreadTicks / 2 - 4);
            expect(intent.bid.priceTicks).toBeLessThanOrEqual(100_010);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('AsV15Quoter: quote ageing bounds on the legs', () => {
  it('sets notBeforeUs = now − 750 ms, moved to the time of a strict OFI or DI sign reversal', () => {
    const q = new AsV15Quoter(PARAMS);
    const at = (dtMs: number, o: Partial<QuoterView>): number | undefined =>
      q.decide(view({ nowUs: T0 + dtMs * 1000, ...o })).bid?.notBeforeUs;
    expect(at(0, { ofi: 0.2 })).toBe(T0 - 750_000);
    expect(at(100, { ofi: 0 })).toBe(T0 + 100_000 - 750_000); // 0 is "no signal", not a flip
    expect(at(200, { ofi: 0.4 })).toBe(T0 + 200_000 - 750_000); // same sign
    expect(at(300, { ofi: -0.1 })).toBe(T0 + 300_000); // + → −: flip at 300 ms
    expect(q.lastSignFlipUs).toBe(T0 + 300_000);
    expect(at(900, { ofi: -0.5 })).toBe(T0 + 300_000); // 900 − 750 = 150 < 300
    expect(at(1_200, { ofi: -0.5 })).toBe(T0 + 450_000); // age bound overtakes the flip
    expect(at(1_300, { ofi: -0.5, depthImbalance: 1 })).toBe(T0 + 550_000); // first DI sign: no flip
    expect(at(1_400, { ofi: -0.5, depthImbalance: -0.2 })).toBe(T0 + 1_400_000); // DI + → −
  });

  it('ignores sign flips when refreshOnSignFlip is false', () => {
    const q = new AsV15Quoter({ ...PARAMS, refreshOnSignFlip: false, betaDiTicks: 0 });
    q.decide(view({ ofi: 1 }));
    expect(q.decide(view({ nowUs: T0 + 1000, ofi: -1 })).bid?.notBeforeUs).toBe(T0 + 1000 - 750_000);
    expect(q.readsDepthImbalance).toBe(false);
  });
});
