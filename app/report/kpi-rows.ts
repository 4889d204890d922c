/**
 * The KPI rows of `mmflow report`, formatted once for both the terminal table (cli-table3) and the HTML
 * page, so the two always show the same figures. Labels carry the units; `n/a` = undefined for the run
 * (a null KPI: core/metrics/kpis.ts says why for each).
 */
import type { Kpis } from '../../core/metrics/kpis.ts';

/** The KPIs shown, in order, with their labels. */
export const REPORT_KPI_ROWS: readonly (readonly [keyof Kpis, string])[] = [
  ['events', 'events'],
  ['quotes', 'quotes placed'],
  ['fills', 'fills'],
  ['cancels', 'cancels'],
  ['netPnlQuote', 'net PnL (quote, mark-to-mid)'],
  ['feesQuote', 'fees (quote; < 0 = rebate)'],
  ['sharpe', 'Sharpe (per-minute PnL, annualised)'],
  ['pnlTStat', 't-stat of per-minute PnL'],
  ['maxDrawdownQuote', 'max drawdown (quote)'],
  ['rmsInventoryRatio', 'RMS inventory / q_max'],
  ['spreadCapturedPct', 'spread captured (%)'],
  ['spreadCapturedAtFillPct', 'spread captured at fill (%)'],
  ['fillRatio', 'fill ratio'],
  ['cancelRatio', 'cancel ratio'],
  ['finalInventoryLots', 'final inventory (lots)'],
  ['maxAbsInventoryLots', 'max |inventory| (lots)'],
  ['tradedNotionalQuote', 'traded notional (quote)'],
  ['grossBp', 'gross PnL (bp of notional)'],
  ['feesBp', 'fees (bp of notional)'],
  ['netBp', 'net PnL (bp of notional)'],
  ['spreadBp', 'attribution: spread (bp)'],
  ['adverse0To1sBp', 'attribution: adverse 0–1 s (bp)'],
  ['adverse1To30sBp', 'attribution: adverse 1–30 s (bp)'],
  ['inventoryBp', 'attribution: inventory (bp)'],
  ['markout100msBp', 'mark-out 100 ms vs mid (bp)'],
  ['markout1sBp', 'mark-out 1 s vs mid (bp)'],
  ['markout5sBp', 'mark-out 5 s vs mid (bp)'],
  ['markout30sBp', 'mark-out 30 s vs mid (bp)'],
  ['markout1sMicropriceBp', 'mark-out 1 s vs microprice (bp)'],
  ['queueFills', 'queue fills'],
  ['tradeThroughFills', 'trade-through fills'],
];

/** A KPI as printed: integers as they are, other numbers to 4 decimals, null as `n/a`. */
export function formatKpi(value: number | null): string {
  if (value === null) return 'n/a';
  return Number.isInteger(value) ? String(value) : value.toFixed(4);
}

/** [label, formatted value] for each row of {@link REPORT_KPI_ROWS}. */
export function kpiRows(kpis: Kpis): [string, string][] {
  return REPORT_KPI_ROWS.map(([key, label]) => [label, formatKpi(kpis[key])]);
}
