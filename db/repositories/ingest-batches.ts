/**
 * Bookkeeping of ingestion batches: one row per batch keyed by an idempotency key (workflow id + step
 * + chunk). An ingestion activity checks `getIngestBatch` first and records the batch after writing
 * its rows; a retry then skips the work (the row inserts are idempotent anyway, this saves the I/O).
 */
import { z } from 'zod';
import { EpochMsOutput, NonEmpty, parseInput, parseRows, SafeIntInput, SafeIntOutput } from '../codec.ts';
import { execute } from '../errors.ts';
import type { Queryable } from '../queryable.ts';

/** A recorded batch. */
export const IngestBatchInput = z
  .object({
    /** Idempotency key, e.g. `<workflowId>/ingest/<chunk>`. */
    id: NonEmpty,
    dataset: z.enum(['ohlcv', 'trades']),
    venue: NonEmpty,
    symbol: NonEmpty,
    /** Candle interval (ohlcv only). */
    interval: NonEmpty.optional(),
    /** Time range covered (inclusive), Unix epoch ms; undefined if unknown. */
    fromTimeMs: SafeIntInput.optional(),
    toTimeMs: SafeIntInput.optional(),
    /** Rows read from the source. */
    rowsSeen: SafeIntInput.min(0),
    /** Rows that were new in the database (<= rowsSeen). */
    rowsInserted: SafeIntInput.min(0),
    /** Where the rows came from: a file path or an API description. */
    source: NonEmpty,
    /** Content digest of the source (e.g. `sha256:…`), when known. */
    digest: NonEmpty.optional(),
  })
  .refine((b) => (b.dataset === 'ohlcv') === (b.interval !== undefined), {
    message: 'interval is required for ohlcv batches and forbidden for trades',
    path: ['interval'],
  });
export type IngestBatchInput = z.input<typeof IngestBatchInput>;

/** A recorded batch as read back. */
export type IngestBatch = z.output<typeof IngestBatchInput> & { readonly createdAtMs: number };

const IngestDbRow = z
  .object({
    id: z.string(),
    dataset: z.enum(['ohlcv', 'trades']),
    venue: z.string(),
    symbol: z.string(),
    interval: z.string().nullable(),
    from_time_ms: SafeIntOutput.nullable(),
    to_time_ms: SafeIntOutput.nullable(),
    rows_seen: z.number().int(),
    rows_inserted: z.number().int(),
    source: z.string(),
    digest: z.string().nullable(),
    created_at: EpochMsOutput,
  })
  .transform((r): IngestBatch => ({
    id: r.id,
    dataset: r.dataset,
    venue: r.venue,
    symbol: r.symbol,
    ...(r.interval === null ? {} : { interval: r.interval }),
    ...(r.from_time_ms === null ? {} : { fromTimeMs: r.from_time_ms }),
    ...(r.to_time_ms === null ? {} : { toTimeMs: r.to_time_ms }),
    rowsSeen: r.rows_seen,
    rowsInserted: r.rows_inserted,
    source: r.source,
    ...(r.digest === null ? {} : { digest: r.digest }),
    createdAtMs: r.created_at,
  }));

/**
 * Records a batch unless its id is already recorded (the first record wins).
 * @returns `recorded: false` when the id existed.
 * @throws PermanentError `DB_INVALID_INPUT`, `DB_CONSTRAINT` (rowsInserted > rowsSeen…).
 */
export async function recordIngestBatch(
  db: Queryable,
  batch: IngestBatchInput,
): Promise<{ recorded: boolean }> {
  const b = parseInput(IngestBatchInput, batch, 'ingest batch');
  const result = await execute(
    db,
    `record ingest batch ${b.id}`,
    `INSERT INTO ingest_batches (id, dataset, venue, symbol, "interval", from_time_ms, to_time_ms, rows_seen,
       rows_inserted, source, digest)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING`,
    [
      b.id,
      b.dataset,
      b.venue,
      b.symbol,
      b.interval ?? null,
      b.fromTimeMs ?? null,
      b.toTimeMs ?? null,
      b.rowsSeen,
      b.rowsInserted,
      b.source,
      b.digest ?? null,
    ],
  );
  return { recorded: result.rowCount === 1 };
}

/** The batch recorded under `id`, or `undefined`. */
export async function getIngestBatch(db: Queryable, id: string): Promise<IngestBatch | undefined> {
  const result = await execute(
    db,
    `get ingest batch ${id}`,
    `SELECT id, dataset, venue, symbol, "interval", from_time_ms, to_time_ms, rows_seen, rows_inserted, source, digest,
       created_at FROM ingest_batches WHERE id = $1`,
    [id],
  );
  return parseRows(IngestDbRow, result.rows, 'ingest_batches')[0];
}
