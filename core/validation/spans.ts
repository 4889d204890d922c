/**
 * A fold's windows as replay spans, and the KPIs of several spans as one set.
 *
 * A fold (or the holdout) is a list of data windows. Consecutive windows of one session are one
 * contiguous span and are replayed as one windowed backtest (warm-up before the span, KPIs inside it).
 * Windows of different sessions, or separated by an excluded window, are separate spans: each is its
 * own backtest, and their KPIs are combined by {@link combineSpanKpis}.
 *
 * Pure: no I/O.
 */
import type { Kpis } from '../metrics/kpis.ts';
import { bpOf, PNL_INTERVAL_SEC, ratioOrNull } from '../metrics/kpis.ts';
import type { FoldWindow } from './walk-forward.ts';

/** A contiguous time span of one session, [startUs, endUs), exchange time µs. */
export interface ReplaySpan {
  readonly sessionId: string;
  readonly startUs: number;
  readonly endUs: number;
}

/**
 * Merges time-ordered windows into contiguous spans: a window joins the previous span when it is of
 * the same session and starts exactly where that span ends.
 * @param windows in time order (as a fold holds them).
 */
export function contiguousSpans(windows: readonly FoldWindow[]): ReplaySpan[] {
  const spans: ReplaySpan[] = [];
  for (const w of windows) {
    const last = spans.at(-1);
    if (last !== undefined && last.sessionId === w.sessionId && last.endUs === w.startUs)
      spans[spans.length - 1] = { sessionId: last.sessionId, startUs: last.startUs, endUs: w.endUs };
    else spans.push({ sessionId: w.sessionId, startUs: w.startUs, endUs: w.endUs });
  }
  return spans;
}

/** One replayed span's KPIs and its length. */
export interface SpanKpis {
  readonly kpis: Kpis;
  /** Span length, µs (> 0): the weight of per-time figures. */
  readonly durationUs: number;
}

/** Σ w·x / Σ w over the spans where `pick` is not null; null when none is. */
function weightedMean(
  spans: readonly SpanKpis[],
  pick: (k: Kpis) => number | null,
  weight: (s: SpanKpis) => number,
): number | null {
  let num = 0;
  let den = 0;
  for (const s of spans) {
    const x = pick(s.kpis);
    const w = weight(s);
    if (x === null || !(w > 0)) continue;
    num += w * x;
    den += w;
  }
  return den > 0 ? num / den : null;
}

/**
 * The KPIs of several independently replayed spans as one set (one span: returned as is).
 * - Sums: net PnL, fees, quotes, fills, cancels, events (each span starts flat, so PnL adds up).
 * - Maxima: max drawdown (the worst span's; spans are separate equity curves), max |inventory|.
 * - Last span: final inventory.
 * - Recomputed ratios: fill ratio = Σ fills / Σ quotes, cancel ratio = Σ cancels / Σ quotes.
 * - RMS inventory ratio: √(Σ T·r² / Σ T), T = span duration (the samples are 1 s apart, so T weighs
 *   each span by its sample count).
 * - Spread captured (both): fill-weighted mean (the KPI is a mean over fills).
 * - Sharpe: duration-weighted mean of the spans' annualised ratios, an approximation (the exact ratio
 *   needs the joined equity increments, which the spans do not return).
 * - PnL t-statistic: Σ tᵢ·√nᵢ / √Σ nᵢ with nᵢ the span's minutes (its per-minute increments): exact when
 *   the spans' per-minute PnL has one standard deviation (tᵢ·√nᵢ = nᵢ·meanᵢ/sd), an approximation otherwise.
 * - Trade quality: traded notional, queue and trade-through fills summed; gross, net and fee bp recomputed
 *   from the summed PnL, fees and notional; every other bp figure notional-weighted (Σ Nᵢ·bpᵢ / Σ Nᵢ =
 *   10⁴·Σ quoteᵢ / Σ Nᵢ: the figure of the joined fills, as the quote sums would give).
 * @throws Error when `spans` is empty.
 */
