/**
 * The `validate-market-data` activity: checks what ingestion stored in PostgreSQL for one venue and
 * symbol and returns a data-quality report (counts only; the rows stay in the database).
 *
 * One dataset per call (`kind` klines with an interval, or trades), as the step type declares.
 * Klines: time gaps against the interval, duplicate open times (impossible under the primary key, so
 * always 0, but kept so that a schema change cannot hide duplicates), open times off the interval
 * grid, high < low, negative volume, zero/negative prices, open/close outside [low, high].
 * Trades: trade-id gaps (Binance ids are consecutive per symbol, see ../shared/data/README.md §1),
 * duplicate ids, non-positive price or quantity, trade time going backwards as ids increase.
 *
 * Klines also get their volatility/trend regime (ATR, RSI, Bollinger band width; summaries only, see
 * ./features/kline-regime.ts), so a desk sees the market it trains and backtests on next to the quality.
 *
 * Gaps are facts about the market (exchange outages) and are reported; impossible values are data
 * corruption and fail the step when `failOnImpossible` (the default of the step type) is set, so bad
 * rows are never accepted silently. The report is stored in `data_quality_reports` under `reportId`
 * (an upsert: a retried activity overwrites its own row) before the step can fail, returned (so it is
 * in the workflow history) and logged.
 */
import { z } from 'zod';
import { PermanentError } from '../core/errors.ts';
import { parseRows, SafeIntOutput } from '../db/codec.ts';
import { execute } from '../db/errors.ts';
import type { Queryable } from '../db/queryable.ts';
import { saveDataQualityReport } from '../db/repositories/data-quality.ts';
import type { Logger } from '../app/logger.ts';
import { KlineRegimeAccumulator, type KlineRegime, type RegimeCandle } from './features/kline-regime.ts';

/** Input of the activity: the step's validated `with` (pipeline-dsl/steps.ts) plus the idempotency key. */
export interface ValidateMarketDataInput {
  /** Idempotency key of the report: `dq:<workflowId>.<stepId>[.<index>]`. */
  readonly reportId: string;
  /** e.g. `binance-spot`. */
  readonly venue: string;
  /** e.g. `BTCUSDT`. */
  readonly symbol: string;
  readonly kind: 'klines' | 'trades';
  /** Kline interval (Binance style: `1m`, `1h`, `1d`); required for klines, absent/null for trades. */
  readonly interval?: string | null | undefined;
  /** Only rows at or after this time (candle open / trade time), Unix epoch ms; absent = from the first. */
  readonly fromMs?: number | undefined;
  /** Only rows before this time, Unix epoch ms; absent = to the last. */
  readonly toMs?: number | undefined;
  /** Fail (non-retryably) when any impossible value or duplicate is found. */
  readonly failOnImpossible: boolean;
}

/** Quality figures of the candles of one interval (counts of rows unless stated). */
export interface KlinesQuality {
  readonly interval: string;
  readonly rows: number;
  /** Open time of the first/last candle, Unix epoch ms; null when there are none. */
  readonly firstOpenTimeMs: number | null;
  readonly lastOpenTimeMs: number | null;
  /** Places where consecutive open times are more than one interval apart. */
  readonly gaps: number;
  /** Grid open times (multiples of the interval) strictly inside those gaps: for a gap from `p` to
   * `n`, ⌈n/I⌉ − 1 − ⌊p/I⌋ (= n/I − p/I − 1 on the grid); open times are ≥ 0 so integer division floors. */
  readonly missingCandles: number;
  /** Widest step between consecutive open times that is a gap, ms; 0 when there is no gap. */
  readonly largestGapMs: number;
  readonly duplicateOpenTimes: number;
  /** Open times not a multiple of the interval. */
  readonly misalignedOpenTimes: number;
  readonly highBelowLow: number;
  readonly negativeVolume: number;
  /** Candles with any of open/high/low/close ≤ 0. */
  readonly nonPositivePrices: number;
  readonly openCloseOutsideRange: number;
  /** Candles with a NaN among open/high/low/close/volume (NUMERIC admits NaN and orders it above every
   * number, so the other checks miss it; migration 0010 refuses new ones). */
  readonly nonFiniteValues: number;
}

/** Quality figures of the trade prints. */
export interface TradesQuality {
  readonly rows: number;
  readonly firstTradeId: number | null;
  readonly lastTradeId: number | null;
  /** Places where consecutive trade ids differ by more than 1. */
  readonly idGaps: number;
  readonly missingTradeIds: number;
  readonly duplicateTradeIds: number;
  readonly nonPositivePrice: number;
  readonly nonPositiveQty: number;
  /** Trades whose time is earlier than the previous trade id's time. */
  readonly timeRegressions: number;
  /** Trades with a NaN price or quantity (see {@link KlinesQuality.nonFiniteValues}). */
  readonly nonFiniteValues: number;
}

