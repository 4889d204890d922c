/**
 * The vega-lite specs of `mmflow report` (issue 15): pure builders, a run's analysis
 * (core/metrics/run-analysis.ts) in, a spec out. Rendering to SVG is ./svg.ts; the page is ./html.ts.
 *
 * Times are Unix epoch ms drawn on a UTC scale (the report reads the same on every machine); prices and
 * PnL in quote currency, sizes and inventory in base units, mark-outs in bp of traded notional.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { MarkoutPoint, PnlAttribution, ReportFill, RunSeries } from '../../core/metrics/run-analysis.ts';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const WIDTH = 760;
const HEIGHT = 260;

/** Name of the fills layer of {@link fillsSpec}: vega draws its points in `<g class="… fills_marks">`. */
export const FILLS_LAYER = 'fills';

/** Bid and ask colours (green: we bought, red: we sold), used by the price chart and its legend. */
const SIDE_SCALE = { domain: ['bid', 'ask'], range: ['#2ca02c', '#d62728'] };
/** How a fill happened → point shape: trade-throughs stand out as triangles. */
const KIND_SCALE = {
  domain: ['queue', 'trade-through', 'unknown'],
  range: ['circle', 'triangle-up', 'diamond'],
};

/** A UTC time axis over epoch-ms fields. */
const timeX = (field: string) =>
  ({
    field,
    type: 'temporal',
    title: 'time (UTC)',
    scale: { type: 'utc' },
    axis: { format: '%H:%M:%S' },
  }) as const;

/** The equity curve: mark-to-mid PnL net of fees on the 1-s grid, quote currency. */
export function equitySpec(series: RunSeries): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title: 'Equity (mark-to-mid PnL net of fees)',
    width: WIDTH,
    height: HEIGHT,
    data: {
      values: series.timeMs.map((t, i) => ({ timeMs: t, equityQuote: series.equityQuote[i] ?? null })),
    },
    mark: { type: 'line', interpolate: 'linear' },
    encoding: {
      x: timeX('timeMs'),
      y: { field: 'equityQuote', type: 'quantitative', title: 'PnL (quote)' },
    },
  };
}

/** The inventory: signed position on the 1-s grid, base units (held until the next sample). */
export function inventorySpec(series: RunSeries): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title: 'Inventory',
    width: WIDTH,
    height: HEIGHT,
    data: { values: series.timeMs.map((t, i) => ({ timeMs: t, inventory: series.inventory[i] ?? null })) },
    mark: { type: 'line', interpolate: 'step-after', color: '#9467bd' },
    encoding: {
      x: timeX('timeMs'),
      y: { field: 'inventory', type: 'quantitative', title: 'position (base)' },
    },
  };
}

/** A horizon as read on the axis: `0`, `250 ms`, `1 s`, `60 s`. */
export function horizonLabel(horizonMs: number): string {
  if (horizonMs === 0) return '0';
  return horizonMs < 1000 ? `${horizonMs} ms` : `${horizonMs / 1000} s`;
}

/**
 * The mark-out curve: bp of traded notional by horizon, against the mid and the microprice. Points
 * with a null bp (no fill) are left out; the caller shows a note instead of an empty chart.
 */
export function markoutSpec(markouts: readonly MarkoutPoint[]): TopLevelSpec {
  const sorted = [...markouts].sort((a, b) => a.horizonMs - b.horizonMs);
  const values = sorted.flatMap((m) => [
    ...(m.vsMidBp === null ? [] : [{ horizon: horizonLabel(m.horizonMs), reference: 'mid', bp: m.vsMidBp }]),
    ...(m.vsMicropriceBp === null
      ? []
      : [{ horizon: horizonLabel(m.horizonMs), reference: 'microprice', bp: m.vsMicropriceBp }]),
  ]);
  return {
    $schema: SCHEMA,
    title: 'Mark-out by horizon (bp of traded notional; < 0 = adverse selection)',
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    layer: [
      {
        mark: { type: 'line', point: true },
        encoding: {
          x: {
            field: 'horizon',
            type: 'ordinal',
            title: 'horizon after the fill',
            sort: sorted.map((m) => horizonLabel(m.horizonMs)),
            axis: { labelAngle: 0 },
          },
          y: { field: 'bp', type: 'quantitative', title: 'mark-out (bp)' },
          color: {
            field: 'reference',
            type: 'nominal',
            title: 'reference price',
            scale: { domain: ['mid', 'microprice'] },
          },
          // The two curves are often within a hundredth of a bp: the dashed one shows the other under it.
          strokeDash: {
            field: 'reference',
            type: 'nominal',
            title: 'reference price',
            scale: {
              domain: ['mid', 'microprice'],
              range: [
                [1, 0],
                [5, 3],
              ],
            },
          },
        },
      },
      { mark: { type: 'rule', color: '#888', strokeDash: [4, 4] }, encoding: { y: { datum: 0 } } },
    ],
  };
}

