/**
 * The `calibrate` activity of the weekly retraining: estimates σ of the mid and the fill intensity
 * λ(δ) = A·e^(−kδ) over the windows the data-quality gate included (pure estimation in
 * core/calibration/estimate.ts; method, grid and units in docs/calibration.md), writes the fitted k into
 * the model parameters, and stores the calibration in `calibrations` (upsert by id: a retry overwrites
 * its own row).
 *
 * Only k is written into the parameters: it is the one model input the fill data determines (A does
 * not enter the quotes of either model version; σ is estimated live by the EWMA). γ, β and the V1.5
 * coefficients are left to the parameter search.
 */
import { z } from 'zod';
import {
  estimateCalibration,
  type CalibrationEstimate,
  type SessionEvents,
} from '../core/calibration/estimate.ts';
import type { SessionWindow } from '../core/dataset/windows.ts';
import { PermanentError } from '../core/errors.ts';
import type { Instrument } from '../core/instrument.ts';
import { ModelParamsError, parseModelParams, type ModelParams } from '../core/quoting/model-params.ts';
import { saveCalibration } from '../db/repositories/calibrations.ts';
import type { ActivityDeps } from './index.ts';
import { loadSessionCached } from './session-cache.ts';
import { heartbeat } from './heartbeat.ts';

export interface CalibrateInput {
  /** Idempotency key, e.g. `cal:<workflowId>.<stepId>`. */
  readonly calibrationId: string;
  /** Windows to calibrate on (normally the gate's `included`); all of one instrument, non-overlapping. */
  readonly windows: readonly SessionWindow[];
  /** Parameters to calibrate (kPerTick is replaced). */
  readonly baseParams: ModelParams;
  /** Calendar grid of the mid for σ, ms (default 1000). */
  readonly sigmaGridMs?: number;
  /** Deepest level D of the λ fit, ticks (default 5). */
  readonly maxDepthTicks?: number;
}

export interface CalibrationResult {
  readonly calibrationId: string;
  /** Instrument calibrated, e.g. `binance-usdm` `BTCUSDT`. */
  readonly venue: Instrument['venue'];
  readonly symbol: string;
  /** From mid log-returns on a calendar grid of `gridMs` anchored at each window's start (previous-tick
   * mid of the replayed book), ticks/√s (core/calibration/estimate.ts). */
  readonly sigma: CalibrationEstimate['sigma'];
  /** λ(δ) = A·e^(−kδ) pooled over the sides (A per second, k per tick), its counts, and each side
   * fitted alone; see docs/calibration.md. */
  readonly fillIntensity: CalibrationEstimate['fillIntensity'] & {
    readonly bySide: CalibrationEstimate['bySide'];
  };
  /** `baseParams` with the calibrated kPerTick, validated with parseModelParams. */
  readonly params: ModelParams;
}

const InputSchema = z.object({
  calibrationId: z.string().min(1),
  windows: z
    .array(
      z.object({
        sessionId: z.string().min(1),
        startUs: z.number().int(),
        endUs: z.number().int(),
      }),
    )
    .min(1),
  sigmaGridMs: z.number().int().min(1).optional(),
  maxDepthTicks: z.number().int().min(2).optional(),
});

function paramsOrFail(value: unknown, where: string): ModelParams {
  try {
    return parseModelParams(value, where);
  } catch (err) {
    if (err instanceof ModelParamsError)
      throw new PermanentError('BAD_PARAMS', err.message, { where, issues: err.issues });
    throw err;
  }
}

/**
 * Runs the calibration and stores it.
 * @throws PermanentError `BAD_INPUT` | `BAD_PARAMS` naming the field; `UNKNOWN_SESSION`;
 *   `MIXED_INSTRUMENTS` when the windows span several instruments; `BAD_WINDOWS`; `NO_MID_RETURNS`,
 *   `NO_TRADES_AT_DEPTH` and `DEGENERATE_FIT` naming the windows (core/calibration/estimate.ts).
 */
export async function calibrate(deps: ActivityDeps, input: CalibrateInput): Promise<CalibrationResult> {
  const parsed = InputSchema.safeParse(input);
  if (!parsed.success)
    throw new PermanentError('BAD_INPUT', `calibrate input: ${z.prettifyError(parsed.error)}`, {
      calibrationId: input.calibrationId,
    });
  const { calibrationId, windows } = parsed.data;
  const baseParams = paramsOrFail(input.baseParams, `calibrate ${calibrationId} baseParams`);

  const sessions = new Map<string, SessionEvents>();
  let instrument: Instrument | undefined;
  for (const sessionId of new Set(windows.map((w) => w.sessionId))) {
    heartbeat({ phase: 'loading', session: sessionId });
    const loaded = await loadSessionCached(deps.dataDir, sessionId);
    if (instrument === undefined) instrument = loaded.instrument;
    else if (loaded.instrument.venue !== instrument.venue || loaded.instrument.symbol !== instrument.symbol)
      throw new PermanentError(
        'MIXED_INSTRUMENTS',
        `calibrate ${calibrationId}: session ${sessionId} is ${loaded.instrument.venue} ${loaded.instrument.symbol}, others ${instrument.venue} ${instrument.symbol}; calibrate one instrument at a time`,
        { calibrationId, sessionId },
      );
    sessions.set(sessionId, { market: loaded.market, events: loaded.events });
  }
  if (instrument === undefined)
    throw new PermanentError('NO_WINDOWS', 'calibration needs at least one window');

  heartbeat({ phase: 'estimating', windows: windows.length });
  const estimate = estimateCalibration(windows, sessions, {
    ...(parsed.data.sigmaGridMs === undefined ? {} : { sigmaGridMs: parsed.data.sigmaGridMs }),
    ...(parsed.data.maxDepthTicks === undefined ? {} : { maxDepthTicks: parsed.data.maxDepthTicks }),
  });
  const fit = estimate.fillIntensity;
  const params = paramsOrFail(
    { ...baseParams, kPerTick: fit.kPerTick },
    `calibrate ${calibrationId} calibrated params`,
  );
  const result: CalibrationResult = {
    calibrationId,
    venue: instrument.venue,
    symbol: instrument.symbol,
    sigma: estimate.sigma,
    fillIntensity: { ...fit, bySide: estimate.bySide },
    params,
  };
  await saveCalibration(deps.db, {
    id: calibrationId,
    venue: instrument.venue,
    symbol: instrument.symbol,
    windows,
    sigmaTicksPerSqrtSec: estimate.sigma.ticksPerSqrtSec,
    aPerSec: fit.aPerSec,
    kPerTick: fit.kPerTick,
    r2: fit.r2,
    points: fit.points,
    params: { ...params },
    result: { ...result },
  });
  deps.log.info(
    {
      calibrationId,
      symbol: instrument.symbol,
      windows: windows.length,
      sigmaTicksPerSqrtSec: estimate.sigma.ticksPerSqrtSec,
      aPerSec: fit.aPerSec,
      kPerTick: fit.kPerTick,
      r2: fit.r2,
      points: fit.points,
    },
    'calibration',
  );
  return result;
}
