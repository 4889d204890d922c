// Kline regime features (activities/features/kline-regime.ts) against oracles written here from the
// definitions (Wilder 1978 for ATR and RSI, Bollinger 2001 for the bands), independent of the
// `technicalindicators` package the module uses; hand-computed small cases; a published RSI table; the
// recorded BTCUSDT 1m klines (../shared/data, read through venues/binance/klines.ts); bad input.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_REGIME_PERIODS,
  KlineRegimeAccumulator,
  klineRegime,
  quantileSorted,
  type KlineRegime,
  type RegimeCandle,
  type RegimeSummary,
} from '../../activities/features/kline-regime.ts';
import { readKlines } from '../../venues/binance/klines.ts';
import { dataPath } from '../venues/binance/data.ts';

const MIN = 60_000;
const T0_MS = 1_679_004_900_000; // 2023-03-16T22:15Z, first candle of the recorded 1m file

/** Candles from high/low/close triples, one minute apart. */
const candles = (hlc: readonly (readonly [number, number, number])[]): RegimeCandle[] =>
  hlc.map(([high, low, close], i) => ({ openTimeMs: T0_MS + i * MIN, high, low, close }));
/** Candles whose high and low are the close (enough for RSI and the bands). */
const closesOnly = (closes: readonly number[]): RegimeCandle[] => candles(closes.map((c) => [c, c, c]));

function seriesOf(input: readonly RegimeCandle[], options = {}) {
  const acc = new KlineRegimeAccumulator(options);
  for (const c of input) acc.add(c);
  return acc.series();
}

// ---- Oracles: the recurrences written out, one value per candle from the first defined one. ----

/** Wilder's ATR: TR_t = max(H−L, |H−C_{t−1}|, |L−C_{t−1}|) for t ≥ 1; ATR_n = mean(TR_1..TR_n);
 * ATR_t = (ATR_{t−1}(n−1) + TR_t)/n. In bp of close: 1e4·ATR_t/C_t. */
function oracleAtrBp(cs: readonly RegimeCandle[], n: number): number[] {
  const out: number[] = [];
  let atr = 0;
  let sum = 0;
  for (let t = 1; t < cs.length; t++) {
    const c = cs[t]!;
    const prevClose = cs[t - 1]!.close;
    const tr = Math.max(c.high - c.low, Math.abs(c.high - prevClose), Math.abs(c.low - prevClose));
    if (t < n) sum += tr;
    else if (t === n) atr = (sum + tr) / n;
    else atr = (atr * (n - 1) + tr) / n;
    if (t >= n) out.push((1e4 * atr) / c.close);
  }
  return out;
}

/** Wilder's RSI: averages of gains and losses seeded with the simple mean of the first n changes,
 * then avg_t = (avg_{t−1}(n−1) + x_t)/n; RSI = 100 − 100/(1 + avgGain/avgLoss), 100 if avgLoss = 0. */
function oracleRsi(closes: readonly number[], n: number): number[] {
  const out: number[] = [];
  let gain = 0;
  let loss = 0;
  for (let t = 1; t < closes.length; t++) {
    const d = closes[t]! - closes[t - 1]!;
    const g = Math.max(d, 0);
    const l = Math.max(-d, 0);
    if (t <= n) {
      gain += g / n;
      loss += l / n;
    } else {
      gain = (gain * (n - 1) + g) / n;
      loss = (loss * (n - 1) + l) / n;
    }
    if (t >= n) out.push(loss === 0 ? 100 : 100 - 100 / (1 + gain / loss));
  }
  return out;
}

/** Bollinger width: 1e4·(upper − lower)/middle = 1e4·2k·σ/mean over each window of n closes,
 * σ the population standard deviation (divide by n). */
function oracleWidthBp(closes: readonly number[], n: number, k: number): number[] {
  const out: number[] = [];
  for (let t = n - 1; t < closes.length; t++) {
    const w = closes.slice(t - n + 1, t + 1);
    const mean = w.reduce((a, b) => a + b, 0) / n;
    const sigma = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    out.push((1e4 * 2 * k * sigma) / mean);
  }
  return out;
}

function expectClose(actual: readonly number[], expected: readonly number[], absTol: number): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    if (Math.abs(a - e) > absTol) throw new Error(`value ${i}: ${a} vs oracle ${e} (tolerance ${absTol})`);
  });
}

