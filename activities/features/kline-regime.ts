/**
 * Kline regime features: the volatility and trend regime of a stored candle series, summarised for the
 * data-quality report of a klines dataset (activities/validate-market-data.ts), so a desk sees what kind
 * of market it trains and backtests on next to the quality figures. Batch features over stored candles,
 * computed with the `technicalindicators` package (docs/adr/0009-kline-regime-features.md); the quoting
 * hot path keeps its own streaming signals in core/signals.
 *
 * Indicators (Wilder, "New Concepts in Technical Trading Systems", 1978; Bollinger, "Bollinger on
 * Bollinger Bands", 2001), as the library defines them:
 * - ATR(n): true range TR_t = max(H_t − L_t, |H_t − C_{t−1}|, |L_t − C_{t−1}|) needs the previous
 *   close, so the first candle has none; ATR at candle n = mean(TR_1..TR_n), then
 *   ATR_t = (ATR_{t−1}·(n − 1) + TR_t) / n. Reported in bp of the same candle's close:
 *   1e4 · ATR_t / C_t. Values: candles − n.
 * - RSI(n): gains/losses of close-to-close changes, averaged as the ATR (simple mean of the first n,
 *   then Wilder's recurrence); RSI = 100 − 100/(1 + avgGain/avgLoss), 100 when avgLoss = 0 (also on a
 *   flat window), 0 when avgGain = 0. Points in [0, 100], rounded to 0.01 by the library.
 *   Values: candles − n.
 * - Bollinger band width (n, k): middle = SMA_n(close), σ = population standard deviation of the last n
 *   closes, upper/lower = middle ± k·σ; width = 1e4 · (upper − lower) / middle, in bp (= 2k·σ/middle).
 *   Values: candles − n + 1.
 *
 * Candles are taken as consecutive whatever their open times: an exchange outage (a gap the report
 * counts) is not bridged, so the first true range after it includes the move over the outage.
 *
 * Bad input never throws: a non-finite or non-positive price, high below low or open times that do not
 * increase make every figure null with a reason naming the candle; too few candles for an indicator
 * make that indicator null with a reason. Memory: the per-indicator value series (8 bytes per candle
 * each) are kept for the quantiles; the candles themselves are not, so a caller can feed pages.
 */
import { ATR, BollingerBands, RSI } from 'technicalindicators';

/** One candle as the features read it (open and volume are not used). */
export interface RegimeCandle {
  /** Candle open time, Unix epoch ms. */
  readonly openTimeMs: number;
  /** Prices in quote currency as floats (features only; the exact decimals stay in the database). */
  readonly high: number;
  readonly low: number;
  readonly close: number;
}

/** Periods of the indicators; every field optional (defaults in {@link DEFAULT_REGIME_PERIODS}). */
export interface KlineRegimeOptions {
  /** ATR period, candles; integer ≥ 1. */
  readonly atrPeriod?: number;
  /** RSI period, candles; integer ≥ 1. */
  readonly rsiPeriod?: number;
  /** Bollinger moving-average and σ window, candles; integer ≥ 2. */
  readonly bollingerPeriod?: number;
  /** Bollinger band half-width in population standard deviations; finite, > 0. */
  readonly bollingerStdDevs?: number;
}

/** Wilder's 14 for ATR and RSI; Bollinger's 20 candles and 2σ. */
export const DEFAULT_REGIME_PERIODS: Required<KlineRegimeOptions> = {
  atrPeriod: 14,
  rsiPeriod: 14,
  bollingerPeriod: 20,
  bollingerStdDevs: 2,
};

/**
 * Summary of one indicator's series. Quantiles interpolate linearly between order statistics
 * (Hyndman & Fan 1996 type 7, the default of R and NumPy). Unit: the indicator's (bp or RSI points).
 */
export interface RegimeSummary {
  /** Values in the series (see the module doc for each indicator's count). */
  readonly count: number;
  /** Open time of the candle the last value belongs to, Unix epoch ms. */
  readonly lastOpenTimeMs: number;
  readonly last: number;
  readonly median: number;
  readonly p10: number;
  readonly p90: number;
}

/** An indicator's summary, or null with the reason it could not be computed. */
export type RegimeFigure =
  | { readonly summary: RegimeSummary; readonly reason: null }
  | { readonly summary: null; readonly reason: string };

/** The regime of one candle series: small (summaries only), JSON-safe (every number finite). */
export interface KlineRegime {
  /** Candles given, valid or not. */
  readonly candles: number;
  /** Periods used. */
  readonly atrPeriod: number;
  readonly rsiPeriod: number;
  readonly bollingerPeriod: number;
  readonly bollingerStdDevs: number;
  /** ATR(atrPeriod), Wilder, in bp of close. */
  readonly atrBp: RegimeFigure;
  /** RSI(rsiPeriod), Wilder, points in [0, 100]. */
  readonly rsi: RegimeFigure;
  /** Bollinger band width (upper − lower)/middle, in bp. */
  readonly bollingerWidthBp: RegimeFigure;
}

/** Full value series, in candle order; value i of a series of count c belongs to candle `candles − c + i`. */
export interface RegimeSeries {
  readonly candles: number;
  readonly atrBp: readonly number[];
  readonly rsi: readonly number[];
  readonly bollingerWidthBp: readonly number[];
}

const BP = 1e4;

/**
 * Computes the regime features candle by candle (the library's `nextValue`), so candles can be fed in
 * pages without being held. Not thread-shared; one instance per series.
 */
export class KlineRegimeAccumulator {
  private readonly periods: Required<KlineRegimeOptions>;
  private readonly atr: ATR;
  private readonly rsi: RSI;
  private readonly bands: BollingerBands;
  private readonly atrBp: number[] = [];
  private readonly rsiValues: number[] = [];
  private readonly widthBp: number[] = [];
  private candles = 0;
  private lastOpenTimeMs = Number.NEGATIVE_INFINITY;
  /** Why the series is unusable (first bad candle); null while every candle was valid. */
  private invalid: string | null = null;

