/**
 * The shapes of a run's trade-quality analysis (issue 15): mark-outs, PnL attribution and the series a
 * report draws. Produced by the backtester (core/backtest/backtester.ts) from the engine's trackers,
 * rendered by `mmflow report`, summarised into flat KPIs (core/metrics/kpis.ts) for studies and the
 * database. Types only.
 *
 * Conventions (docs/adr/0003-fill-model-and-kpis.md, "Mark-outs and attribution"):
 * - s_f = +1 for a bid fill (we bought), −1 for an ask fill (we sold); q_f its size, p_f its price.
 * - mark-out at horizon h: Σ_f s_f·(ref(t_f + h) − p_f)·q_f, quote currency, with ref the mid (or the
 *   microprice) first observed at or after t_f + h; a fill whose horizon passes the end of the run is
 *   marked at the last reference price of the run. Positive: the fills earned; negative: adverse selection.
 *   h = 0 is the first mid at or after the fill: in a replay, the book of the trade event that filled us
 *   (the last mid before that trade moved anything). Tracked online by core/metrics/markout.ts; built by
 *   core/metrics/trade-quality.ts.
 * - bp figures are per traded notional: 10⁴ · Σ (quote currency) / Σ_f p_f·q_f (quote currency), i.e. the
 *   notional-weighted mean per fill; null when nothing traded.
 */

/** Mark-out horizons of the KPIs, ms. */
export const KPI_MARKOUT_HORIZONS_MS = [100, 1_000, 5_000, 30_000] as const;

/** Horizons of the mark-out curve a report draws, ms (0 = at the fill: the spread earned). */
export const CURVE_MARKOUT_HORIZONS_MS = [
  0, 100, 250, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000,
] as const;

/** The mark-out of all fills at one horizon. */
export interface MarkoutPoint {
  /** Horizon h, ms (0 = the reference price at the fill). */
  readonly horizonMs: number;
  /** Σ s·(mid(t+h) − p)·q, quote currency. */
  readonly vsMidQuote: number;
  /** The same in bp of traded notional; null with no fill. */
  readonly vsMidBp: number | null;
  /** Σ s·(microprice(t+h) − p)·q, quote currency (Stoikov 2018 "The micro-price", here the size-weighted mid). */
  readonly vsMicropriceQuote: number;
  /** The same in bp of traded notional; null with no fill. */
  readonly vsMicropriceBp: number | null;
}

/**
 * PnL attribution of a run, quote currency. Exact: spread + adverse0To1s + adverse1To30s + inventory −
 * fees = net PnL marked to the last mid (no residual term).
 *   spread        = Σ s·(mid(t) − p)·q             mid at the fill (the last mid before the fill's trade)
 *   adverse0To1s  = Σ s·(mid(t+1 s) − mid(t))·q    adverse selection within a second (≤ 0 when picked off)
 *   adverse1To30s = Σ s·(mid(t+30 s) − mid(t+1 s))·q
 *   inventory     = Σ s·(mid(end) − mid(t+30 s))·q  drift of the inventory held beyond 30 s
 *   fees          = fees paid (negative = rebates received)
 */
export interface PnlAttribution {
  /** Σ p·q over fills, quote currency. */
  readonly tradedNotionalQuote: number;
  readonly spreadQuote: number;
  readonly adverse0To1sQuote: number;
  readonly adverse1To30sQuote: number;
  readonly inventoryQuote: number;
  /** Fees paid, quote currency (negative = net rebate). */
  readonly feesQuote: number;
  /** spread + adverse0To1s + adverse1To30s + inventory − fees, quote currency. */
  readonly netQuote: number;
  /** Each term in bp of traded notional (fees as paid: positive = cost); null with no fill. */
  readonly bp: {
    readonly spread: number;
    readonly adverse0To1s: number;
    readonly adverse1To30s: number;
    readonly inventory: number;
    readonly fees: number;
    readonly net: number;
  } | null;
}

/** How the fills of a run happened (simulated venue; a live venue does not say). */
export interface FillKinds {
  /** Fills by a trade at our price after the queue ahead of us traded. */
  readonly queueFills: number;
  /** Fills by a trade through our price (the whole level, us included, was consumed). */
  readonly tradeThroughFills: number;
  /** Fills whose kind the venue did not report (live). */
  readonly unknownFills: number;
}

/** One fill as a report draws it. */
export interface ReportFill {
  /** Fill time, Unix epoch ms. */
  readonly timeMs: number;
  readonly side: 'bid' | 'ask';
  /** Fill price, quote currency. */
  readonly price: number;
  /** Fill size, base units. */
  readonly size: number;
  /** Mark-out of this fill at 1 s against the mid, bp of its notional (null while unsettled: never in a finished run). */
  readonly markout1sBp: number | null;
  readonly tradeThrough: boolean | null;
}

/** The series of a run, sampled on the equity grid (1 s of market time). */
export interface RunSeries {
  /** Sample times, Unix epoch ms. */
  readonly timeMs: readonly number[];
  /** Mark-to-mid PnL net of fees, quote currency. */
  readonly equityQuote: readonly number[];
  /** Signed inventory, base units. */
  readonly inventory: readonly number[];
  /** Mid price, quote currency: the last synced mid (null before the book first synced). */
  readonly mid: readonly (number | null)[];
}

/** Everything a report shows beyond the flat KPIs. JSON-safe. */
export interface RunAnalysis {
  readonly markouts: readonly MarkoutPoint[];
  readonly attribution: PnlAttribution;
  readonly fillKinds: FillKinds;
  readonly series: RunSeries;
  readonly fills: readonly ReportFill[];
}