/** One bar of the attribution waterfall, quote currency. */
export interface WaterfallBar {
  readonly step: string;
  /** Where the bar starts and ends on the PnL axis; the `net` bar runs from 0. */
  readonly startQuote: number;
  readonly endQuote: number;
  /** endQuote − startQuote for a step; the net PnL for the `net` bar. */
  readonly amountQuote: number;
  readonly kind: 'gain' | 'loss' | 'net';
}

/**
 * The waterfall's bars: spread, adverse 0–1 s, adverse 1–30 s, inventory, fees (as −fees paid), each
 * starting where the previous ended, then the net bar from 0 to `netQuote`. The steps end at the net
 * PnL because the attribution is exact (core/metrics/run-analysis.ts, PnlAttribution).
 */
export function waterfallBars(a: PnlAttribution): WaterfallBar[] {
  const steps: readonly (readonly [string, number])[] = [
    ['spread', a.spreadQuote],
    ['adverse 0–1 s', a.adverse0To1sQuote],
    ['adverse 1–30 s', a.adverse1To30sQuote],
    ['inventory', a.inventoryQuote],
    ['fees', -a.feesQuote],
  ];
  let level = 0;
  const bars: WaterfallBar[] = steps.map(([step, amount]) => {
    const startQuote = level;
    level += amount;
    return { step, startQuote, endQuote: level, amountQuote: amount, kind: amount >= 0 ? 'gain' : 'loss' };
  });
  bars.push({ step: 'net', startQuote: 0, endQuote: a.netQuote, amountQuote: a.netQuote, kind: 'net' });
  return bars;
}

/** The PnL attribution waterfall, quote currency (spread … fees → net). */
export function waterfallSpec(a: PnlAttribution): TopLevelSpec {
  const bars = waterfallBars(a).map((b) => ({
    ...b,
    topQuote: Math.max(b.startQuote, b.endQuote),
    label: b.amountQuote.toFixed(2),
  }));
  const x = {
    field: 'step',
    type: 'ordinal',
    title: null,
    sort: bars.map((b) => b.step),
    axis: { labelAngle: 0 },
  } as const;
  return {
    $schema: SCHEMA,
    title: 'PnL attribution (quote currency)',
    width: WIDTH,
    height: HEIGHT,
    data: { values: bars },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          x,
          y: { field: 'startQuote', type: 'quantitative', title: 'PnL (quote)' },
          y2: { field: 'endQuote' },
          color: {
            field: 'kind',
            type: 'nominal',
            title: null,
            scale: { domain: ['gain', 'loss', 'net'], range: ['#2ca02c', '#d62728', '#1f77b4'] },
          },
        },
      },
      {
        mark: { type: 'text', dy: -6, baseline: 'bottom' },
        encoding: { x, y: { field: 'topQuote', type: 'quantitative' }, text: { field: 'label' } },
      },
      { mark: { type: 'rule', color: '#888' }, encoding: { y: { datum: 0 } } },
    ],
  };
}

/** How a fill happened, as the price chart's shape legend says it. */
export function fillKind(f: ReportFill): 'queue' | 'trade-through' | 'unknown' {
  if (f.tradeThrough === null) return 'unknown';
  return f.tradeThrough ? 'trade-through' : 'queue';
}

/**
 * Fills on the price chart: the mid (1-s grid) as a line, one point per fill at its price and time,
 * coloured by side, sized by size (base units), shaped by kind (trade-through fills as triangles).
 */
export function fillsSpec(series: RunSeries, fills: readonly ReportFill[]): TopLevelSpec {
  const mid = series.timeMs.flatMap((t, i) => {
    const m = series.mid[i];
    return m === null || m === undefined ? [] : [{ timeMs: t, price: m }];
  });
  const points = fills.map((f) => ({
    timeMs: f.timeMs,
    price: f.price,
    side: f.side,
    size: f.size,
    kind: fillKind(f),
    markout1sBp: f.markout1sBp,
  }));
  return {
    $schema: SCHEMA,
    title: 'Fills on the mid price',
    width: WIDTH,
    height: HEIGHT + 80,
    encoding: {
      x: timeX('timeMs'),
      y: { field: 'price', type: 'quantitative', title: 'price (quote)', scale: { zero: false } },
    },
    layer: [
      { data: { values: mid }, mark: { type: 'line', color: '#7f7f7f', strokeWidth: 1 } },
      {
        name: FILLS_LAYER,
        data: { values: points },
        mark: { type: 'point', filled: true, opacity: 0.75 },
        encoding: {
          color: { field: 'side', type: 'nominal', title: 'side', scale: SIDE_SCALE },
          size: {
            field: 'size',
            type: 'quantitative',
            title: 'size (base)',
            scale: { zero: false, range: [20, 240] },
          },
          shape: { field: 'kind', type: 'nominal', title: 'fill', scale: KIND_SCALE },
        },
      },
    ],
  };
}
