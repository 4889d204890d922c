/** Hand-made run analyses for the report tests (no backtest behind them: every figure chosen). */
import type { RunAnalysis } from '../../../core/metrics/run-analysis.ts';

/** 2024-08-09T00:00:00Z, epoch ms. */
export const T0_MS = 1_723_161_600_000;

/**
 * Four fills (2 bids, 2 asks; one trade-through, one of unknown kind) over five 1-s samples. The
 * attribution terms are binary fractions so that their sum is exact: 2.5 − 1.25 − 0.5 + 0.375 −
 * (−0.125) = 1.25.
 */
export const FOUR_FILLS: RunAnalysis = {
  markouts: [
    { horizonMs: 0, vsMidQuote: 0.05, vsMidBp: 2.5, vsMicropriceQuote: 0.04, vsMicropriceBp: 2 },
    { horizonMs: 1_000, vsMidQuote: 0.025, vsMidBp: 1.25, vsMicropriceQuote: 0.02, vsMicropriceBp: 1 },
    { horizonMs: 30_000, vsMidQuote: -0.01, vsMidBp: -0.5, vsMicropriceQuote: -0.012, vsMicropriceBp: -0.6 },
  ],
  attribution: {
    tradedNotionalQuote: 300.01,
    spreadQuote: 2.5,
    adverse0To1sQuote: -1.25,
    adverse1To30sQuote: -0.5,
    inventoryQuote: 0.375,
    feesQuote: -0.125,
    netQuote: 1.25,
    bp: { spread: 83.3, adverse0To1s: -41.7, adverse1To30s: -16.7, inventory: 12.5, fees: -4.2, net: 41.7 },
  },
  fillKinds: { queueFills: 2, tradeThroughFills: 1, unknownFills: 1 },
  series: {
    timeMs: [0, 1, 2, 3, 4].map((i) => T0_MS + i * 1000),
    equityQuote: [0, 0.5, -0.25, 1, 1.25],
    inventory: [0, 0.001, 0.002, 0, -0.001],
    mid: [null, 60_000, 60_001, 60_002.5, 60_001],
  },
  fills: [
    { timeMs: T0_MS + 500, side: 'bid', price: 59_999.5, size: 0.001, markout1sBp: 0.3, tradeThrough: false },
    { timeMs: T0_MS + 1_500, side: 'bid', price: 60_000, size: 0.001, markout1sBp: -1.2, tradeThrough: true },
    { timeMs: T0_MS + 2_600, side: 'ask', price: 60_003, size: 0.002, markout1sBp: 0.8, tradeThrough: false },
    { timeMs: T0_MS + 3_200, side: 'ask', price: 60_002, size: 0.001, markout1sBp: 0.1, tradeThrough: null },
  ],
};

/** A run that never traded: flat equity, no inventory, null bp everywhere. */
export const NO_FILLS: RunAnalysis = {
  markouts: [0, 1_000].map((horizonMs) => ({
    horizonMs,
    vsMidQuote: 0,
    vsMidBp: null,
    vsMicropriceQuote: 0,
    vsMicropriceBp: null,
  })),
  attribution: {
    tradedNotionalQuote: 0,
    spreadQuote: 0,
    adverse0To1sQuote: 0,
    adverse1To30sQuote: 0,
    inventoryQuote: 0,
    feesQuote: 0,
    netQuote: 0,
    bp: null,
  },
  fillKinds: { queueFills: 0, tradeThroughFills: 0, unknownFills: 0 },
  series: {
    timeMs: [T0_MS, T0_MS + 1000, T0_MS + 2000],
    equityQuote: [0, 0, 0],
    inventory: [0, 0, 0],
    mid: [60_000, 60_000.5, 60_001],
  },
  fills: [],
};

/** The marks of the SVG group whose class includes `cls` (vega: `<g class="mark-… role-mark cls">`). */
export function marksIn(svg: string, cls: string): string[] {
  const open = svg.search(new RegExp(`<g class="mark-[a-z]+ role-mark ${cls}"`));
  if (open < 0) return [];
  const end = svg.indexOf('</g>', open);
  return svg.slice(open, end).match(/<path [^>]*role="graphics-symbol"[^>]*>/g) ?? [];
}
