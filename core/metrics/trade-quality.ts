/**
 * The trade-quality figures of a run (core/metrics/run-analysis.ts shapes) from the engine's mark-out
 * tracker (./markout.ts): the mark-out curve in quote currency and bp, the PnL attribution and the fill
 * kinds. Definitions in run-analysis.ts and docs/adr/0003-fill-model-and-kpis.md ("Mark-outs and
 * attribution"). Pure reads: the tracker is not changed, so a live engine may call these any time.
 */
import { bpOf } from './kpis.ts';
import type { MarkoutCurveTracker } from './markout.ts';
import type { FillKinds, MarkoutPoint, PnlAttribution } from './run-analysis.ts';

/** The quote-currency mark-out of a curve at `horizonUs` against the mid. @throws RangeError if absent. */
function vsMidAt(points: readonly MarkoutPoint[], horizonUs: number): number {
  const p = points.find((m) => m.horizonMs * 1000 === horizonUs);
  if (p === undefined) throw new RangeError(`trade-quality: the tracker has no ${horizonUs} µs horizon`);
  return p.vsMidQuote;
}

/**
 * The mark-out curve at the tracker's horizons (pending fills at the last references).
 * @returns one point per horizon, ascending; bp null with no fill.
 */
export function markoutPoints(tracker: MarkoutCurveTracker): MarkoutPoint[] {
  const notional = tracker.tradedNotionalQuote;
  return tracker.curve().map((c) => ({
    horizonMs: c.horizonUs / 1000,
    vsMidQuote: c.vsMidQuote,
    vsMidBp: bpOf(c.vsMidQuote, notional),
    vsMicropriceQuote: c.vsMicropriceQuote,
    vsMicropriceBp: bpOf(c.vsMicropriceQuote, notional),
  }));
}

/**
 * The PnL attribution of run-analysis.ts: spread = mark-out at 0, adverse0To1s = mark-out(1 s) −
 * mark-out(0), adverse1To30s = mark-out(30 s) − mark-out(1 s), inventory = fills marked to the last mid −
 * mark-out(30 s), fees as paid. The terms telescope, so their sum minus fees is the fills marked to the
 * last mid net of fees: the net PnL of a run that started flat (no residual term).
 * @param points the tracker's curve (`markoutPoints`); must hold 0, 1 s and 30 s.
 * @param feesQuote fees paid, quote currency (negative = rebate).
 * @throws RangeError if a needed horizon is missing.
 */
export function pnlAttribution(
  tracker: MarkoutCurveTracker,
  points: readonly MarkoutPoint[],
  feesQuote: number,
): PnlAttribution {
  const m0 = vsMidAt(points, 0);
  const m1 = vsMidAt(points, 1_000_000);
  const m30 = vsMidAt(points, 30_000_000);
  const end = tracker.toLastMidQuote();
  const t = {
    spreadQuote: m0,
    adverse0To1sQuote: m1 - m0,
    adverse1To30sQuote: m30 - m1,
    inventoryQuote: end - m30,
  };
  const netQuote = t.spreadQuote + t.adverse0To1sQuote + t.adverse1To30sQuote + t.inventoryQuote - feesQuote;
  const n = tracker.tradedNotionalQuote;
  const bp = (q: number): number => (1e4 * q) / n;
  return {
    tradedNotionalQuote: n,
    ...t,
    feesQuote,
    netQuote,
    bp:
      n > 0
        ? {
            spread: bp(t.spreadQuote),
            adverse0To1s: bp(t.adverse0To1sQuote),
            adverse1To30s: bp(t.adverse1To30sQuote),
            inventory: bp(t.inventoryQuote),
            fees: bp(feesQuote),
            net: bp(netQuote),
          }
        : null,
  };
}

/** Fill kinds as the venue reported them (fills without a kind are `unknownFills`). */
export function fillKinds(tracker: MarkoutCurveTracker): FillKinds {
  const queueFills = tracker.queueFills;
  const tradeThroughFills = tracker.tradeThroughFills;
  return { queueFills, tradeThroughFills, unknownFills: tracker.fills - queueFills - tradeThroughFills };
}

/** Everything `computeKpis` (./kpis.ts) needs of trade quality, from the tracker and the fees paid. */
export function tradeQualityOf(
  tracker: MarkoutCurveTracker,
  feesQuote: number,
): { markouts: MarkoutPoint[]; attribution: PnlAttribution; fillKinds: FillKinds } {
  const markouts = markoutPoints(tracker);
  return {
    markouts,
    attribution: pnlAttribution(tracker, markouts, feesQuote),
    fillKinds: fillKinds(tracker),
  };
}
