/**
 * The contract of an mmflow alpha ONNX file: graph input/output names, opset and IR version, and the
 * model metadata (ModelProto.metadata_props) written by the exporter and checked by the loader.
 *
 * Metadata keys (all values strings):
 *   mmflow.schema         `alpha/1`
 *   mmflow.feature_names  JSON array of the input columns, in order (ALPHA_FEATURE_NAMES)
 *   mmflow.horizon_ms     horizon of the predicted mid move, ms (positive integer)
 *   mmflow.label          what the output means (`mid(t + horizon) − mid(t), ticks`)
 *   mmflow.train_digest   sha256 of the training rows (ml/artifacts.ts alphaRowsDigest), hex
 *   mmflow.training_id    (optional) id of the training run
 *   mmflow.seed           (optional) trainer seed
 */
import { z } from 'zod';
import { PermanentError } from '../core/errors.ts';

/** Name of the graph input: float32 [N, featureCount]. */
export const ALPHA_ONNX_INPUT = 'features';
/** Name of the graph output: float32 [N, 1], predicted mid move, ticks. */
export const ALPHA_ONNX_OUTPUT = 'alpha_ticks';
/**
 * Default-domain opset of the graph. 17 (ONNX 1.12) is accepted by onnxruntime 1.30 and by the onnx
 * 1.23 checker; Sub, Div, Gemm and Tanh have had their current definitions since opset 13–14.
 */
export const ALPHA_ONNX_OPSET = 17;
/** IR version paired with opset 17 (ONNX 1.12 → IR 8; the checker rejects an older IR for it). */
export const ALPHA_ONNX_IR_VERSION = 8;
/** `mmflow.schema` of the files this code writes and reads. */
export const ALPHA_ONNX_SCHEMA = 'alpha/1';
/** `mmflow.label` value. */
export const ALPHA_ONNX_LABEL = 'mid(t + horizon) - mid(t), ticks';

/** What the metadata of an alpha ONNX file says. */
export interface AlphaOnnxMetadata {
  /** Input columns in order. */
  readonly featureNames: readonly string[];
  /** Horizon of the predicted mid move, ms. */
  readonly horizonMs: number;
  /** sha256 (hex) of the training rows. */
  readonly trainDigest: string;
  /** Id of the training run, when recorded. */
  readonly trainingId?: string;
  /** Trainer seed, when recorded. */
  readonly seed?: number;
}

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex digits');
const intString = z
  .string()
  .regex(/^-?\d+$/, 'expected an integer')
  .transform(Number)
  .pipe(z.number().int());

const MetadataSchema = z.object({
  'mmflow.schema': z.literal(ALPHA_ONNX_SCHEMA),
  'mmflow.feature_names': z
    .string()
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not JSON' });
        return z.NEVER;
      }
    })
    .pipe(z.array(z.string().min(1)).min(1)),
  'mmflow.horizon_ms': intString.pipe(z.number().int().positive()),
  'mmflow.label': z.literal(ALPHA_ONNX_LABEL),
  'mmflow.train_digest': hex64,
  'mmflow.training_id': z.string().min(1).optional(),
  'mmflow.seed': intString.optional(),
});

/** Metadata → ordered `metadata_props` entries (fixed key order, so the bytes are deterministic). */
export function metadataEntries(meta: AlphaOnnxMetadata): { key: string; value: string }[] {
  const entries = [
    { key: 'mmflow.schema', value: ALPHA_ONNX_SCHEMA },
    { key: 'mmflow.feature_names', value: JSON.stringify(meta.featureNames) },
    { key: 'mmflow.horizon_ms', value: String(meta.horizonMs) },
    { key: 'mmflow.label', value: ALPHA_ONNX_LABEL },
    { key: 'mmflow.train_digest', value: meta.trainDigest },
  ];
  if (meta.trainingId !== undefined) entries.push({ key: 'mmflow.training_id', value: meta.trainingId });
  if (meta.seed !== undefined) entries.push({ key: 'mmflow.seed', value: String(meta.seed) });
  return entries;
}

/**
 * Parses `metadata_props` entries read from a file.
 * @param where the file, for messages.
 * @throws PermanentError `ALPHA_MODEL_METADATA` naming the file and the key when a key is missing,
 *   duplicated or invalid.
 */
export function parseMetadataEntries(
  entries: readonly { readonly key?: string | null; readonly value?: string | null }[],
  where: string,
): AlphaOnnxMetadata {
  const record: Record<string, string> = {};
  for (const e of entries) {
    const key = e.key ?? '';
    if (Object.hasOwn(record, key))
      throw new PermanentError('ALPHA_MODEL_METADATA', `${where}: metadata key "${key}" appears twice`, {
        where,
        key,
      });
    record[key] = e.value ?? '';
  }
  const parsed = MetadataSchema.safeParse(record);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path.join('.') ?? '';
    throw new PermanentError(
      'ALPHA_MODEL_METADATA',
      `${where}: metadata ${key === '' ? '' : `"${key}" `}is invalid: ${issue?.message ?? 'unknown'}`,
      { where, key },
    );
  }
  const m = parsed.data;
  return {
    featureNames: m['mmflow.feature_names'],
    horizonMs: m['mmflow.horizon_ms'],
    trainDigest: m['mmflow.train_digest'],
    ...(m['mmflow.training_id'] === undefined ? {} : { trainingId: m['mmflow.training_id'] }),
    ...(m['mmflow.seed'] === undefined ? {} : { seed: m['mmflow.seed'] }),
  };
}
