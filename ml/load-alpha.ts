/**
 * Loads the ONNX alpha model a model version names (its `alpha` block: artifact path in the model
 * store, sha256, horizon), checked before use: the file's sha256, its feature names (ALPHA_FEATURE_NAMES,
 * the order core/alpha/features.ts writes them) and its horizon must match (ml/onnx-alpha-model.ts).
 * The one loader the engine process, the backtest activity and the CLI use.
 */
import { ALPHA_FEATURE_NAMES } from '../core/alpha/features.ts';
import type { AlphaSource } from '../core/quoting/model-params.ts';
import { modelStoreDir, resolveArtifactPath } from './artifacts.ts';
import { OnnxAlphaModel } from './onnx-alpha-model.ts';

/**
 * @param alpha the model version's alpha block.
 * @param storeDir the model store (default MMFLOW_MODEL_STORE or `<repo>/models`).
 * @returns the loaded model (close it when done).
 * @throws PermanentError from OnnxAlphaModel.load, naming the file (unreadable, digest mismatch,
 *   corrupt, other features or horizon).
 */
export async function loadAlphaModel(
  alpha: AlphaSource,
  storeDir: string = modelStoreDir(),
): Promise<OnnxAlphaModel> {
  return OnnxAlphaModel.load(resolveArtifactPath(alpha.artifactPath, storeDir), {
    expectedSha256: alpha.sha256,
    expectedFeatureNames: ALPHA_FEATURE_NAMES,
    expectedHorizonMs: alpha.horizonMs,
  });
}