/**
 * What the activity returns (and logs). Its first fields are the step's declared outputs
 * (`rowsChecked`, `gaps`, `duplicates`, `impossible`, `reportId`; pipeline-dsl/steps.ts).
 */
export interface MarketDataQualityReport {
  readonly reportId: string;
  readonly rowsChecked: number;
  /** Places where the series jumps (klines: over one interval; trades: over one id). */
  readonly gaps: number;
  /** Duplicate open times / trade ids. */
  readonly duplicates: number;
  /** Impossible values: high < low, negative volume, price ≤ 0, open/close outside [low, high], open
   * time off the interval grid; trades: price or quantity ≤ 0, time going backwards. */
  readonly impossible: number;
  /** Candles or trade ids missing in the gaps (facts about the exchange, not errors). */
  readonly missing: number;
  readonly venue: string;
  readonly symbol: string;
  readonly kind: 'klines' | 'trades';
  readonly interval: string | null;
  /** When the check ran, Unix epoch ms (activity wall clock). */
  readonly checkedAtMs: number;
  /** Details (the one of `kind`; the other is null). */
  readonly klines: KlinesQuality | null;
  readonly trades: TradesQuality | null;
  /**
   * Volatility/trend regime of the checked candles (ATR in bp of close, RSI, Bollinger width in bp;
   * summaries, each null with a reason when it cannot be computed); null for trades. Absent in reports
   * stored before it existed.
   */
  readonly regime: KlineRegime | null;
}

const INTERVAL = /^([1-9][0-9]*)([smhdw])$/;
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/**
 * Length of a Binance-style kline interval in ms (`1m` → 60 000).
 * @throws PermanentError `BAD_INTERVAL` for a malformed interval or months (`1M`: not a fixed length).
 */
export function intervalMs(interval: string): number {
  const m = INTERVAL.exec(interval);
  const unit = m?.[2];
  if (m === null || unit === undefined || !(unit in UNIT_MS))
    throw new PermanentError('BAD_INTERVAL', `cannot check gaps for kline interval "${interval}"`, {
      interval,
    });
  return Number(m[1]) * UNIT_MS[unit as keyof typeof UNIT_MS];
}

const count = SafeIntOutput;
const nullableInt = SafeIntOutput.nullable();

const KlinesRow = z.object({
  rows: count,
  first_ms: nullableInt,
  last_ms: nullableInt,
  duplicates: count,
  gaps: count,
  missing: count,
  largest_gap_ms: count,
  misaligned: count,
  high_below_low: count,
  negative_volume: count,
  non_positive_price: count,
  outside_range: count,
  non_finite: count,
});

const TradesRowSchema = z.object({
  rows: count,
  first_id: nullableInt,
  last_id: nullableInt,
  duplicates: count,
  gaps: count,
  missing: count,
  non_positive_price: count,
  non_positive_qty: count,
  time_regressions: count,
  non_finite: count,
});

/** Checks the candles of one interval. */
export async function checkKlines(
  db: Queryable,
  input: Pick<ValidateMarketDataInput, 'venue' | 'symbol' | 'fromMs' | 'toMs'>,
  interval: string,
): Promise<KlinesQuality> {
  const stepMs = intervalMs(interval);
  const result = await execute(
    db,
    `check ohlcv ${input.venue} ${input.symbol} ${interval}`,
    `WITH k AS (
       SELECT open_time_ms, open, high, low, close, volume,
              lag(open_time_ms) OVER (ORDER BY open_time_ms) AS prev_ms
         FROM ohlcv
        WHERE venue = $1 AND symbol = $2 AND "interval" = $3
          AND ($4::bigint IS NULL OR open_time_ms >= $4::bigint)
          AND ($5::bigint IS NULL OR open_time_ms < $5::bigint))
     SELECT count(*) AS rows, min(open_time_ms) AS first_ms, max(open_time_ms) AS last_ms,
            count(*) - count(DISTINCT open_time_ms) AS duplicates,
            count(*) FILTER (WHERE open_time_ms - prev_ms > $6::bigint) AS gaps,
            coalesce(sum((open_time_ms + $6::bigint - 1) / $6::bigint - 1 - prev_ms / $6::bigint)
              FILTER (WHERE open_time_ms - prev_ms > $6::bigint), 0) AS missing,
            coalesce(max(open_time_ms - prev_ms) FILTER (WHERE open_time_ms - prev_ms > $6::bigint), 0)
              AS largest_gap_ms,
            count(*) FILTER (WHERE open_time_ms % $6::bigint <> 0) AS misaligned,
            count(*) FILTER (WHERE high < low) AS high_below_low,
            count(*) FILTER (WHERE volume < 0) AS negative_volume,
            count(*) FILTER (WHERE least(open, high, low, close) <= 0) AS non_positive_price,
            count(*) FILTER (WHERE open NOT BETWEEN low AND high OR close NOT BETWEEN low AND high)
              AS outside_range,
            count(*) FILTER (WHERE 'NaN'::numeric IN (open, high, low, close, volume)) AS non_finite
       FROM k`,
    [input.venue, input.symbol, interval, input.fromMs ?? null, input.toMs ?? null, stepMs],
  );
  const [row] = parseRows(KlinesRow, result.rows, 'ohlcv quality');
  if (row === undefined) throw new Error('ohlcv quality query returned no row');
  return {
    interval,
    rows: row.rows,
    firstOpenTimeMs: row.first_ms,
    lastOpenTimeMs: row.last_ms,
    gaps: row.gaps,
    missingCandles: row.missing,
    largestGapMs: row.largest_gap_ms,
    duplicateOpenTimes: row.duplicates,
    misalignedOpenTimes: row.misaligned,
    highBelowLow: row.high_below_low,
    negativeVolume: row.negative_volume,
    nonPositivePrices: row.non_positive_price,
    openCloseOutsideRange: row.outside_range,
    nonFiniteValues: row.non_finite,
  };
}