export function combineSpanKpis(spans: readonly SpanKpis[]): Kpis {
  const first = spans[0];
  if (first === undefined) throw new Error('combineSpanKpis: no span');
  if (spans.length === 1) return first.kpis;
  const sum = (pick: (k: Kpis) => number): number => spans.reduce((s, x) => s + pick(x.kpis), 0);
  const max = (pick: (k: Kpis) => number): number => Math.max(...spans.map((x) => pick(x.kpis)));
  const byTime = (s: SpanKpis): number => s.durationUs;
  const byFills = (s: SpanKpis): number => s.kpis.fills;
  const quotes = sum((k) => k.quotes);
  const fills = sum((k) => k.fills);
  const cancels = sum((k) => k.cancels);
  const meanSquare = weightedMean(
    spans,
    (k) => (k.rmsInventoryRatio === null ? null : k.rmsInventoryRatio ** 2),
    byTime,
  );
  const byNotional = (s: SpanKpis): number => s.kpis.tradedNotionalQuote;
  const notional = sum((k) => k.tradedNotionalQuote);
  const net = sum((k) => k.netPnlQuote);
  const fees = sum((k) => k.feesQuote);
  const bp = (pick: (k: Kpis) => number | null): number | null => weightedMean(spans, pick, byNotional);
  return {
    netPnlQuote: net,
    feesQuote: fees,
    sharpe: weightedMean(spans, (k) => k.sharpe, byTime),
    pnlTStat: combinedTStat(spans),
    maxDrawdownQuote: max((k) => k.maxDrawdownQuote),
    rmsInventoryRatio: meanSquare === null ? null : Math.sqrt(meanSquare),
    spreadCapturedPct: weightedMean(spans, (k) => k.spreadCapturedPct, byFills),
    spreadCapturedAtFillPct: weightedMean(spans, (k) => k.spreadCapturedAtFillPct, byFills),
    fillRatio: ratioOrNull(fills, quotes),
    cancelRatio: ratioOrNull(cancels, quotes),
    quotes,
    fills,
    cancels,
    events: sum((k) => k.events),
    finalInventoryLots: spans.at(-1)!.kpis.finalInventoryLots,
    maxAbsInventoryLots: max((k) => k.maxAbsInventoryLots),
    tradedNotionalQuote: notional,
    grossBp: bpOf(net + fees, notional),
    netBp: bpOf(net, notional),
    feesBp: bpOf(fees, notional),
    markout100msBp: bp((k) => k.markout100msBp),
    markout1sBp: bp((k) => k.markout1sBp),
    markout5sBp: bp((k) => k.markout5sBp),
    markout30sBp: bp((k) => k.markout30sBp),
    markout1sMicropriceBp: bp((k) => k.markout1sMicropriceBp),
    spreadBp: bp((k) => k.spreadBp),
    adverse0To1sBp: bp((k) => k.adverse0To1sBp),
    adverse1To30sBp: bp((k) => k.adverse1To30sBp),
    inventoryBp: bp((k) => k.inventoryBp),
    queueFills: sum((k) => k.queueFills),
    tradeThroughFills: sum((k) => k.tradeThroughFills),
  };
}

/** Σ tᵢ·√nᵢ / √Σ nᵢ over the spans with a t-statistic, nᵢ = the span's minutes; null when none has one. */
function combinedTStat(spans: readonly SpanKpis[]): number | null {
  let num = 0;
  let minutes = 0;
  for (const s of spans) {
    const t = s.kpis.pnlTStat;
    const n = s.durationUs / (PNL_INTERVAL_SEC * 1e6);
    if (t === null || !(n > 0)) continue;
    num += t * Math.sqrt(n);
    minutes += n;
  }
  return minutes > 0 ? num / Math.sqrt(minutes) : null;
}