  /** @throws RangeError for a period that is not an integer in range (a programming error, not data). */
  constructor(options: KlineRegimeOptions = {}) {
    const p = { ...DEFAULT_REGIME_PERIODS, ...options };
    checkPeriod('atrPeriod', p.atrPeriod, 1);
    checkPeriod('rsiPeriod', p.rsiPeriod, 1);
    checkPeriod('bollingerPeriod', p.bollingerPeriod, 2);
    if (!(Number.isFinite(p.bollingerStdDevs) && p.bollingerStdDevs > 0))
      throw new RangeError(`bollingerStdDevs must be finite and > 0, got ${p.bollingerStdDevs}`);
    this.periods = p;
    // Identity `format` on the outer indicators, so the library's global `precision` (setConfig) does not
    // round their outputs; the inner true range and gain/loss averages still read it, and mmflow never
    // sets it (docs/adr/0009-kline-regime-features.md).
    const format = (v: number): number => v;
    this.atr = new ATR({ period: p.atrPeriod, high: [], low: [], close: [], format });
    this.rsi = new RSI({ period: p.rsiPeriod, values: [], format });
    this.bands = new BollingerBands({
      period: p.bollingerPeriod,
      stdDev: p.bollingerStdDevs,
      values: [],
      format,
    });
  }

  /** Feeds the next candle (open times must increase). A bad candle stops the series, with a reason. */
  add(candle: RegimeCandle): void {
    this.candles += 1;
    if (this.invalid !== null) return;
    const problem = candleProblem(candle, this.lastOpenTimeMs);
    if (problem !== null) {
      this.invalid = `candle ${this.candles - 1} (open time ${candle.openTimeMs} ms): ${problem}`;
      return;
    }
    this.lastOpenTimeMs = candle.openTimeMs;
    const { high, low, close } = candle;
    const atr = this.atr.nextValue({ high, low, close });
    if (atr !== undefined) this.record(this.atrBp, (BP * atr) / close, 'ATR', candle);
    const rsi = this.rsi.nextValue(close);
    if (rsi !== undefined) this.record(this.rsiValues, rsi, 'RSI', candle);
    const bands = this.bands.nextValue(close);
    if (bands !== undefined)
      this.record(this.widthBp, (BP * (bands.upper - bands.lower)) / bands.middle, 'Bollinger width', candle);
  }

  /** The value series so far (they stop at the first bad candle). */
  series(): RegimeSeries {
    return {
      candles: this.candles,
      atrBp: this.atrBp,
      rsi: this.rsiValues,
      bollingerWidthBp: this.widthBp,
    };
  }

  /** The summaries of the candles fed so far. */
  result(): KlineRegime {
    const p = this.periods;
    const figure = (values: readonly number[], minCandles: number): RegimeFigure => {
      if (this.invalid !== null) return { summary: null, reason: this.invalid };
      if (values.length === 0)
        return {
          summary: null,
          reason: `needs at least ${minCandles} candles, got ${this.candles}`,
        };
      return { summary: summarize(values, this.lastOpenTimeMs), reason: null };
    };
    return {
      candles: this.candles,
      ...p,
      atrBp: figure(this.atrBp, p.atrPeriod + 1),
      rsi: figure(this.rsiValues, p.rsiPeriod + 1),
      bollingerWidthBp: figure(this.widthBp, p.bollingerPeriod),
    };
  }

  private record(values: number[], value: number, what: string, candle: RegimeCandle): void {
    if (Number.isFinite(value)) values.push(value);
    else this.invalid = `candle ${this.candles - 1} (open time ${candle.openTimeMs} ms): ${what} is ${value}`;
  }
}

/** The regime of a whole candle series (see {@link KlineRegimeAccumulator}). */
export function klineRegime(candles: Iterable<RegimeCandle>, options: KlineRegimeOptions = {}): KlineRegime {
  const acc = new KlineRegimeAccumulator(options);
  for (const c of candles) acc.add(c);
  return acc.result();
}

/**
 * Quantile q ∈ [0, 1] of ascending `sorted` (non-empty), linear between order statistics (type 7):
 * h = (n − 1)·q, x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋ + 1] − x[⌊h⌋]).
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const a = sorted[lo] ?? Number.NaN;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)] ?? Number.NaN;
  return a + (h - lo) * (b - a);
}

function summarize(values: readonly number[], lastOpenTimeMs: number): RegimeSummary {
  const sorted = Float64Array.from(values).sort();
  return {
    count: values.length,
    lastOpenTimeMs,
    last: values[values.length - 1] ?? Number.NaN,
    median: quantileSorted(sorted, 0.5),
    p10: quantileSorted(sorted, 0.1),
    p90: quantileSorted(sorted, 0.9),
  };
}

function candleProblem(c: RegimeCandle, previousOpenTimeMs: number): string | null {
  if (!Number.isSafeInteger(c.openTimeMs)) return 'open time is not an integer ms';
  if (c.openTimeMs <= previousOpenTimeMs)
    return `open time does not increase (previous ${previousOpenTimeMs} ms)`;
  for (const field of ['high', 'low', 'close'] as const) {
    const v = c[field];
    if (!Number.isFinite(v)) return `${field} is ${v}, not a finite price`;
    if (v <= 0) return `${field} is ${v}, not a positive price`;
  }
  if (c.high < c.low) return `high ${c.high} is below low ${c.low}`;
  return null;
}

function checkPeriod(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min)
    throw new RangeError(`${name} must be an integer ≥ ${min}, got ${value}`);
}
