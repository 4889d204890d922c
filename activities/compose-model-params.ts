/**
 * Full model parameters from a pipeline step's `params` and optional `alpha` block: the one
 * composition shared by the evaluation (./evaluate-model.ts) and the registration
 * (./register-model.ts) of a candidate, so the model evaluated is the model registered.
 */
import { isDeepStrictEqual } from 'node:util';
import { PermanentError } from '../core/errors.ts';
import {
  ModelParamsError,
  parseModelParams,
  type AlphaParams,
  type ModelParams,
} from '../core/quoting/model-params.ts';

/**
 * `raw` parsed as model parameters, with `alpha` attached when given.
 * @param raw model parameters (e.g. the study's `bestParams`); may already carry an alpha block.
 * @param alpha the ONNX alpha term to attach (V1.5 only), or undefined.
 * @param where the source, e.g. `evaluate-model params`, put at the head of every message.
 * @throws PermanentError `INVALID_MODEL_PARAMS` naming each field the model layer refuses;
 *   `ALPHA_NOT_SUPPORTED` when `alpha` is given for a model without an alpha term (V1-α);
 *   `ALPHA_CONFLICT` when `raw` already carries a different alpha block.
 */
export function composeModelParams(raw: unknown, alpha: AlphaParams | undefined, where: string): ModelParams {
  const params = parsed(raw, where);
  if (alpha === undefined) return params;
  if (params.model !== 'as-v1.5')
    throw new PermanentError(
      'ALPHA_NOT_SUPPORTED',
      `${where}: model ${params.model} has no alpha term; attach alpha to an as-v1.5 model`,
      { model: params.model },
    );
  if (params.alpha !== undefined && !isDeepStrictEqual({ ...params.alpha }, { ...alpha }))
    throw new PermanentError(
      'ALPHA_CONFLICT',
      `${where}: params already carry alpha ${params.alpha.artifactPath} (sha256 ${params.alpha.sha256}); give the alpha block once`,
      { artifactPath: params.alpha.artifactPath, given: alpha.artifactPath },
    );
  return parsed({ ...params, alpha }, where);
}

function parsed(raw: unknown, where: string): ModelParams {
  try {
    return parseModelParams(raw, where);
  } catch (err) {
    if (err instanceof ModelParamsError)
      throw new PermanentError('INVALID_MODEL_PARAMS', err.message, { where }, { cause: err });
    throw err;
  }
}
