/**
 * Backtest results, one row per run, keyed by an idempotency key (e.g. `<workflowId>/<step>`): saving
 * the same id again overwrites the row (an activity retried after a crash lands on the same row).
 * The full KPI object is kept as jsonb; the headline KPIs are also columns for SQL comparisons.
 */
import { z } from 'zod';
import {
  DecimalInput,
  DecimalOutput,
  EpochMsOutput,
  JsonObject,
  msToTimestamptz,
  NonEmpty,
  parseInput,
  parseRows,
  SafeIntInput,
  SafeIntOutput,
} from '../codec.ts';
import { execute } from '../errors.ts';
import type { Queryable } from '../queryable.ts';

/** Who produced a backtest run. */
export const BacktestSource = z.enum(['workflow', 'cli', 'engine']);

const Ratio = z.number().min(0).max(1);

/** A backtest run as saved by {@link saveBacktestRun}. Optional KPIs are undefined when not defined for the run. */
export const BacktestRunInput = z
  .object({
    /** Idempotency key, e.g. `<workflowId>/<step>`. */
    id: NonEmpty,
    /** Registered model version quoted with; undefined for an ad-hoc parameter set. */
    modelVersionId: NonEmpty.optional(),
    /** Recorded data session replayed, e.g. `binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z`. */
    session: NonEmpty,
    venue: NonEmpty,
    symbol: NonEmpty,
    /** The backtest configuration (model params, fees, latency…), as run. */
    config: JsonObject,
    /** Every KPI the backtester computed. */
    kpis: JsonObject,
    /** Market events replayed. */
    events: SafeIntInput.min(0),
    /** Quote decisions made. */
    quotes: SafeIntInput.min(0),
    /** Fills received. */
    fills: SafeIntInput.min(0),
    /** Net PnL in quote currency after fees, marked to the final mid; exact decimal string. */
    netPnlQuote: DecimalInput,
    /** Sharpe ratio of the PnL series; undefined with too few samples or zero variance. */
    sharpe: z.number().optional(),
    /** Largest peak-to-trough PnL fall in quote currency (>= 0); exact decimal string. */
    maxDrawdownQuote: DecimalInput,
    /** RMS of inventory / max inventory (>= 0). */
    rmsInventoryRatio: z.number().min(0).optional(),
    /** Realised spread captured, percent of quoted spread. */
    spreadCapturedPct: z.number().optional(),
    /** Fill reports / quotes placed (≥ 0; partial fills each count, so it may exceed 1). */
    fillRatio: z.number().min(0).optional(),
    /** Cancelled orders / placed orders, in [0, 1]. */
    cancelRatio: Ratio.optional(),
    /** When the run started and finished (wall clock), Unix epoch ms. */
    startedAtMs: SafeIntInput,
    finishedAtMs: SafeIntInput,
    source: BacktestSource,
  })
  .refine((r) => r.finishedAtMs >= r.startedAtMs, {
    message: 'finishedAtMs must be >= startedAtMs',
    path: ['finishedAtMs'],
  });
export type BacktestRunInput = z.input<typeof BacktestRunInput>;

/** A saved backtest run. */
export type BacktestRun = z.output<typeof BacktestRunInput> & {
  /** Last save time, Unix epoch ms. */
  readonly updatedAtMs: number;
};

const Optional = <T extends z.ZodType>(schema: T) => schema.nullable().transform((v) => v ?? undefined);

const BacktestDbRow = z
  .object({
    id: z.string(),
    model_version_id: Optional(z.string()),
    session: z.string(),
    venue: z.string(),
    symbol: z.string(),
    config: JsonObject,
    kpis: JsonObject,
    events: SafeIntOutput,
    quotes: SafeIntOutput,
    fills: SafeIntOutput,
    net_pnl_quote: DecimalOutput,
    sharpe: Optional(z.number()),
    max_drawdown_quote: DecimalOutput,
    rms_inventory_ratio: Optional(z.number()),
    spread_captured_pct: Optional(z.number()),
    fill_ratio: Optional(z.number()),
    cancel_ratio: Optional(z.number()),
    started_at: EpochMsOutput,
    finished_at: EpochMsOutput,
    source: BacktestSource,
    updated_at: EpochMsOutput,
  })
  .transform((r): BacktestRun => ({
    id: r.id,
    ...(r.model_version_id === undefined ? {} : { modelVersionId: r.model_version_id }),
    session: r.session,
    venue: r.venue,
    symbol: r.symbol,
    config: r.config,
    kpis: r.kpis,
    events: r.events,
    quotes: r.quotes,
    fills: r.fills,
    netPnlQuote: r.net_pnl_quote,
    ...(r.sharpe === undefined ? {} : { sharpe: r.sharpe }),
    maxDrawdownQuote: r.max_drawdown_quote,
    ...(r.rms_inventory_ratio === undefined ? {} : { rmsInventoryRatio: r.rms_inventory_ratio }),
    ...(r.spread_captured_pct === undefined ? {} : { spreadCapturedPct: r.spread_captured_pct }),
    ...(r.fill_ratio === undefined ? {} : { fillRatio: r.fill_ratio }),
    ...(r.cancel_ratio === undefined ? {} : { cancelRatio: r.cancel_ratio }),
    startedAtMs: r.started_at,
    finishedAtMs: r.finished_at,
    source: r.source,
    updatedAtMs: r.updated_at,
  }));

