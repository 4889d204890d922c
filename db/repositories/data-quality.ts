/**
 * Data-quality reports of ingested market data, one per validation step run (idempotent by id).
 */
import { z } from 'zod';
import {
  EpochMsOutput,
  JsonObject,
  NonEmpty,
  parseInput,
  parseRows,
  SafeIntInput,
  SafeIntOutput,
} from '../codec.ts';
import { execute } from '../errors.ts';
import type { Queryable } from '../queryable.ts';

export const DataQualityReportInput = z
  .object({
    /** Idempotency key, e.g. `dq:<workflowId>.<stepId>`. */
    id: NonEmpty,
    venue: NonEmpty,
    symbol: NonEmpty,
    dataset: z.enum(['ohlcv', 'trades']),
    /** Candle interval (ohlcv only). */
    interval: NonEmpty.optional(),
    rowsChecked: SafeIntInput.min(0),
    /** Gaps found (missing candles or trade ids), count of places. */
    gaps: SafeIntInput.min(0),
    duplicates: SafeIntInput.min(0),
    /** Impossible values (high < low, non-positive prices, negative volume…). */
    impossible: SafeIntInput.min(0),
    /** Every figure of the check. */
    details: JsonObject,
  })
  .refine((r) => (r.dataset === 'ohlcv') === (r.interval !== undefined), {
    message: 'interval is required for ohlcv reports and forbidden for trades',
    path: ['interval'],
  });
export type DataQualityReportInput = z.input<typeof DataQualityReportInput>;
export type DataQualityReport = z.output<typeof DataQualityReportInput> & { readonly createdAtMs: number };

const Row = z
  .object({
    id: z.string(),
    venue: z.string(),
    symbol: z.string(),
    dataset: z.enum(['ohlcv', 'trades']),
    interval: z.string().nullable(),
    rows_checked: SafeIntOutput,
    gaps: SafeIntOutput,
    duplicates: SafeIntOutput,
    impossible: SafeIntOutput,
    details: JsonObject,
    created_at: EpochMsOutput,
  })
  .transform((r): DataQualityReport => ({
    id: r.id,
    venue: r.venue,
    symbol: r.symbol,
    dataset: r.dataset,
    ...(r.interval === null ? {} : { interval: r.interval }),
    rowsChecked: r.rows_checked,
    gaps: r.gaps,
    duplicates: r.duplicates,
    impossible: r.impossible,
    details: r.details,
    createdAtMs: r.created_at,
  }));

/**
 * Saves (or overwrites, by id) a report.
 * @throws PermanentError `DB_INVALID_INPUT` naming the bad field.
 */
export async function saveDataQualityReport(db: Queryable, report: DataQualityReportInput): Promise<void> {
  const r = parseInput(DataQualityReportInput, report, 'data-quality report');
  await execute(
    db,
    'save data-quality report',
    `INSERT INTO data_quality_reports (id, venue, symbol, dataset, "interval", rows_checked, gaps, duplicates, impossible, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (id) DO UPDATE SET rows_checked = EXCLUDED.rows_checked, gaps = EXCLUDED.gaps,
       duplicates = EXCLUDED.duplicates, impossible = EXCLUDED.impossible, details = EXCLUDED.details`,
    [
      r.id,
      r.venue,
      r.symbol,
      r.dataset,
      r.interval ?? null,
      r.rowsChecked,
      r.gaps,
      r.duplicates,
      r.impossible,
      JSON.stringify(r.details),
    ],
  );
}

/** The report with this id, or undefined. */
export async function getDataQualityReport(
  db: Queryable,
  id: string,
): Promise<DataQualityReport | undefined> {
  const result = await execute(
    db,
    'read data-quality report',
    `SELECT id, venue, symbol, dataset, "interval", rows_checked, gaps, duplicates, impossible, details, created_at
     FROM data_quality_reports WHERE id = $1`,
    [id],
  );
  return parseRows(Row, result.rows, 'data_quality_reports row')[0];
}
