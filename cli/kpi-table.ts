/** Renders KPIs as a table on stdout (cli-table3). */
import Table from 'cli-table3';
import type { BacktestKpis } from '../workflows/types.ts';

const rows: readonly [keyof BacktestKpis, string][] = [
  ['events', 'events'],
  ['quotes', 'quotes placed'],
  ['fills', 'fills'],
  ['netPnlQuote', 'net PnL (quote, mark-to-mid, after fees)'],
  ['grossBp', 'gross PnL before fees, bp of traded notional'],
  ['markout1sBp', 'mark-out vs mid 1 s after each fill, bp'],
  ['pnlTStat', 't-stat of per-minute PnL'],
  ['maxDrawdownQuote', 'max drawdown (quote)'],
  ['rmsInventoryRatio', 'RMS inventory / q_max'],
  ['spreadCapturedPct', 'spread captured, % of quoted half spread (secondary)'],
  ['fillRatio', 'fill ratio'],
  ['cancelRatio', 'cancel ratio'],
];

function format(value: number | null): string {
  if (value === null) return 'n/a';
  return Number.isInteger(value) ? String(value) : value.toFixed(4);
}

/** Prints one column per KPI source (backtest workflow, quoting engine in replay). */
export function printKpiTable(sources: { backtest: BacktestKpis; engine: BacktestKpis | undefined }): void {
  const head = [
    'KPI',
    'backtest workflow',
    ...(sources.engine !== undefined ? ['quoting engine (replay)'] : []),
  ];
  const table = new Table({ head });
  for (const [key, label] of rows) {
    table.push([
      label,
      format(sources.backtest[key]),
      ...(sources.engine !== undefined ? [format(sources.engine[key])] : []),
    ]);
  }
  process.stdout.write(`${table.toString()}\n`);
}
