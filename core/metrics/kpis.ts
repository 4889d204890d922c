/**
 * Backtest and live-session KPIs (seed 004 §3.7; formulas and conventions in
 * docs/adr/0003-fill-model-and-kpis.md). Every value is finite: a KPI with no defined value is `null`
 * (never NaN or ±Infinity, which JSON cannot carry); counts and PnL figures are plain numbers.
 */

import type { FillKinds, MarkoutPoint, PnlAttribution } from './run-analysis.ts';

/** Seconds in a year of continuous trading (crypto trades 24/7/365). */
export const SECONDS_PER_YEAR = 365 * 24 * 3600;

/** The PnL series of the Sharpe ratio and t-statistic: equity increments over this many seconds. */
export const PNL_INTERVAL_SEC = 60;

/** Shortest run with a Sharpe ratio, seconds: annualising a shorter sample says nothing (Lo 2002). */
export const MIN_SHARPE_RUN_SEC = 24 * 3600;

/** The KPI set of one run. Units in names; `null` = undefined for this run (reason in each doc). */
export interface Kpis {
  /** Mark-to-mid PnL net of fees at the end, quote currency: cash + inventory·mid − fees. */
  readonly netPnlQuote: number;
  /** Fees paid, quote currency (negative = net rebate). */
  readonly feesQuote: number;
  /**
   * Annualised Sharpe ratio of per-minute PnL (equity increments on a 60-s grid of the 1-s samples):
   * mean/sd(n−1) · √(minutes per year). null for a run shorter than one day (Lo 2002: the annualised
   * ratio of a few minutes is noise), with fewer than 2 increments, or sd 0.
   */
  readonly sharpe: number | null;
  /**
   * t-statistic of per-minute PnL, unannualised: mean/sd(n−1) · √n over the n per-minute increments
   * (Lo 2002, "The Statistics of Sharpe Ratios", i.i.d. case: SR·√n). null with < 2 increments or sd 0.
   */
  readonly pnlTStat: number | null;
  /** Largest peak-to-trough fall of the sampled equity (plus the final value), quote currency, ≥ 0. */
  readonly maxDrawdownQuote: number;
  /** √(mean((q/q_max)²)) over the 1-s inventory samples; null with no sample. */
  readonly rmsInventoryRatio: number | null;
  /**
   * Spread captured vs mid at quote time, % of quoted half spread; null with no fill. Secondary: any
   * symmetric quoter reads ≈ 100 % (it is filled at its own price); the mark-outs below say what the fills
   * were worth.
   */
  readonly spreadCapturedPct: number | null;
  /** Spread captured vs mid at fill time, % of quoted half spread; null with no fill. */
  readonly spreadCapturedAtFillPct: number | null;
  /** fills / quotes placed (fills = fill reports, partial fills each count); null if no quote. */
  readonly fillRatio: number | null;
  /** quotes cancelled (cancel took effect) / quotes placed; null if no quote. */
  readonly cancelRatio: number | null;
  /** Place requests sent. */
  readonly quotes: number;
  /** Fill reports received. */
  readonly fills: number;
  /** Cancels that took effect. */
  readonly cancels: number;
  /** Market events processed. */
  readonly events: number;
  /** Signed position at the end, lots. */
  readonly finalInventoryLots: number;
  /** Largest |position| reached, lots. */
  readonly maxAbsInventoryLots: number;
  // Trade quality (core/metrics/run-analysis.ts; docs/adr/0003, "Mark-outs and attribution"). bp figures
  // are 10⁴ · (quote-currency sum) / tradedNotionalQuote, null with no fill.
  /** Σ price·size over fills, quote currency. */
  readonly tradedNotionalQuote: number;
  /** Mark-to-mid PnL before fees, bp of traded notional (= spread + adverse + inventory terms). */
  readonly grossBp: number | null;
  /** Net PnL (after fees), bp of traded notional. */
  readonly netBp: number | null;
  /** Fees paid, bp of traded notional (negative = net rebate). */
  readonly feesBp: number | null;
  /** Mark-out vs the mid 100 ms after each fill, bp. */
  readonly markout100msBp: number | null;
  /** Mark-out vs the mid 1 s after each fill, bp. */
  readonly markout1sBp: number | null;
  /** Mark-out vs the mid 5 s after each fill, bp. */
  readonly markout5sBp: number | null;
  /** Mark-out vs the mid 30 s after each fill, bp. */
  readonly markout30sBp: number | null;
  /** Mark-out vs the microprice 1 s after each fill, bp. */
  readonly markout1sMicropriceBp: number | null;
  /** Attribution: spread earned vs the mid at the fill, bp. */
  readonly spreadBp: number | null;
  /** Attribution: mid move over the first second after the fills, bp. */
  readonly adverse0To1sBp: number | null;
  /** Attribution: mid move from 1 s to 30 s after the fills, bp. */
  readonly adverse1To30sBp: number | null;
  /** Attribution: mid move from 30 s after each fill to the end of the run, bp. */
  readonly inventoryBp: number | null;
  /** Fills by a trade at our price after the queue ahead traded (simulated venue; 0 live). */
  readonly queueFills: number;
  /** Fills by a trade through our price (simulated venue; 0 live). */
  readonly tradeThroughFills: number;
}

