/**
 * The alpha blocks of the models with an ONNX alpha term: an ONNX model predicting the mid move over
 * `horizonMs` from the features of core/alpha/features.ts, applied as a clamped centre shift. V1.5
 * clamps it in ticks (docs/adr/0006-quoting-model-v1-5.md §Alpha); the fair-value model in σ₁ₛ units
 * (docs/adr/0020-fair-value-quoter.md). Strict.
 */
import { z } from 'zod';

const positiveInt = z.int().positive();

/** What every alpha block has: the artifact, its digest, the weight and the prediction schedule. */
const alphaSourceFields = {
  /** Path of the ONNX artifact (relative to the model store, e.g. `models/alpha-…onnx`). */
  artifactPath: z.string().min(1),
  /** sha256 of the artifact, 64 lower-case hex digits (checked by the loader before use). */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex digits'),
  /** Weight applied to the predicted mid move (ticks → ticks; signed, finite). */
  weight: z.number().finite(),
  /** Market time between two predictions, ms (integer > 0; a multiple of the 100-ms feature grid). */
  intervalMs: positiveInt.refine((ms) => ms % 100 === 0, 'must be a multiple of 100 ms (the feature grid)'),
  /** Horizon of the predicted mid move, ms (integer > 0); a prediction older than this is dropped (0). */
  horizonMs: positiveInt,
};

/** The alpha block of a V1.5 model version. */
export const AlphaParamsSchema = z.strictObject({
  artifactPath: alphaSourceFields.artifactPath,
  sha256: alphaSourceFields.sha256,
  /** Bound of the alpha shift |weight·alphaTicks|, ticks, in [0, 3] (inside the ±3-tick total clamp). */
  maxShiftTicks: z.number().nonnegative().max(3),
  weight: alphaSourceFields.weight,
  intervalMs: alphaSourceFields.intervalMs,
  horizonMs: alphaSourceFields.horizonMs,
});

/** The alpha block of a V1.5 model version. */
export type AlphaParams = Readonly<z.infer<typeof AlphaParamsSchema>>;

/** The alpha block of a fair-value model version: the shift is bounded in σ₁ₛ units, not ticks. */
export const FairValueAlphaSchema = z.strictObject({
  ...alphaSourceFields,
  /** Bound of the alpha shift |weight·alphaTicks|, σ₁ₛ units, in [0, 5]. */
  maxShiftSigma: z.number().nonnegative().max(5),
});

/** The alpha block of a fair-value model version. */
export type FairValueAlpha = Readonly<z.infer<typeof FairValueAlphaSchema>>;

/** What loaders and the engine read of any alpha block (both kinds satisfy it). */
export type AlphaSource = Pick<
  AlphaParams,
  'artifactPath' | 'sha256' | 'weight' | 'intervalMs' | 'horizonMs'
>;
