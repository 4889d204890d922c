/**
 * The `calibrate` pipeline step's activity: calibrates the parameters of a REGISTERED model version
 * (looked up by id, parsed with parseModelParams) over session windows, with ./calibrate.ts.
 */
import type { ActivityDeps } from './index.ts';
import { calibrate, type CalibrationResult } from './calibrate.ts';
import type { SessionWindow } from '../core/dataset/windows.ts';
import { PermanentError } from '../core/errors.ts';
import { parseModelParams } from '../core/quoting/model-params.ts';
import { getModelVersion } from '../db/repositories/models.ts';

/** Input: the step's `with` plus the idempotency key. */
export interface CalibrateModelVersionInput {
  /** Idempotency key, `cal:<workflowId>.<stepId>`. */
  readonly calibrationId: string;
  readonly windows: readonly SessionWindow[];
  /** Model version id, `<name>@<version>`. */
  readonly baseModel: string;
  readonly maxDepthTicks?: number | undefined;
  readonly sigmaGridMs?: number | undefined;
}

/**
 * @returns the calibration (stored in `calibrations` by ./calibrate.ts) and the base model's id.
 * @throws PermanentError `UNKNOWN_MODEL` (not in the registry), `BAD_MODEL_PARAMS` (its params do not
 *   parse), and whatever ./calibrate.ts throws (no trades at depth, degenerate fit, unknown session…).
 */
export async function calibrateModelVersion(
  deps: ActivityDeps,
  input: CalibrateModelVersionInput,
): Promise<CalibrationResult & { readonly baseModel: string }> {
  const model = await getModelVersion(deps.db, input.baseModel);
  if (model === undefined)
    throw new PermanentError('UNKNOWN_MODEL', `model version "${input.baseModel}" is not in the registry`, {
      model: input.baseModel,
    });
  let baseParams;
  try {
    baseParams = parseModelParams(model.params, `model_versions ${model.id} params`);
  } catch (err) {
    throw new PermanentError('BAD_MODEL_PARAMS', (err as Error).message, { model: model.id }, { cause: err });
  }
  const result = await calibrate(deps, {
    calibrationId: input.calibrationId,
    windows: input.windows,
    baseParams,
    ...(input.maxDepthTicks === undefined ? {} : { maxDepthTicks: input.maxDepthTicks }),
    ...(input.sigmaGridMs === undefined ? {} : { sigmaGridMs: input.sigmaGridMs }),
  });
  return { ...result, baseModel: model.id };
}