/**
 * The trade-quality KPIs (and the t-statistic) of a run with no fill and no PnL series: bp figures
 * undefined, counts 0. For KPI sets built without a replay (an evaluation that failed before measuring,
 * hand-built fixtures).
 */
export const UNTRADED_QUALITY_KPIS = Object.freeze({
  pnlTStat: null,
  tradedNotionalQuote: 0,
  grossBp: null,
  netBp: null,
  feesBp: null,
  markout100msBp: null,
  markout1sBp: null,
  markout5sBp: null,
  markout30sBp: null,
  markout1sMicropriceBp: null,
  spreadBp: null,
  adverse0To1sBp: null,
  adverse1To30sBp: null,
  inventoryBp: null,
  queueFills: 0,
  tradeThroughFills: 0,
} as const satisfies Partial<Kpis>);

/**
 * The equity on a coarser grid: every `everySamples`-th sample of `equity` (from the first), i.e. the
 * per-minute equity of 1-s samples with `everySamples` = 60. A trailing partial interval is dropped.
 * @throws RangeError unless `everySamples` is an integer ≥ 1.
 */
export function resample(equity: readonly number[], everySamples: number): number[] {
  if (!Number.isSafeInteger(everySamples) || everySamples < 1) {
    throw new RangeError(`resample: everySamples must be an integer >= 1, got ${everySamples}`);
  }
  const out: number[] = [];
  for (let i = 0; i < equity.length; i += everySamples) out.push(equity[i]!);
  return out;
}

/** mean, sd (n − 1) and count of the increments E_i − E_{i−1}; null with < 2 increments or sd = 0. */
function incrementStats(equity: readonly number[]): { mean: number; sd: number; n: number } | null {
  const n = equity.length - 1;
  if (n < 2) return null;
  let sum = 0;
  for (let i = 1; i <= n; i++) sum += equity[i]! - equity[i - 1]!;
  const mean = sum / n;
  let ss = 0;
  for (let i = 1; i <= n; i++) {
    const d = equity[i]! - equity[i - 1]! - mean;
    ss += d * d;
  }
  const sd = Math.sqrt(ss / (n - 1));
  return sd > 0 && Number.isFinite(mean / sd) ? { mean, sd, n } : null;
}

/**
 * Annualised Sharpe ratio of the increments of an equity series sampled every `intervalSec` seconds:
 * Δ_i = E_i − E_{i−1}; mean(Δ) / sd(Δ) · √(SECONDS_PER_YEAR / intervalSec), sd with n−1 (Bessel).
 * Risk-free rate 0. Returns null with < 2 increments or sd = 0. Source: Sharpe (1994), "The Sharpe
 * Ratio", J. Portfolio Management 21(1), ex-post ratio; annualised by √(periods per year) (Lo 2002,
 * "The Statistics of Sharpe Ratios", Financial Analysts Journal 58(4), i.i.d. case).
 */
export function annualisedSharpe(equity: readonly number[], intervalSec = 1): number | null {
  const st = incrementStats(equity);
  if (st === null) return null;
  const v = (st.mean / st.sd) * Math.sqrt(SECONDS_PER_YEAR / intervalSec);
  return Number.isFinite(v) ? v : null;
}

/**
 * t-statistic of the mean increment of an equity series: mean(Δ) / sd(Δ) · √n, sd with n − 1, n the
 * number of increments (Lo 2002 §"i.i.d. returns": the estimated Sharpe ratio times √n, unannualised).
 * null with < 2 increments or sd = 0.
 */
export function incrementTStat(equity: readonly number[]): number | null {
  const st = incrementStats(equity);
  if (st === null) return null;
  const v = (st.mean / st.sd) * Math.sqrt(st.n);
  return Number.isFinite(v) ? v : null;
}

/** max over t of (max_{s≤t} E_s − E_t), quote currency; 0 for an empty or never-falling series. */
export function maxDrawdown(equity: readonly number[]): number {
  let peak = -Infinity;
  let worst = 0;
  for (const e of equity) {
    if (e > peak) peak = e;
    else if (peak - e > worst) worst = peak - e;
  }
  return worst;
}

/** √(mean((q_i / qMax)²)); null if `inventoryLots` is empty or qMax ≤ 0. */
export function rmsInventoryRatio(inventoryLots: readonly number[], maxInventoryLots: number): number | null {
  if (inventoryLots.length === 0 || !(maxInventoryLots > 0)) return null;
  let ss = 0;
  for (const q of inventoryLots) {
    const r = q / maxInventoryLots;
    ss += r * r;
  }
  return Math.sqrt(ss / inventoryLots.length);
}

