/**
 * Backtest and live-session KPIs (seed 004 §3.7; formulas and conventions in
 * docs/adr/0003-fill-model-and-kpis.md). Every value is finite: a KPI with no defined value is `null`
 * (never NaN or ±Infinity, which JSON cannot carry); counts and PnL figures are plain numbers.
 */

/** Seconds in a year of continuous trading: crypto trades 24/7/365, so √(365·24·3600) annualises 1-s increments. */
export const SECONDS_PER_YEAR = 365 * 24 * 3600;

/** The KPI set of one run. Units in names; `null` = undefined for this run (reason in each doc). */
export interface Kpis {
  /** Mark-to-mid PnL net of fees at the end, quote currency: cash + inventory·mid − fees. */
  readonly netPnlQuote: number;
  /** Fees paid, quote currency (negative = net rebate). */
  readonly feesQuote: number;
  /**
   * Annualised Sharpe ratio of 1-s equity increments: mean/std(sample, n−1) · √(365·24·3600).
   * null with fewer than 2 increments or zero standard deviation.
   */
  readonly sharpe: number | null;
  /** Largest peak-to-trough fall of the sampled equity (plus the final value), quote currency, ≥ 0. */
  readonly maxDrawdownQuote: number;
  /** √(mean((q/q_max)²)) over the 1-s inventory samples; null with no sample. */
  readonly rmsInventoryRatio: number | null;
  /** Spread captured vs mid at quote time, % of quoted half spread; null with no fill. */
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
}

/**
 * Annualised Sharpe ratio of the increments of an equity series sampled every `intervalSec` seconds:
 * Δ_i = E_i − E_{i−1}; mean(Δ) / sd(Δ) · √(SECONDS_PER_YEAR / intervalSec), sd with n−1 (Bessel).
 * Risk-free rate 0 (a few minutes of market making). Returns null with < 2 increments or sd = 0.
 * Source: Sharpe (1994), "The Sharpe Ratio", J. Portfolio Management 21(1), ex-post ratio; annualised
 * by √(periods per year) (Lo 2002, "The Statistics of Sharpe Ratios", i.i.d. case).
 */
export function annualisedSharpe(equity: readonly number[], intervalSec = 1): number | null {
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
  if (!(sd > 0)) return null;
  const v = (mean / sd) * Math.sqrt(SECONDS_PER_YEAR / intervalSec);
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

/** Everything `computeKpis` needs: end state, counters, sampled series and spread-capture figures. */
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
}

/**
 * Computes the KPI set. Drawdown is taken over the samples plus the final net PnL (so a loss in the
 * last partial second counts). Pure; deterministic.
 */
export function computeKpis(i: KpiInputs): Kpis {
  return {
    netPnlQuote: i.netPnlQuote,
    feesQuote: i.feesQuote,
    sharpe: annualisedSharpe(i.equitySamples, i.sampleIntervalSec),
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
  };
}