/** Candles read per query by {@link klineRegimeOf} (≈ 1 MB of rows; keyset pages on open time). */
export const REGIME_PAGE_ROWS = 20_000;

/** float8 as node-postgres parses it (NaN and ±Infinity included: the features report them). */
const Float = z.custom<number>((v) => typeof v === 'number', 'expected a float8');
const RegimeRow = z
  .object({ open_time_ms: SafeIntOutput, high: Float, low: Float, close: Float })
  .transform((r): RegimeCandle => ({ openTimeMs: r.open_time_ms, high: r.high, low: r.low, close: r.close }));

/**
 * The regime features of the candles of one interval, read page by page in open-time order (prices
 * as float8: features are floats, the exact NUMERICs stay in the table). Only the value series are
 * held, not the candles.
 * @param pageRows candles per query (default {@link REGIME_PAGE_ROWS}); integer ≥ 1.
 */
export async function klineRegimeOf(
  db: Queryable,
  input: Pick<ValidateMarketDataInput, 'venue' | 'symbol' | 'fromMs' | 'toMs'>,
  interval: string,
  pageRows: number = REGIME_PAGE_ROWS,
): Promise<KlineRegime> {
  const acc = new KlineRegimeAccumulator();
  let afterMs: number | null = null;
  for (;;) {
    const result = await execute(
      db,
      `read ohlcv regime ${input.venue} ${input.symbol} ${interval}`,
      `SELECT open_time_ms, high::float8 AS high, low::float8 AS low, close::float8 AS close
         FROM ohlcv
        WHERE venue = $1 AND symbol = $2 AND "interval" = $3
          AND ($4::bigint IS NULL OR open_time_ms >= $4::bigint)
          AND ($5::bigint IS NULL OR open_time_ms < $5::bigint)
          AND ($6::bigint IS NULL OR open_time_ms > $6::bigint)
        ORDER BY open_time_ms
        LIMIT $7`,
      [input.venue, input.symbol, interval, input.fromMs ?? null, input.toMs ?? null, afterMs, pageRows],
    );
    const rows: RegimeCandle[] = parseRows(RegimeRow, result.rows, 'ohlcv regime');
    for (const candle of rows) acc.add(candle);
    const last = rows[rows.length - 1];
    if (last === undefined || rows.length < pageRows) break;
    afterMs = last.openTimeMs;
  }
  return acc.result();
}