/** `num / den`, or null when den is 0 (a ratio with nothing to count). */
export function ratioOrNull(num: number, den: number): number | null {
  return den > 0 ? num / den : null;
}

/** The trade-quality figures of a run in quote currency (./trade-quality.ts builds them from the engine). */
export interface TradeQualityInputs {
  /** The mark-out curve; must hold the KPI_MARKOUT_HORIZONS_MS horizons. */
  readonly markouts: readonly MarkoutPoint[];
  readonly attribution: PnlAttribution;
  readonly fillKinds: FillKinds;
}

/** Everything `computeKpis` needs: end state, counters, sampled series, spread-capture and trade-quality figures. */
export interface KpiInputs {
  readonly netPnlQuote: number;
  readonly feesQuote: number;
  /** Equity samples (quote currency) on a grid of `sampleIntervalSec`, oldest first. */
  readonly equitySamples: readonly number[];
  /** Inventory samples (lots) on the same grid. */
  readonly inventorySamples: readonly number[];
  readonly sampleIntervalSec: number;
  /** q_max of the RMS ratio, lots. */
  readonly maxInventoryLots: number;
  readonly spreadCapturedPct: number | null;
  readonly spreadCapturedAtFillPct: number | null;
  readonly quotes: number;
  readonly fills: number;
  readonly cancels: number;
  readonly events: number;
  readonly finalInventoryLots: number;
  readonly maxAbsInventoryLots: number;
  readonly tradeQuality: TradeQualityInputs;
}

/** 10⁴ · quote / notional: bp of traded notional; null when nothing traded. */
export function bpOf(quote: number, notionalQuote: number): number | null {
  if (!(notionalQuote > 0)) return null;
  const v = (1e4 * quote) / notionalQuote;
  return Number.isFinite(v) ? v : null;
}

/**
 * Computes the KPI set. Drawdown is taken over the samples plus the final net PnL (so a loss in the
 * last partial second counts). The PnL series of `sharpe` and `pnlTStat` is every
 * (60 s / sampleIntervalSec)-th equity sample (rounded, at least every sample). Pure; deterministic.
 * @throws RangeError if the mark-out curve lacks a KPI horizon (KPI_MARKOUT_HORIZONS_MS).
 */
export function computeKpis(i: KpiInputs): Kpis {
  const step = Math.max(1, Math.round(PNL_INTERVAL_SEC / i.sampleIntervalSec));
  const perInterval = resample(i.equitySamples, step);
  const runSec = Math.max(0, i.equitySamples.length - 1) * i.sampleIntervalSec;
  const tq = i.tradeQuality;
  const a = tq.attribution;
  const n = a.tradedNotionalQuote;
  const at = (horizonMs: number): MarkoutPoint => {
    const p = tq.markouts.find((m) => m.horizonMs === horizonMs);
    if (p === undefined) throw new RangeError(`computeKpis: no mark-out at ${horizonMs} ms`);
    return p;
  };
  return {
    netPnlQuote: i.netPnlQuote,
    feesQuote: i.feesQuote,
    sharpe: runSec >= MIN_SHARPE_RUN_SEC ? annualisedSharpe(perInterval, step * i.sampleIntervalSec) : null,
    pnlTStat: incrementTStat(perInterval),
    maxDrawdownQuote: maxDrawdown([...i.equitySamples, i.netPnlQuote]),
    rmsInventoryRatio: rmsInventoryRatio(i.inventorySamples, i.maxInventoryLots),
    spreadCapturedPct: i.spreadCapturedPct,
    spreadCapturedAtFillPct: i.spreadCapturedAtFillPct,
    fillRatio: ratioOrNull(i.fills, i.quotes),
    cancelRatio: ratioOrNull(i.cancels, i.quotes),
    quotes: i.quotes,
    fills: i.fills,
    cancels: i.cancels,
    events: i.events,
    finalInventoryLots: i.finalInventoryLots,
    maxAbsInventoryLots: i.maxAbsInventoryLots,
    tradedNotionalQuote: n,
    grossBp: bpOf(i.netPnlQuote + i.feesQuote, n),
    netBp: bpOf(i.netPnlQuote, n),
    feesBp: bpOf(i.feesQuote, n),
    markout100msBp: bpOf(at(100).vsMidQuote, n),
    markout1sBp: bpOf(at(1_000).vsMidQuote, n),
    markout5sBp: bpOf(at(5_000).vsMidQuote, n),
    markout30sBp: bpOf(at(30_000).vsMidQuote, n),
    markout1sMicropriceBp: bpOf(at(1_000).vsMicropriceQuote, n),
    spreadBp: bpOf(a.spreadQuote, n),
    adverse0To1sBp: bpOf(a.adverse0To1sQuote, n),
    adverse1To30sBp: bpOf(a.adverse1To30sQuote, n),
    inventoryBp: bpOf(a.inventoryQuote, n),
    queueFills: tq.fillKinds.queueFills,
    tradeThroughFills: tq.fillKinds.tradeThroughFills,
  };
}
