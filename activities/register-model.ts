/**
 * The `register-model` activity: the last step of the retraining pipeline. Registers a candidate model
 * version with its parameters, its ONNX alpha artifact (when it has one), the figures it was chosen on
 * (in-sample and out-of-sample) and its lineage (dataset digests, data-quality gate, calibration,
 * study, training, workflow and run ids, code version).
 *
 * Before registering, every artifact is checked on disk: it must exist in the model store and its
 * sha256 must equal the one the training step reported (a changed or truncated file is refused, never
 * registered). A retried activity returns the version it already registered (the registration key is
 * the step's idempotency key; db/repositories/models.ts).
 */
import { stat } from 'node:fs/promises';
import { z } from 'zod';
import type { ActivityDeps } from './index.ts';
import { codeVersion } from '../app/code-version.ts';
import { PermanentError } from '../core/errors.ts';
import { AlphaParamsSchema, alphaParamsOf } from '../core/quoting/model-params.ts';
import { composeModelParams } from './compose-model-params.ts';
import { registerModelVersion, type ModelArtifact } from '../db/repositories/models.ts';
import { resolveArtifactPath, sha256File } from '../ml/artifacts.ts';

/** Input of {@link registerModel}: the step's validated `with` plus the idempotency key. */
export const RegisterModelInputSchema = z.strictObject({
  /** Idempotency key: `reg:<workflowId>.<stepId>`. */
  registrationKey: z.string().min(1),
  /** Model name; the version is the next free one of that name. */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" or "-"'),
  /** Model parameters (e.g. the study's best); parsed with parseModelParams. */
  params: z.record(z.string(), z.unknown()),
  /** The version these parameters were derived from (the base model), if registered. */
  parentId: z.string().min(1).optional(),
  /** The ONNX alpha term to attach (V1.5 only): the training step's artifact and how to apply it. */
  alpha: AlphaParamsSchema.optional(),
  /** Figures the version was chosen on, e.g. `{ inSample, outOfSample, calibration, alpha }`. */
  metrics: z.record(z.string(), z.unknown()),
  lineage: z.looseObject({
    /** Dataset (session) → sha256 of its files. */
    datasetDigests: z.record(z.string(), z.string()),
    workflowIds: z.array(z.string()),
    runIds: z.array(z.string()).optional(),
    dataQualityGateId: z.string().optional(),
    calibrationId: z.string().optional(),
    studyId: z.string().optional(),
    trainingId: z.string().optional(),
  }),
});
export type RegisterModelInput = z.input<typeof RegisterModelInputSchema>;

/** What the step returns (its outputs). */
export interface RegisterModelResult {
  readonly modelVersionId: string;
  readonly name: string;
  readonly version: number;
  readonly status: string;
  readonly model: string;
  /** sha256 of the ONNX artifact, or null without alpha. */
  readonly alphaSha256: string | null;
}

/**
 * Registers the candidate (status `candidate`).
 * @throws PermanentError `REGISTER_INVALID_INPUT` naming the field; `INVALID_MODEL_PARAMS` for params
 *   the model layer refuses; `ALPHA_NOT_SUPPORTED` when alpha is attached to a model without an alpha
 *   term; `ALPHA_CONFLICT` when the params carry another alpha block; `ARTIFACT_MISSING` /
 *   `ARTIFACT_DIGEST_MISMATCH` naming the file (of `alpha`, or of the params' own alpha block); the registry's
 *   `MODEL_VERSION_CONFLICT` when the key was used for other parameters.
 */
export async function registerModel(
  deps: ActivityDeps,
  raw: RegisterModelInput,
): Promise<RegisterModelResult> {
  const parsed = RegisterModelInputSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`,
    );
    throw new PermanentError('REGISTER_INVALID_INPUT', `register-model: ${problems.join('; ')}`);
  }
  const input = parsed.data;
  // The artifact is checked whether the alpha block comes separately or inside the params.
  const params = composeModelParams(input.params, input.alpha, `register-model ${input.name} params`);
  const alpha = alphaParamsOf(params);
  const artifacts: ModelArtifact[] =
    alpha === undefined ? [] : [await checkedArtifact(alpha.artifactPath, alpha.sha256)];
  const version = await registerModelVersion(deps.db, {
    name: input.name,
    kind: params.model,
    params: { ...params },
    status: 'candidate',
    ...(input.parentId === undefined ? {} : { parentId: input.parentId }),
    artifacts,
    metrics: input.metrics,
    lineage: { ...input.lineage, codeVersion: await codeVersion() },
    registrationKey: input.registrationKey,
  });
  deps.log.info(
    { modelVersionId: version.id, model: params.model, artifacts: artifacts.length },
    'registered candidate model version',
  );
  return {
    modelVersionId: version.id,
    name: version.name,
    version: version.version,
    status: version.status,
    model: params.model,
    alphaSha256: artifacts[0]?.sha256 ?? null,
  };
}

/** The artifact at `artifactPath` (model store relative or absolute), checked against `sha256`. */
async function checkedArtifact(artifactPath: string, sha256: string): Promise<ModelArtifact> {
  const path = resolveArtifactPath(artifactPath);
  let bytes: number;
  try {
    bytes = (await stat(path)).size;
  } catch (err) {
    throw new PermanentError(
      'ARTIFACT_MISSING',
      `register-model: artifact ${path} cannot be read`,
      { path },
      { cause: err },
    );
  }
  const actual = await sha256File(path);
  if (actual !== sha256)
    throw new PermanentError(
      'ARTIFACT_DIGEST_MISMATCH',
      `register-model: artifact ${path} has sha256 ${actual}, the training step reported ${sha256}`,
      { path, expected: sha256, actual },
    );
  return { kind: 'onnx', path: artifactPath, sha256, bytes };
}
