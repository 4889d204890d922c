/**
 * Calibrations of the quoting model (activities/calibrate.ts), one row per calibration id (the step's
 * idempotency key): saving the same id again overwrites the row. The headline figures (σ, A, k, R²) are
 * columns for SQL comparisons across weeks; the whole result and the calibrated parameters are jsonb.
 */
import { z } from 'zod';
import { PermanentError } from '../../core/errors.ts';
import { ModelParamsError, parseModelParams, type ModelParams } from '../../core/quoting/model-params.ts';
import type { SessionWindow } from '../../core/dataset/windows.ts';
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

const Finite = z.number().finite();

const WindowSchema = z.object({ sessionId: NonEmpty, startUs: SafeIntInput, endUs: SafeIntInput });

/** A calibration as saved by {@link saveCalibration}. */
export const CalibrationRecordInput = z.object({
  /** Idempotency key, e.g. `cal:<workflowId>.<stepId>`. */
  id: NonEmpty,
  /** e.g. `binance-usdm`. */
  venue: NonEmpty,
  /** e.g. `BTCUSDT`. */
  symbol: NonEmpty,
  windows: z.array(WindowSchema).min(1),
  /** Pooled σ of the mid, ticks/√s (≥ 0). */
  sigmaTicksPerSqrtSec: Finite.min(0),
  /** A of λ(δ) = A·e^(−kδ), per second (> 0). */
  aPerSec: Finite.positive(),
  /** k, per tick (> 0). */
  kPerTick: Finite.positive(),
  /** R² of the log-linear fit, [0, 1]. */
  r2: Finite.min(0).max(1),
  /** Depth levels fitted (≥ 2). */
  points: SafeIntInput.min(2),
  /** The calibrated model parameters (validated as ModelParams). */
  params: JsonObject,
  /** The whole calibration result. */
  result: JsonObject,
});
export type CalibrationRecordInput = z.input<typeof CalibrationRecordInput>;

/** A saved calibration. */
export interface CalibrationRecord {
  readonly id: string;
  readonly venue: string;
  readonly symbol: string;
  readonly windows: readonly SessionWindow[];
  readonly sigmaTicksPerSqrtSec: number;
  readonly aPerSec: number;
  readonly kPerTick: number;
  readonly r2: number;
  readonly points: number;
  readonly params: ModelParams;
  readonly result: Readonly<Record<string, unknown>>;
  /** First save / last save, Unix epoch ms. */
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

/**
 * Saves (or overwrites, by id) a calibration.
 * @throws PermanentError `DB_INVALID_INPUT` naming the bad field (params are checked as ModelParams);
 *   TransientError | PermanentError from SQL.
 */
export async function saveCalibration(db: Queryable, record: CalibrationRecordInput): Promise<void> {
  const r = parseInput(CalibrationRecordInput, record, 'calibration');
  try {
    parseModelParams(r.params, `calibration ${r.id} params`);
  } catch (err) {
    if (!(err instanceof ModelParamsError)) throw err;
    throw new PermanentError('DB_INVALID_INPUT', `invalid calibration: ${err.message}`, {
      what: 'calibration',
    });
  }
  await execute(
    db,
    `save calibration ${r.id}`,
    `INSERT INTO calibrations (id, venue, symbol, windows, sigma_ticks_per_sqrt_sec, a_per_sec, k_per_tick, r2,
       points, params, result)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (id) DO UPDATE SET venue = EXCLUDED.venue, symbol = EXCLUDED.symbol, windows = EXCLUDED.windows,
       sigma_ticks_per_sqrt_sec = EXCLUDED.sigma_ticks_per_sqrt_sec, a_per_sec = EXCLUDED.a_per_sec,
       k_per_tick = EXCLUDED.k_per_tick, r2 = EXCLUDED.r2, points = EXCLUDED.points, params = EXCLUDED.params,
       result = EXCLUDED.result, updated_at = now()`,
    [
      r.id,
      r.venue,
      r.symbol,
      JSON.stringify(r.windows),
      r.sigmaTicksPerSqrtSec,
      r.aPerSec,
      r.kPerTick,
      r.r2,
      r.points,
      JSON.stringify(r.params),
      JSON.stringify(r.result),
    ],
  );
}

const Row = z.object({
  id: z.string(),
  venue: z.string(),
  symbol: z.string(),
  windows: z.array(z.object({ sessionId: z.string(), startUs: SafeIntOutput, endUs: SafeIntOutput })),
  sigma_ticks_per_sqrt_sec: Finite,
  a_per_sec: Finite,
  k_per_tick: Finite,
  r2: Finite,
  points: SafeIntOutput,
  params: JsonObject,
  result: JsonObject,
  created_at: EpochMsOutput,
  updated_at: EpochMsOutput,
});

/**
 * The calibration with this id, or undefined.
 * @throws ModelParamsError when the stored params no longer parse as ModelParams (naming the row).
 */
export async function getCalibration(db: Queryable, id: string): Promise<CalibrationRecord | undefined> {
  const result = await execute(
    db,
    `read calibration ${id}`,
    `SELECT id, venue, symbol, windows, sigma_ticks_per_sqrt_sec, a_per_sec, k_per_tick, r2, points, params,
            result, created_at, updated_at
       FROM calibrations WHERE id = $1`,
    [id],
  );
  const [row] = parseRows(Row, result.rows, 'calibrations row');
  if (row === undefined) return undefined;
  return {
    id: row.id,
    venue: row.venue,
    symbol: row.symbol,
    windows: row.windows,
    sigmaTicksPerSqrtSec: row.sigma_ticks_per_sqrt_sec,
    aPerSec: row.a_per_sec,
    kPerTick: row.k_per_tick,
    r2: row.r2,
    points: row.points,
    params: parseModelParams(row.params, `calibrations row ${row.id} params`),
    result: row.result,
    createdAtMs: row.created_at,
    updatedAtMs: row.updated_at,
  };
}