/** Deterministic random walk of n candles around 27,000 (LCG, no Math.random). */
function randomWalk(n: number): RegimeCandle[] {
  let s = 12_345;
  const u = (): number => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
  const out: RegimeCandle[] = [];
  let close = 27_000;
  for (let i = 0; i < n; i++) {
    const open = close;
    close = Math.round(open * (1 + (u() - 0.5) * 0.004) * 100) / 100;
    const high = Math.max(open, close) + Math.round(u() * 500) / 100;
    const low = Math.min(open, close) - Math.round(u() * 500) / 100;
    out.push({ openTimeMs: T0_MS + i * MIN, high, low, close });
  }
  return out;
}

const summaryOf = (r: KlineRegime, k: 'atrBp' | 'rsi' | 'bollingerWidthBp'): RegimeSummary => {
  const s = r[k].summary;
  if (s === null) throw new Error(`${k}: ${r[k].reason}`);
  return s;
};

describe('kline regime: hand-computed values', () => {
  it('ATR(3) in bp of close, with a gap up that the previous close brings into the true range', () => {
    const cs = candles([
      [10, 9, 9.5], // no TR: needs a previous close
      [11, 9.5, 10.5], // TR = max(1.5, 1.5, 0) = 1.5
      [10.8, 10, 10.2], // TR = max(0.8, 0.3, 0.5) = 0.8
      [12, 10.4, 11.6], // TR = max(1.6, |12 − 10.2| = 1.8, 0.2) = 1.8 → ATR = (1.5+0.8+1.8)/3 = 41/30
      [11.7, 9.8, 10], // TR = max(1.9, 0.1, 1.8) = 1.9 → ATR = (2·41/30 + 1.9)/3 = 139/90
      [10.1, 8.6, 8.9], // TR = max(1.5, 0.1, 1.4) = 1.5 → ATR = (2·139/90 + 1.5)/3 = 413/270
    ]);
    const expected = [(1e4 * 41) / 30 / 11.6, (1e4 * 139) / 90 / 10, (1e4 * 413) / 270 / 8.9];
    expectClose(seriesOf(cs, { atrPeriod: 3 }).atrBp, expected, 1e-9);
    expectClose(oracleAtrBp(cs, 3), expected, 1e-9);
  });

  it('RSI(3) by hand: 80, 61.54, 77.27', () => {
    // Changes +1, −0.5, +1, −0.5, +1. At candle 3: gain 2/3, loss 1/6, RS 4 → 80. Then gain 4/9,
    // loss 5/18, RS 1.6 → 61.538; then gain 17/27, loss 5/27, RS 3.4 → 77.273 (library: 0.01 steps).
    const rsi = seriesOf(closesOnly([10, 11, 10.5, 11.5, 11, 12]), { rsiPeriod: 3 }).rsi;
    expect(rsi).toEqual([80, 61.54, 77.27]);
  });

  it('RSI(14) on the closes of the StockCharts RSI worksheet, first value by hand', () => {
    // Closes of StockCharts ChartSchool's RSI example. The first 14 changes gain 3.34 and lose 1.40 in
    // all: RS = (3.34/14)/(1.40/14) = 2.3857 → RSI = 100 − 100/3.3857 = 70.46.
    const closes = [
      44.34, 44.09, 44.15, 43.61, 44.33, 44.83, 45.1, 45.42, 45.84, 46.08, 45.89, 46.03, 45.61, 46.28, 46.28,
      46.0, 46.03, 46.41, 46.22, 45.64, 46.21, 46.25, 45.71, 46.45, 45.78, 45.35, 44.03, 44.18, 44.22, 44.57,
      43.42, 42.66, 43.13,
    ];
    const rsi = seriesOf(closesOnly(closes)).rsi;
    expect(rsi).toHaveLength(closes.length - 14);
    expect(rsi[0]).toBe(70.46);
    expectClose(rsi, oracleRsi(closes, 14), 0.005 + 1e-9);
  });

  it('Bollinger width: 0 on a constant series, hand values on small windows', () => {
    expect(seriesOf(closesOnly(Array<number>(25).fill(27_000.5))).bollingerWidthBp).toEqual(Array(6).fill(0));
    // Not exactly representable: the library's running sum may leave ~1e-12 of noise.
    for (const w of seriesOf(closesOnly(Array<number>(40).fill(28_123.37))).bollingerWidthBp)
      expect(Math.abs(w)).toBeLessThan(1e-6);
    // Alternating 99/101: mean 100, σ = 1 → width 4σ/mean = 400 bp.
    const alt = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 99 : 101));
    expectClose(seriesOf(closesOnly(alt)).bollingerWidthBp, [400], 1e-9);
    // {2,4,4,4,5,5,7,9}: mean 5, σ = 2 → 4·2/5 = 1.6 = 16,000 bp.
    expectClose(
      seriesOf(closesOnly([2, 4, 4, 4, 5, 5, 7, 9]), { bollingerPeriod: 8 }).bollingerWidthBp,
      [16_000],
      1e-9,
    );
    // Period 3 over 1, 2, 3, 5: [1,2,3] → σ = √(2/3), width 4σ/2; [2,3,5] → σ = √14/3, width 4σ/(10/3).
    expectClose(
      seriesOf(closesOnly([1, 2, 3, 5]), { bollingerPeriod: 3 }).bollingerWidthBp,
      [1e4 * 2 * Math.sqrt(2 / 3), 1e4 * 0.4 * Math.sqrt(14)],
      1e-9,
    );
  });

  it('quantiles interpolate between order statistics (type 7)', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBeCloseTo(2.5, 12);
    expect(quantileSorted([1, 2, 3, 4], 0.1)).toBeCloseTo(1.3, 12);
    expect(quantileSorted([1, 2, 3, 4], 0.9)).toBeCloseTo(3.7, 12);
    expect(quantileSorted([7], 0.9)).toBe(7);
  });
});