const SELECT = `SELECT id, model_version_id, session, venue, symbol, config, kpis, events, quotes, fills, net_pnl_quote,
  sharpe, max_drawdown_quote, rms_inventory_ratio, spread_captured_pct, fill_ratio, cancel_ratio, started_at,
  finished_at, source, updated_at FROM backtest_runs`;

/**
 * Saves a backtest run: inserts it (registering its id in `runs`), or overwrites the row with the same
 * id. One statement, so a crash never leaves half a run.
 * @returns `inserted: true` for a new id, `false` when an existing row was overwritten.
 * @throws PermanentError `DB_INVALID_INPUT` (bad field), `DB_CONSTRAINT` (unknown model version, or the
 *   id already names an engine run).
 */
export async function saveBacktestRun(db: Queryable, run: BacktestRunInput): Promise<{ inserted: boolean }> {
  const r = parseInput(BacktestRunInput, run, 'backtest run');
  const result = await execute(
    db,
    `save backtest run ${r.id}`,
    `WITH parent AS (INSERT INTO runs (id, kind) VALUES ($1, 'backtest') ON CONFLICT (id) DO NOTHING)
     INSERT INTO backtest_runs (id, model_version_id, session, venue, symbol, config, kpis, events, quotes, fills,
       net_pnl_quote, sharpe, max_drawdown_quote, rms_inventory_ratio, spread_captured_pct, fill_ratio, cancel_ratio,
       started_at, finished_at, source)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
       ${msToTimestamptz('$18')}, ${msToTimestamptz('$19')}, $20)
     ON CONFLICT (id) DO UPDATE SET model_version_id = EXCLUDED.model_version_id, session = EXCLUDED.session,
       venue = EXCLUDED.venue, symbol = EXCLUDED.symbol, config = EXCLUDED.config, kpis = EXCLUDED.kpis,
       events = EXCLUDED.events, quotes = EXCLUDED.quotes, fills = EXCLUDED.fills,
       net_pnl_quote = EXCLUDED.net_pnl_quote, sharpe = EXCLUDED.sharpe,
       max_drawdown_quote = EXCLUDED.max_drawdown_quote, rms_inventory_ratio = EXCLUDED.rms_inventory_ratio,
       spread_captured_pct = EXCLUDED.spread_captured_pct, fill_ratio = EXCLUDED.fill_ratio,
       cancel_ratio = EXCLUDED.cancel_ratio, started_at = EXCLUDED.started_at,
       finished_at = EXCLUDED.finished_at, source = EXCLUDED.source, updated_at = now()
     RETURNING (xmax = 0) AS inserted`,
    [
      r.id,
      r.modelVersionId ?? null,
      r.session,
      r.venue,
      r.symbol,
      JSON.stringify(r.config),
      JSON.stringify(r.kpis),
      r.events,
      r.quotes,
      r.fills,
      r.netPnlQuote,
      r.sharpe ?? null,
      r.maxDrawdownQuote,
      r.rmsInventoryRatio ?? null,
      r.spreadCapturedPct ?? null,
      r.fillRatio ?? null,
      r.cancelRatio ?? null,
      r.startedAtMs,
      r.finishedAtMs,
      r.source,
    ],
  );
  const [row] = parseRows(z.object({ inserted: z.boolean() }), result.rows, 'backtest_runs');
  return { inserted: row?.inserted ?? false };
}

/** The backtest run with `id`, or `undefined`. */
export async function getBacktestRun(db: Queryable, id: string): Promise<BacktestRun | undefined> {
  const result = await execute(db, `get backtest run ${id}`, `${SELECT} WHERE id = $1`, [id]);
  return parseRows(BacktestDbRow, result.rows, 'backtest_runs')[0];
}

/** Backtest runs of one model version, newest first (at most `limit`, default 100). */
export async function listBacktestRuns(
  db: Queryable,
  filter: { readonly modelVersionId?: string; readonly limit?: number } = {},
): Promise<BacktestRun[]> {
  const result = await execute(
    db,
    'list backtest runs',
    `${SELECT} WHERE ($1::text IS NULL OR model_version_id = $1) ORDER BY finished_at DESC, id LIMIT $2`,
    [filter.modelVersionId ?? null, filter.limit ?? 100],
  );
  return parseRows(BacktestDbRow, result.rows, 'backtest_runs');
}
