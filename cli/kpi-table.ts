/** Renders KPIs as a table on stdout (cli-table3). */
import Table from 'cli-table3';
import type { BacktestKpis } from '../workflows/types.ts';

const rows: readonly [keyof BacktestKpis, string][] = [
  ['events', 'events'],
  ['quotes', 'quotes placed'],
  ['fills', 'fills'],
  ['netPnlQuote', 'net PnL (quote, mark-to-mid)'],
  ['sharpe', 'Sharpe (1 s, annualised)'],
  ['maxDrawdownQuote', 'max drawdown (quote)'],
  ['rmsInventoryRatio', 'RMS inventory / q_max'],
  ['spreadCapturedPct', 'spread captured (%)'],
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
