/**
 * The plot of `mmflow study show --plot FILE`: a self-contained HTML page with two charts rendered to
 * inline SVG in Node (vega-lite spec → vega → `View.toSVG()`; no browser, no CDN):
 *  1. optimisation history: each trial's value (colour = state) and the best-so-far line (Optuna's
 *     `plot_optimization_history`: best over complete, feasible trials, in trial order);
 *  2. parameter importances (PED-ANOVA, core/validation/param-importance.ts), as horizontal bars.
 * vega and vega-lite are loaded only when a chart is rendered (`renderSvg`, app/report/svg.ts), so `mmflow` commands that
 * do not plot never load them.
 */
import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from '../app/report/svg.ts';
import { escapeHtml } from '../app/report/html.ts';
import type { ParamImportance } from '../core/validation/param-importance.ts';

/** A trial as plotted. */
export interface PlotTrial {
  readonly number: number;
  readonly state: string;
  /** Final value (complete and infeasible trials); null otherwise. */
  readonly value: number | null;
}

/** Best-so-far over complete trials in trial order (null before the first). */
export function bestSoFar(
  trials: readonly PlotTrial[],
  direction: 'minimize' | 'maximize',
): (number | null)[] {
  let best: number | null = null;
  return [...trials]
    .sort((a, b) => a.number - b.number)
    .map((t) => {
      if (t.state === 'complete' && t.value !== null)
        if (best === null || (direction === 'maximize' ? t.value > best : t.value < best)) best = t.value;
      return best;
    });
}

/** The vega-lite spec of the optimisation history. */
export function historySpec(
  trials: readonly PlotTrial[],
  direction: 'minimize' | 'maximize',
  metric: string,
): TopLevelSpec {
  const sorted = [...trials].sort((a, b) => a.number - b.number);
  const best = bestSoFar(sorted, direction);
  const points = sorted
    .filter((t) => t.value !== null)
    .map((t) => ({ trial: t.number, value: t.value, state: t.state }));
  const line = sorted.flatMap((t, i) => (best[i] === null ? [] : [{ trial: t.number, best: best[i] }]));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Optimisation history (${metric}, ${direction})`,
    width: 640,
    height: 300,
    layer: [
      {
        data: { values: points },
        mark: { type: 'point', filled: true, size: 60 },
        encoding: {
          x: { field: 'trial', type: 'quantitative', title: 'trial', axis: { tickMinStep: 1, format: 'd' } },
          y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false } },
          color: { field: 'state', type: 'nominal', title: 'state' },
        },
      },
      {
        data: { values: line },
        mark: { type: 'line', interpolate: 'step-after', color: '#d62728' },
        encoding: {
          x: { field: 'trial', type: 'quantitative' },
          y: { field: 'best', type: 'quantitative' },
        },
      },
    ],
  };
}

/** The vega-lite spec of the importances bar chart. */
export function importanceSpec(importances: readonly ParamImportance[]): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Parameter importances (PED-ANOVA, top 10% vs all complete trials)',
    width: 640,
    data: { values: importances.map((i) => ({ param: i.param, importance: i.importance })) },
    mark: 'bar',
    encoding: {
      y: { field: 'param', type: 'nominal', sort: '-x', title: 'parameter' },
      x: { field: 'importance', type: 'quantitative', title: 'importance', scale: { domain: [0, 1] } },
    },
  };
}

/** The whole HTML page: title, summary line and both charts as inline SVG. */
export async function renderStudyHtml(page: {
  readonly studyId: string;
  readonly name: string;
  readonly summary: string;
  readonly metric: string;
  readonly direction: 'minimize' | 'maximize';
  readonly trials: readonly PlotTrial[];
  readonly importances: readonly ParamImportance[];
}): Promise<string> {
  const history = await renderSvg(historySpec(page.trials, page.direction, page.metric));
  const importance =
    page.importances.length === 0
      ? '<p>Not enough complete trials for parameter importances (at least 3 are needed).</p>'
      : await renderSvg(importanceSpec(page.importances));
  const title = `Study ${escapeHtml(page.name)} (${escapeHtml(page.studyId)})`;
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${title}</title>`,
    '<style>body{font-family:sans-serif;margin:2em}section{margin-bottom:2em}</style>',
    '</head><body>',
    `<h1>${title}</h1>`,
    `<p>${escapeHtml(page.summary)}</p>`,
    `<section id="history">${history}</section>`,
    `<section id="importances">${importance}</section>`,
    '</body></html>',
    '',
  ].join('\n');
}
