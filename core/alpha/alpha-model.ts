/**
 * The alpha-model port: what the quoting engine's drivers call to turn a feature vector
 * (core/alpha/features.ts) into a predicted mid move. The ONNX Runtime implementation lives outside
 * core (it does I/O and runs off the JS thread); tests use small deterministic implementations.
 */

/**
 * A model predicting the mid move over its horizon, ticks, from one feature vector
 * (ALPHA_FEATURE_NAMES order). Async: ONNX Runtime runs off the JS thread.
 */
export interface AlphaModel {
  /** Names of the inputs the model expects, in order; must equal ALPHA_FEATURE_NAMES to be used. */
  readonly featureNames: readonly string[];
  /**
   * @param features one vector of ALPHA_FEATURE_COUNT float32 values; the callee must not keep it
   *   (the caller may reuse the array once the promise settles).
   * @returns the predicted mid move over the model's horizon, ticks (finite; + = up).
   */
  predict(features: Float32Array): Promise<number>;
  /** Releases the model's resources (sessions, buffers); absent when there is nothing to release. */
  close?(): Promise<void>;
}

/**
 * Checks that `model` reads the features in the order the engine builds them.
 * @param expected the engine's names (ALPHA_FEATURE_NAMES).
 * @throws RangeError naming both lists when they differ.
 */
export function requireFeatureNames(model: AlphaModel, expected: readonly string[]): void {
  const got = model.featureNames;
  if (got.length !== expected.length || got.some((name, i) => name !== expected[i])) {
    throw new RangeError(
      `alpha model expects features [${got.join(', ')}], the engine builds [${expected.join(', ')}]`,
    );
  }
}
