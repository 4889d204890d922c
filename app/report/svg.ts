/**
 * Renders the report's charts to SVG in Node: vega-lite `compile` → vega `View` with renderer 'none'
 * → `toSVG()`. No browser, no canvas, no network: the page works offline. vega and vega-lite are
 * loaded on the first render only, so commands that draw nothing never load them.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { RunAnalysis } from '../../core/metrics/run-analysis.ts';
import { equitySpec, fillsSpec, inventorySpec, markoutSpec, waterfallSpec } from './charts.ts';

/** One chart section of the report: the SVG, a note, or both (a note says why a chart is missing). */
export interface ReportChart {
  /** HTML id of the section: letters, digits and dashes. */
  readonly id: string;
  readonly heading: string;
  /** The chart as an SVG document fragment (vega's output: its text is escaped by vega). */
  readonly svg?: string;
  readonly note?: string;
}

/**
 * Renders a vega-lite spec to an SVG string.
 * @throws Error when vega-lite cannot compile the spec.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const NO_FILLS = 'No fills in this run: there is nothing to mark out or attribute.';

/**
 * The five chart sections of a run, in page order: equity, inventory, mark-outs, attribution, fills on
 * the price. A run without fills keeps its equity, inventory and price charts (the mid alone) and gets
 * a note in place of the mark-out curve and the waterfall.
 */
export async function renderReportCharts(analysis: RunAnalysis): Promise<ReportChart[]> {
  const noFills = analysis.fills.length === 0;
  const fk = analysis.fillKinds;
  const kinds = `${fk.queueFills} queue fills, ${fk.tradeThroughFills} trade-throughs (triangles), ${fk.unknownFills} of unknown kind.`;
  return [
    { id: 'equity', heading: 'Equity', svg: await renderSvg(equitySpec(analysis.series)) },
    { id: 'inventory', heading: 'Inventory', svg: await renderSvg(inventorySpec(analysis.series)) },
    noFills
      ? { id: 'markouts', heading: 'Mark-outs', note: NO_FILLS }
      : { id: 'markouts', heading: 'Mark-outs', svg: await renderSvg(markoutSpec(analysis.markouts)) },
    noFills
      ? { id: 'attribution', heading: 'PnL attribution', note: NO_FILLS }
      : {
          id: 'attribution',
          heading: 'PnL attribution',
          svg: await renderSvg(waterfallSpec(analysis.attribution)),
        },
    {
      id: 'fills',
      heading: 'Fills',
      svg: await renderSvg(fillsSpec(analysis.series, analysis.fills)),
      note: noFills ? 'No fills in this run: the chart shows the mid price only.' : kinds,
    },
  ];
}
