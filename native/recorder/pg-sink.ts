/**
 * Optional PostgreSQL copy of the recorded trades (`mmflow record --pg`): the `@trade` lines of the
 * feed go into the `trades` table of migration 0001 (the one ingestion fills and `validate-market-data`
 * checks), in batches, idempotently (`ON CONFLICT DO NOTHING` on venue, symbol, trade id). Depth and
 * bookTicker stay in the files only: the schema has no table for them.
 *
 * Writes never block the feed: rows are buffered and flushed every `flushIntervalMs` or `maxBatchRows`;
 * a failed flush keeps its rows for the next one (at most `maxBufferedRows`; beyond, the oldest are
 * dropped and counted — the files keep everything).
 */
import { errorFields, type Log } from '../../infra/log.ts';
import { insertTradesBatch, type TradeRow } from '../../db/repositories/trades.ts';
import type { Queryable } from '../../db/queryable.ts';
import type { RecorderRecord } from './file-sink.ts';

/** Options of {@link PgTradeSink}. */
export interface PgTradeSinkOptions {
  readonly db: Queryable;
  /** `binance-spot` or `binance-usdm` (the `venue` column). */
  readonly venue: string;
  readonly log: Log;
  /** Rows per insert (default 1000). */
  readonly maxBatchRows?: number;
  /** Rows kept while the database is unreachable (default 200 000). */
  readonly maxBufferedRows?: number;
}

/** Counters of the sink (monotone). */
export interface PgSinkCounters {
  /** Rows inserted (new ones; duplicates are not counted). */
  inserted: number;
  /** Trade lines skipped: not a `MARKET` futures trade, or missing fields. */
  skipped: number;
  /** Rows dropped because the buffer was full. */
  dropped: number;
  failedFlushes: number;
}

/** Buffers trades of the feed and inserts them in batches. */
export class PgTradeSink {
  private buffer: TradeRow[] = [];
  private flushing: Promise<void> | undefined;
  readonly counters: PgSinkCounters = { inserted: 0, skipped: 0, dropped: 0, failedFlushes: 0 };

  constructor(private readonly opts: PgTradeSinkOptions) {}

  /** Takes a trade record (other kinds are ignored). */
  accept(record: RecorderRecord): void {
    if (record.kind !== 'trade') return;
    const row = tradeRowOf(this.opts.venue, record.line);
    if (row === undefined) {
      this.counters.skipped++;
      return;
    }
    this.buffer.push(row);
    const max = this.opts.maxBufferedRows ?? 200_000;
    if (this.buffer.length > max) {
      const excess = this.buffer.length - max;
      this.buffer.splice(0, excess);
      this.counters.dropped += excess;
    }
  }

  /** Rows waiting for the next flush. */
  get pending(): number {
    return this.buffer.length;
  }

  /**
   * Inserts the buffered rows (one flush at a time; a call during a flush waits for it, then flushes
   * what came meanwhile). Errors are logged and counted, never thrown: the rows stay buffered.
   */
  async flush(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
    this.flushing = this.flushOnce();
    try {
      await this.flushing;
    } finally {
      this.flushing = undefined;
    }
  }

  private async flushOnce(): Promise<void> {
    const size = this.opts.maxBatchRows ?? 1000;
    while (this.buffer.length > 0) {
      const batch = this.buffer.slice(0, size);
      try {
        this.counters.inserted += await insertTradesBatch(this.opts.db, batch);
      } catch (err) {
        this.counters.failedFlushes++;
        this.opts.log.warn(
          { venue: this.opts.venue, rows: batch.length, err: errorFields(err) },
          'trades flush failed',
        );
        return;
      }
      this.buffer.splice(0, batch.length);
    }
  }
}

/**
 * The `trades` row of a recorded `@trade` line: `t` id, `p`/`q` decimal strings, `T` ms, `m` (buyer is
 * maker → the aggressor sold). USDⓈ-M lines with an `X` other than `MARKET` (insurance fund,
 * ADL prints; data README) are not market trades: undefined, as for a line missing a field.
 */
export function tradeRowOf(venue: string, line: Readonly<Record<string, unknown>>): TradeRow | undefined {
  const { s, t, p, q, T, m, X } = line;
  if (X !== undefined && X !== 'MARKET') return undefined;
  if (typeof s !== 'string' || typeof p !== 'string' || typeof q !== 'string' || typeof m !== 'boolean')
    return undefined;
  if (typeof t !== 'number' || !Number.isSafeInteger(t) || typeof T !== 'number' || !Number.isSafeInteger(T))
    return undefined;
  return { venue, symbol: s, tradeId: t, price: p, qty: q, aggressor: m ? 'sell' : 'buy', tradeTimeMs: T };
}
