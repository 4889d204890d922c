/**
 * Ingestion activities: stream a recorded klines CSV or trades JSONL file into PostgreSQL in batches.
 * Idempotent (INSERT … ON CONFLICT DO NOTHING on the natural keys) and resumable: the number of rows
 * already handled is heartbeated, and a retried attempt skips them.
 */
import { Context } from '@temporalio/activity';
import { join } from 'node:path';
import { PermanentError } from '../core/errors.ts';
import { insertOhlcvBatch, type OhlcvRow } from '../db/repositories/ohlcv.ts';
import { insertTradesBatch, type TradeRow } from '../db/repositories/trades.ts';
import { readKlines } from '../venues/binance/klines.ts';
import { readTradeRows } from '../venues/binance/trades-file.ts';
import type { IngestSource } from '../pipeline-dsl/steps.ts';
import type { IngestFileResult } from '../workflows/types.ts';
import type { ActivityDeps } from './index.ts';

export type IngestFileInput = IngestSource & { readonly batchSize: number };

interface Progress {
  readonly rowsRead: number;
  readonly rowsInserted: number;
}

/** Reads the progress heartbeated by an earlier attempt of this activity, if any. */
function resumePoint(): Progress {
  const details: unknown = Context.current().info.heartbeatDetails;
  if (details !== null && typeof details === 'object' && 'rowsRead' in details && 'rowsInserted' in details) {
    const { rowsRead, rowsInserted } = details;
    if (Number.isSafeInteger(rowsRead) && Number.isSafeInteger(rowsInserted))
      return { rowsRead: Number(rowsRead), rowsInserted: Number(rowsInserted) };
  }
  return { rowsRead: 0, rowsInserted: 0 };
}

/**
 * Generic batched, resumable loader.
 * @param rows the file's rows in file order
 * @param insert inserts one batch, returns rows actually inserted
 */
async function ingestRows<T>(
  deps: ActivityDeps,
  input: IngestFileInput,
  rows: AsyncIterable<T>,
  insert: (batch: readonly T[]) => Promise<number>,
): Promise<IngestFileResult> {
  const ctx = Context.current();
  const resume = resumePoint();
  let rowsRead = 0;
  let rowsInserted = resume.rowsInserted;
  let batch: T[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    rowsInserted += await insert(batch);
    batch = [];
    ctx.heartbeat({ rowsRead, rowsInserted } satisfies Progress);
  };
  for await (const row of rows) {
    rowsRead += 1;
    if (rowsRead <= resume.rowsRead) continue;
    batch.push(row);
    if (batch.length >= input.batchSize) await flush();
    if (ctx.cancellationSignal.aborted) throw new Error('ingestion cancelled');
  }
  await flush();
  deps.log.info({ file: input.file, rowsRead, rowsInserted, resumedFrom: resume.rowsRead }, 'ingested file');
  return { file: input.file, kind: input.kind, rowsRead, rowsInserted };
}

function dataPath(deps: ActivityDeps, file: string): string {
  if (file.startsWith('/') || file.split('/').includes('..')) {
    throw new PermanentError('BAD_PATH', `data file must be relative to the data directory: ${file}`, {
      file,
    });
  }
  return join(deps.dataDir, file);
}

/** Loads a klines CSV (`open_time,open,high,low,close,volume`) into `ohlcv`. */
export async function ingestKlinesFile(
  deps: ActivityDeps,
  input: IngestFileInput & { kind: 'klines' },
): Promise<IngestFileResult> {
  const path = dataPath(deps, input.file);
  async function* rows(): AsyncGenerator<OhlcvRow> {
    for await (const k of readKlines(path))
      yield { venue: input.venue, symbol: input.symbol, interval: input.interval, ...k };
  }
  return ingestRows(deps, input, rows(), (batch) => insertOhlcvBatch(deps.db, batch));
}

/** Loads a recorded `@trade` JSONL file into `trades` (USDⓈ-M non-MARKET prints are skipped by the reader). */
export async function ingestTradesFile(
  deps: ActivityDeps,
  input: IngestFileInput & { kind: 'trades' },
): Promise<IngestFileResult> {
  const path = dataPath(deps, input.file);
  const market = input.venue === 'binance-spot' ? 'spot' : 'usdm';
  async function* rows(): AsyncGenerator<TradeRow> {
    for await (const t of readTradeRows(path, market)) {
      yield {
        venue: input.venue,
        symbol: input.symbol,
        tradeId: t.tradeId,
        price: t.price,
        qty: t.qty,
        aggressor: t.aggressor,
        tradeTimeMs: t.timeMs,
      };
    }
  }
  return ingestRows(deps, input, rows(), (batch) => insertTradesBatch(deps.db, batch));
}
