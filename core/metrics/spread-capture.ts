/**
 * Spread-capture accounting over our fills (seed 004 §3.7 KPI "Spread capturé (%)", glossary: "the
 * difference between the execution price and the mid-price at the time of quoting"). Definitions in
 * docs/adr/0003-fill-model-and-kpis.md, lot-weighted over fills f:
 *
 *   captured_f      = s_f · (mid_at_quote_f − fill_price_f)          s_f = +1 bid (we bought), −1 ask
 *   half_spread_f   = (ask_f − bid_f) / 2 of the intent that placed the order when it quoted both
 *                     sides; |price_f − mid_at_quote_f| when it quoted only this side
 *   spreadCapturedPct       = 100 · Σ lots_f · captured_f / Σ lots_f · half_spread_f
 *   spreadCapturedAtFillPct = the same with mid_at_fill_f in place of mid_at_quote_f (what was kept
 *                             once the market had moved to our price: adverse selection shows here)
 *
 * All prices in ticks (mids may be x.5). Both percentages are null when there is no fill or the
 * denominator is 0.
 */

/** Running sums for the spread-capture KPIs; no allocation per fill. */
export class SpreadCaptureAccumulator {
  private capturedAtQuoteLotTicks = 0;
  private capturedAtFillLotTicks = 0;
  private halfSpreadLotTicks = 0;

  /**
   * Books one fill.
   * @param side our order's side. @param fillPriceTicks fill price, ticks. @param sizeLots filled lots.
   * @param midAtQuoteTicks mid when the order was decided, ticks. @param quotedHalfSpreadTicks half
   *   spread quoted with it (see module doc), ticks ≥ 0. @param midAtFillTicks mid at the fill, ticks.
   */
  onFill(
    side: 'bid' | 'ask',
    fillPriceTicks: number,
    sizeLots: number,
    midAtQuoteTicks: number,
    quotedHalfSpreadTicks: number,
    midAtFillTicks: number,
  ): void {
    const s = side === 'bid' ? 1 : -1;
    this.capturedAtQuoteLotTicks += sizeLots * s * (midAtQuoteTicks - fillPriceTicks);
    this.capturedAtFillLotTicks += sizeLots * s * (midAtFillTicks - fillPriceTicks);
    this.halfSpreadLotTicks += sizeLots * quotedHalfSpreadTicks;
  }

  /** 100 · Σ lots·captured(mid at quote) / Σ lots·half spread; null if no denominator. */
  spreadCapturedPct(): number | null {
    return pct(this.capturedAtQuoteLotTicks, this.halfSpreadLotTicks);
  }

  /** 100 · Σ lots·captured(mid at fill) / Σ lots·half spread; null if no denominator. */
  spreadCapturedAtFillPct(): number | null {
    return pct(this.capturedAtFillLotTicks, this.halfSpreadLotTicks);
  }
}

function pct(num: number, den: number): number | null {
  if (!(den > 0)) return null;
  const v = (100 * num) / den;
  return Number.isFinite(v) ? v : null;
}