describe('kline regime: the library agrees with the oracles on a random walk', () => {
  const cs = randomWalk(400);
  const closes = cs.map((c) => c.close);

  it('every value, default periods', () => {
    const s = seriesOf(cs);
    expectClose(s.atrBp, oracleAtrBp(cs, 14), 1e-9);
    expectClose(s.rsi, oracleRsi(closes, 14), 0.005 + 1e-9);
    expectClose(s.bollingerWidthBp, oracleWidthBp(closes, 20, 2), 1e-9);
  });

  it('every value, other periods', () => {
    const options = { atrPeriod: 5, rsiPeriod: 9, bollingerPeriod: 10, bollingerStdDevs: 2.5 };
    const s = seriesOf(cs, options);
    expectClose(s.atrBp, oracleAtrBp(cs, 5), 1e-9);
    expectClose(s.rsi, oracleRsi(closes, 9), 0.005 + 1e-9);
    expectClose(s.bollingerWidthBp, oracleWidthBp(closes, 10, 2.5), 1e-9);
    expect(klineRegime(cs, options)).toMatchObject(options);
  });

  it('summaries are the quantiles of the series, with the last candle and the counts', () => {
    const r = klineRegime(cs);
    const atr = oracleAtrBp(cs, 14);
    const sorted = [...atr].sort((a, b) => a - b);
    expect(summaryOf(r, 'atrBp')).toEqual({
      count: 400 - 14,
      lastOpenTimeMs: T0_MS + 399 * MIN,
      last: expect.closeTo(atr[atr.length - 1]!, 9) as number,
      median: expect.closeTo(quantileSorted(sorted, 0.5), 9) as number,
      p10: expect.closeTo(quantileSorted(sorted, 0.1), 9) as number,
      p90: expect.closeTo(quantileSorted(sorted, 0.9), 9) as number,
    });
    expect(summaryOf(r, 'rsi').count).toBe(400 - 14);
    expect(summaryOf(r, 'bollingerWidthBp').count).toBe(400 - 20 + 1);
    // JSON-safe (it travels in the workflow history and the report's jsonb).
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });
});