/** Checks the trade prints. */
export async function checkTrades(
  db: Queryable,
  input: Pick<ValidateMarketDataInput, 'venue' | 'symbol' | 'fromMs' | 'toMs'>,
): Promise<TradesQuality> {
  const result = await execute(
    db,
    `check trades ${input.venue} ${input.symbol}`,
    `WITH t AS (
       SELECT trade_id, price, qty, trade_time_ms,
              trade_id - lag(trade_id) OVER (ORDER BY trade_id) AS step,
              trade_time_ms - lag(trade_time_ms) OVER (ORDER BY trade_id) AS dt_ms
         FROM trades
        WHERE venue = $1 AND symbol = $2
          AND ($3::bigint IS NULL OR trade_time_ms >= $3::bigint)
          AND ($4::bigint IS NULL OR trade_time_ms < $4::bigint))
     SELECT count(*) AS rows, min(trade_id) AS first_id, max(trade_id) AS last_id,
            count(*) - count(DISTINCT trade_id) AS duplicates,
            count(*) FILTER (WHERE step > 1) AS gaps,
            coalesce(sum(step - 1) FILTER (WHERE step > 1), 0) AS missing,
            count(*) FILTER (WHERE price <= 0) AS non_positive_price,
            count(*) FILTER (WHERE qty <= 0) AS non_positive_qty,
            count(*) FILTER (WHERE dt_ms < 0) AS time_regressions,
            count(*) FILTER (WHERE 'NaN'::numeric IN (price, qty)) AS non_finite
       FROM t`,
    [input.venue, input.symbol, input.fromMs ?? null, input.toMs ?? null],
  );
  const [row] = parseRows(TradesRowSchema, result.rows, 'trades quality');
  if (row === undefined) throw new Error('trades quality query returned no row');
  return {
    rows: row.rows,
    firstTradeId: row.first_id,
    lastTradeId: row.last_id,
    idGaps: row.gaps,
    missingTradeIds: row.missing,
    duplicateTradeIds: row.duplicates,
    nonPositivePrice: row.non_positive_price,
    nonPositiveQty: row.non_positive_qty,
    timeRegressions: row.time_regressions,
    nonFiniteValues: row.non_finite,
  };
}

/**
 * Runs the check, stores the report (`data_quality_reports`, upsert by `reportId`) and logs it
 * (`market data quality`, fields = the report).
 * @returns the report; idempotent (reads, then an upsert of its own row), so retries are safe.
 * @throws PermanentError `BAD_MARKET_DATA` (non-retryable) when `failOnImpossible` and any impossible
 *   value or duplicate is found, with the report in `details`; `NO_MARKET_DATA` when nothing is stored
 *   in the checked range; `BAD_INTERVAL` for klines without an interval of fixed length.
 */
export async function validateMarketData(
  deps: { readonly db: Queryable; readonly log: Logger },
  input: ValidateMarketDataInput,
): Promise<MarketDataQualityReport> {
  const base = {
    reportId: input.reportId,
    venue: input.venue,
    symbol: input.symbol,
    kind: input.kind,
  };
  let report: MarketDataQualityReport;
  if (input.kind === 'klines') {
    const k = await checkKlines(deps.db, input, input.interval ?? '');
    const regime = await klineRegimeOf(deps.db, input, k.interval);
    report = {
      ...base,
      rowsChecked: k.rows,
      gaps: k.gaps,
      duplicates: k.duplicateOpenTimes,
      impossible:
        k.misalignedOpenTimes +
        k.highBelowLow +
        k.negativeVolume +
        k.nonPositivePrices +
        k.openCloseOutsideRange +
        k.nonFiniteValues,
      missing: k.missingCandles,
      interval: k.interval,
      checkedAtMs: Date.now(),
      klines: k,
      trades: null,
      regime,
    };
  } else {
    const t = await checkTrades(deps.db, input);
    report = {
      ...base,
      rowsChecked: t.rows,
      gaps: t.idGaps,
      duplicates: t.duplicateTradeIds,
      impossible: t.nonPositivePrice + t.nonPositiveQty + t.timeRegressions + t.nonFiniteValues,
      missing: t.missingTradeIds,
      interval: null,
      checkedAtMs: Date.now(),
      klines: null,
      trades: t,
      regime: null,
    };
  }
  await saveDataQualityReport(deps.db, {
    id: report.reportId,
    venue: report.venue,
    symbol: report.symbol,
    dataset: report.kind === 'klines' ? 'ohlcv' : 'trades',
    ...(report.interval === null ? {} : { interval: report.interval }),
    rowsChecked: report.rowsChecked,
    gaps: report.gaps,
    duplicates: report.duplicates,
    impossible: report.impossible,
    details: { ...report },
  });
  deps.log.info({ report }, 'market data quality');
  const what = `${input.kind}${report.interval === null ? '' : ` ${report.interval}`} of ${input.venue} ${input.symbol}`;
  if (report.rowsChecked === 0)
    throw new PermanentError('NO_MARKET_DATA', `no ${what} stored in the checked range`, {
      reportId: input.reportId,
    });
  if (input.failOnImpossible && report.impossible + report.duplicates > 0)
    throw new PermanentError(
      'BAD_MARKET_DATA',
      `${what}: ${report.impossible} impossible value(s) and ${report.duplicates} duplicate(s) stored (report ${input.reportId})`,
      { report },
    );
  return report;
}
