/**
 * The report's chart specs (app/report/charts.ts) and their SVG (app/report/svg.ts) on hand-made
 * analyses: one point per fill, coloured by side and shaped by kind; a waterfall whose steps end at the
 * net PnL; horizons in order; nothing but the mid when no fill.
 */
import { describe, expect, it } from 'vitest';
import {
  FILLS_LAYER,
  fillsSpec,
  horizonLabel,
  markoutSpec,
  waterfallBars,
  waterfallSpec,
} from '../../../app/report/charts.ts';
import { renderReportCharts, renderSvg } from '../../../app/report/svg.ts';
import { FOUR_FILLS, marksIn, NO_FILLS } from './fixtures.ts';

describe('waterfallBars', () => {
  it('chains spread, adverse 0–1 s, adverse 1–30 s, inventory and −fees from 0 to the net PnL', () => {
    const bars = waterfallBars(FOUR_FILLS.attribution);
    expect(bars.map((b) => [b.step, b.startQuote, b.endQuote, b.kind])).toEqual([
      ['spread', 0, 2.5, 'gain'],
      ['adverse 0–1 s', 2.5, 1.25, 'loss'],
      ['adverse 1–30 s', 1.25, 0.75, 'loss'],
      ['inventory', 0.75, 1.125, 'gain'],
      ['fees', 1.125, 1.25, 'gain'], // a rebate of 0.125 adds
      ['net', 0, 1.25, 'net'],
    ]);
    const steps = bars.slice(0, -1).reduce((sum, b) => sum + b.amountQuote, 0);
    expect(steps).toBe(FOUR_FILLS.attribution.netQuote);
    expect(bars.at(-2)?.endQuote).toBe(bars.at(-1)?.endQuote);
  });

  it('draws the six bars, each as one rect, in the SVG', async () => {
    const svg = await renderSvg(waterfallSpec(FOUR_FILLS.attribution));
    expect(marksIn(svg, 'layer_0_marks')).toHaveLength(6);
    for (const label of ['2.50', '-1.25', '-0.50', '0.38', '0.13', '1.25'])
      expect(svg).toContain(`>${label}<`);
  });
});

describe('fillsSpec', () => {
  it('draws one point per fill: bids green, asks red, the trade-through as a triangle', async () => {
    const svg = await renderSvg(fillsSpec(FOUR_FILLS.series, FOUR_FILLS.fills));
    const points = marksIn(svg, `${FILLS_LAYER}_marks`);
    expect(points).toHaveLength(4);
    expect(points.filter((p) => p.includes('fill="#2ca02c"'))).toHaveLength(2);
    expect(points.filter((p) => p.includes('fill="#d62728"'))).toHaveLength(2);
    const throughs = points.filter((p) => p.includes('fill: trade-through'));
    expect(throughs).toHaveLength(1);
    expect(throughs[0]).toMatch(/ d="M0,-[\d.]+L-[\d.]+,[\d.]+L[\d.]+,[\d.]+Z"/); // triangle-up
    expect(throughs[0]).toContain('price (quote): 60000; side: bid');
    expect(points.filter((p) => p.includes('fill: unknown'))).toHaveLength(1);
  });

  it('sizes points by fill size: the 0.002 ask is the largest symbol', async () => {
    const svg = await renderSvg(fillsSpec(FOUR_FILLS.series, FOUR_FILLS.fills));
    const radius = (p: string): number => Number(/d="M([\d.]+),0A/.exec(p)?.[1] ?? Number.NaN);
    const circles = marksIn(svg, `${FILLS_LAYER}_marks`).filter((p) => p.includes('fill: queue'));
    const [small, large] = circles.map(radius);
    expect(large).toBeGreaterThan(small ?? Infinity);
  });

  it('draws the mid alone (samples without a mid left out) when no fill', async () => {
    const spec = fillsSpec(FOUR_FILLS.series, []);
    const layers = 'layer' in spec ? spec.layer : [];
    const mid = layers[0]?.data;
    expect(mid !== undefined && mid !== null && 'values' in mid ? mid.values : undefined).toHaveLength(4);
    const svg = await renderSvg(spec);
    expect(marksIn(svg, `${FILLS_LAYER}_marks`)).toHaveLength(0);
  });
});

describe('markoutSpec', () => {
  it('labels horizons in ms below a second, s above, and keeps them in horizon order', () => {
    expect([0, 100, 250, 1_000, 30_000, 60_000].map(horizonLabel)).toEqual([
      '0',
      '100 ms',
      '250 ms',
      '1 s',
      '30 s',
      '60 s',
    ]);
    const spec = markoutSpec([...FOUR_FILLS.markouts].reverse());
    const data =
      spec.data !== undefined && spec.data !== null && 'values' in spec.data ? spec.data.values : [];
    expect(data).toEqual([
      { horizon: '0', reference: 'mid', bp: 2.5 },
      { horizon: '0', reference: 'microprice', bp: 2 },
      { horizon: '1 s', reference: 'mid', bp: 1.25 },
      { horizon: '1 s', reference: 'microprice', bp: 1 },
      { horizon: '30 s', reference: 'mid', bp: -0.5 },
      { horizon: '30 s', reference: 'microprice', bp: -0.6 },
    ]);
  });

  it('draws one point per horizon and reference', async () => {
    const svg = await renderSvg(markoutSpec(FOUR_FILLS.markouts));
    expect(svg.match(/aria-roledescription="point"/g)).toHaveLength(6);
  });
});

describe('renderReportCharts', () => {
  it('renders the five charts of a run with fills, in page order', async () => {
    const charts = await renderReportCharts(FOUR_FILLS);
    expect(charts.map((c) => c.id)).toEqual(['equity', 'inventory', 'markouts', 'attribution', 'fills']);
    expect(charts.every((c) => c.svg?.startsWith('<svg'))).toBe(true);
    expect(charts.at(-1)?.note).toBe('2 queue fills, 1 trade-throughs (triangles), 1 of unknown kind.');
  });

  it('replaces the mark-out curve and the waterfall by a "no fills" note when nothing traded', async () => {
    const charts = await renderReportCharts(NO_FILLS);
    expect(charts.map((c) => [c.id, c.svg !== undefined])).toEqual([
      ['equity', true],
      ['inventory', true],
      ['markouts', false],
      ['attribution', false],
      ['fills', true],
    ]);
    expect(charts.filter((c) => c.note?.startsWith('No fills'))).toHaveLength(3);
  });

  it('renders a run with no sample at all without failing', async () => {
    const empty = { ...NO_FILLS, series: { timeMs: [], equityQuote: [], inventory: [], mid: [] } };
    const charts = await renderReportCharts(empty);
    expect(charts.filter((c) => c.svg !== undefined)).toHaveLength(3);
  });
});