describe('kline regime: recorded Binance spot BTCUSDT 1m, 2023-03-16 → 2023-05-01', () => {
  it('has plausible figures and the exact counts', async () => {
    const cs: RegimeCandle[] = [];
    for await (const k of readKlines(dataPath('klines/binance-spot_BTCUSDT_1m_20230316-20230501.csv.gz')))
      cs.push({ openTimeMs: k.openTimeMs, high: Number(k.high), low: Number(k.low), close: Number(k.close) });
    const n = cs.length;
    expect(n).toBe(66_087); // shared/data/README.md §2
    const lastMs = cs[n - 1]!.openTimeMs;
    const acc = new KlineRegimeAccumulator();
    for (const c of cs) acc.add(c);
    const r = acc.result();
    const atr = summaryOf(r, 'atrBp');
    const rsi = summaryOf(r, 'rsi');
    const width = summaryOf(r, 'bollingerWidthBp');
    expect([atr.count, rsi.count, width.count]).toEqual([n - 14, n - 14, n - 20 + 1]);
    for (const s of [atr, rsi, width]) {
      expect(s.lastOpenTimeMs).toBe(lastMs);
      expect(s.p10).toBeLessThanOrEqual(s.median);
      expect(s.median).toBeLessThanOrEqual(s.p90);
    }
    for (const v of [rsi.p10, rsi.median, rsi.p90, rsi.last]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(100);
    }
    expect(atr.median).toBeGreaterThan(1);
    expect(atr.median).toBeLessThan(100);
    // RSI sits around 50 over six weeks of a range-bound market; the bands are wider than one ATR.
    expect(rsi.median).toBeGreaterThan(40);
    expect(rsi.median).toBeLessThan(60);
    expect(width.median).toBeGreaterThan(atr.median);
    // Pinned (library 3.1.0): a change here means the library or the definitions changed.
    expect(atr.median).toBeCloseTo(5.2075, 3);
    expect(atr.p10).toBeCloseTo(1.8534, 3);
    expect(atr.p90).toBeCloseTo(14.0507, 3);
    expect(rsi.median).toBe(50.28);
    expect([rsi.p10, rsi.p90]).toEqual([35.82, 64.75]);
    expect(width.median).toBeCloseTo(26.4015, 3);
    // Every value against the oracles (the series is in candle order, ending at the last candle).
    const s = acc.series();
    const closes = cs.map((c) => c.close);
    expectClose(s.atrBp, oracleAtrBp(cs, 14), 1e-9);
    expectClose(s.rsi, oracleRsi(closes, 14), 0.005 + 1e-9);
    expectClose(s.bollingerWidthBp, oracleWidthBp(closes, 20, 2), 1e-6);
    expect(s.rsi.every((v) => v >= 0 && v <= 100)).toBe(true);
  });
});

describe('kline regime: bad input gives reasons, never a throw', () => {
  const good = randomWalk(30);

  it('too few candles for an indicator', () => {
    const r = klineRegime(good.slice(0, 14));
    expect(r.candles).toBe(14);
    expect(r.atrBp).toEqual({ summary: null, reason: 'needs at least 15 candles, got 14' });
    expect(r.rsi).toEqual({ summary: null, reason: 'needs at least 15 candles, got 14' });
    expect(r.bollingerWidthBp).toEqual({ summary: null, reason: 'needs at least 20 candles, got 14' });
    // One more candle: ATR and RSI have their first value, the bands still need 20.
    const r15 = klineRegime(good.slice(0, 15));
    expect(summaryOf(r15, 'atrBp').count).toBe(1);
    expect(summaryOf(r15, 'rsi').count).toBe(1);
    expect(r15.bollingerWidthBp.summary).toBeNull();
    expect(klineRegime([]).atrBp).toEqual({ summary: null, reason: 'needs at least 15 candles, got 0' });
  });

  it.each([
    ['a NaN close', { close: Number.NaN }, 'close is NaN, not a finite price'],
    ['an infinite high', { high: Number.POSITIVE_INFINITY }, 'high is Infinity, not a finite price'],
    ['a zero low', { low: 0 }, 'low is 0, not a positive price'],
    ['high below low', { high: 1, low: 2, close: 1.5 }, 'high 1 is below low 2'],
    ['an open time going back', { openTimeMs: T0_MS }, 'open time does not increase'],
  ])('%s makes every figure null with a reason naming the candle', (_what, patch, reason) => {
    const cs = good.map((c, i) => (i === 22 ? { ...c, ...patch } : c));
    const r = klineRegime(cs);
    expect(r.candles).toBe(30);
    for (const k of ['atrBp', 'rsi', 'bollingerWidthBp'] as const) {
      expect(r[k].summary).toBeNull();
      expect(r[k].reason).toContain(`candle 22 (open time ${cs[22]!.openTimeMs} ms): ${reason}`);
    }
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it('refuses periods out of range (a programming error)', () => {
    expect(() => new KlineRegimeAccumulator({ atrPeriod: 0 })).toThrow(RangeError);
    expect(() => new KlineRegimeAccumulator({ rsiPeriod: 2.5 })).toThrow(RangeError);
    expect(() => new KlineRegimeAccumulator({ bollingerPeriod: 1 })).toThrow(RangeError);
    expect(() => new KlineRegimeAccumulator({ bollingerStdDevs: Number.NaN })).toThrow(RangeError);
    expect(DEFAULT_REGIME_PERIODS).toEqual({
      atrPeriod: 14,
      rsiPeriod: 14,
      bollingerPeriod: 20,
      bollingerStdDevs: 2,
    });
  });
});
