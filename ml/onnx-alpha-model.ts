/**
 * The alpha model run by ONNX Runtime (onnxruntime-node, CPU): `OnnxAlphaModel implements AlphaModel`.
 *
 * Loading is checked before anything runs: the file's bytes are read once, their sha256 must equal the
 * one recorded in the registry (so the model that runs is the model that was validated), the bytes
 * must decode as an ONNX ModelProto with valid mmflow metadata (ml/onnx-metadata.ts) naming the
 * expected features, and the session must expose exactly the `features` input and the `alpha_ticks`
 * output. The same bytes that were hashed are given to ONNX Runtime (no second read).
 */
import { readFile } from 'node:fs/promises';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { ALPHA_FEATURE_NAMES } from '../core/alpha/features.ts';
import type { AlphaModel } from '../core/alpha/alpha-model.ts';
import { InvariantViolation, PermanentError } from '../core/errors.ts';
import { sha256Hex } from './artifacts.ts';
import {
  ALPHA_ONNX_INPUT,
  ALPHA_ONNX_OUTPUT,
  parseMetadataEntries,
  type AlphaOnnxMetadata,
} from './onnx-metadata.ts';

const { onnx } = onnxProto;

/** Options of {@link OnnxAlphaModel.load}. */
export interface LoadAlphaOptions {
  /** sha256 the file must have (64 hex digits, as recorded in the registry). */
  readonly expectedSha256: string;
  /** Input columns the caller will feed, in order. Default ALPHA_FEATURE_NAMES. */
  readonly expectedFeatureNames?: readonly string[];
  /** Horizon the caller expects, ms; checked against the metadata when given. */
  readonly expectedHorizonMs?: number;
}

/** An alpha model in an ONNX Runtime session. */
export class OnnxAlphaModel implements AlphaModel {
  readonly featureNames: readonly string[];
  /** Horizon of the predicted move, ms (from the file's metadata). */
  readonly horizonMs: number;
  /** sha256 of the loaded file. */
  readonly sha256: string;
  /** The file's mmflow metadata. */
  readonly metadata: AlphaOnnxMetadata;
  private readonly session: ort.InferenceSession;
  private closed = false;

  private constructor(session: ort.InferenceSession, metadata: AlphaOnnxMetadata, sha256: string) {
    this.session = session;
    this.metadata = metadata;
    this.featureNames = metadata.featureNames;
    this.horizonMs = metadata.horizonMs;
    this.sha256 = sha256;
  }

  /**
   * Reads, verifies and loads an alpha ONNX file.
   * @param path the file (absolute, or relative to the current directory; see ml/artifacts.ts
   *   resolveArtifactPath for registry paths).
   * @throws PermanentError, each naming the file:
   *   `ARTIFACT_READ` (unreadable), `ALPHA_MODEL_DIGEST` (sha256 differs from the expected one),
   *   `ALPHA_MODEL_CORRUPT` (not a decodable ONNX model, or ONNX Runtime refuses it),
   *   `ALPHA_MODEL_METADATA` (metadata missing/invalid), `ALPHA_MODEL_FEATURES` (other feature names or
   *   horizon than expected), `ALPHA_MODEL_IO` (other graph input/output names).
   */
  static async load(path: string, opts: LoadAlphaOptions): Promise<OnnxAlphaModel> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (err) {
      throw new PermanentError(
        'ARTIFACT_READ',
        `cannot read alpha model ${path}: ${(err as Error).message}`,
        { path },
        {
          cause: err,
        },
      );
    }
    const sha256 = sha256Hex(bytes);
    if (sha256 !== opts.expectedSha256.toLowerCase())
      throw new PermanentError(
        'ALPHA_MODEL_DIGEST',
        `alpha model ${path} has sha256 ${sha256}, expected ${opts.expectedSha256}: refusing to load it`,
        { path, sha256, expected: opts.expectedSha256 },
      );
    let proto: onnxProto.onnx.ModelProto;
    try {
      proto = onnx.ModelProto.decode(bytes);
    } catch (err) {
      throw corrupt(path, err);
    }
    const metadata = parseMetadataEntries(proto.metadataProps, path);
    const expected = opts.expectedFeatureNames ?? ALPHA_FEATURE_NAMES;
    const got = metadata.featureNames;
    if (got.length !== expected.length || got.some((n, i) => n !== expected[i]))
      throw new PermanentError(
        'ALPHA_MODEL_FEATURES',
        `alpha model ${path} reads features [${got.join(', ')}], expected [${expected.join(', ')}]`,
        { path },
      );
    if (opts.expectedHorizonMs !== undefined && metadata.horizonMs !== opts.expectedHorizonMs)
      throw new PermanentError(
        'ALPHA_MODEL_FEATURES',
        `alpha model ${path} predicts over ${metadata.horizonMs} ms, expected ${opts.expectedHorizonMs} ms`,
        { path },
      );
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, {
        executionProviders: ['cpu'],
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
      });
    } catch (err) {
      throw corrupt(path, err);
    }
    const ins = session.inputNames;
    const outs = session.outputNames;
    if (
      ins.length !== 1 ||
      ins[0] !== ALPHA_ONNX_INPUT ||
      outs.length !== 1 ||
      outs[0] !== ALPHA_ONNX_OUTPUT
    ) {
      await session.release();
      throw new PermanentError(
        'ALPHA_MODEL_IO',
        `alpha model ${path} has inputs [${ins.join(', ')}] and outputs [${outs.join(', ')}], expected ` +
          `[${ALPHA_ONNX_INPUT}] and [${ALPHA_ONNX_OUTPUT}]`,
        { path },
      );
    }
    return new OnnxAlphaModel(session, metadata, sha256);
  }

  /**
   * Predicted mid move over the horizon, ticks, for one feature vector (not kept after the call).
   * @throws InvariantViolation `ALPHA_FEATURE_COUNT` on a vector of the wrong length,
   *   `ALPHA_NON_FINITE` if the model outputs NaN/±Infinity (e.g. from a non-finite feature),
   *   `ALPHA_MODEL_CLOSED` after `close`.
   */
  async predict(features: Float32Array): Promise<number> {
    const out = await this.predictBatch(features, 1);
    return out[0]!;
  }

  /**
   * Predictions for `rows` vectors (x row-major, rows × featureCount float32), ticks, as float32.
   * @throws as `predict`.
   */
  async predictBatch(x: Float32Array, rows: number): Promise<Float32Array> {
    if (this.closed) throw new InvariantViolation('ALPHA_MODEL_CLOSED', 'alpha model used after close()');
    const d = this.featureNames.length;
    if (!Number.isInteger(rows) || rows < 1 || x.length !== rows * d)
      throw new InvariantViolation('ALPHA_FEATURE_COUNT', `expected ${rows}×${d} features, got ${x.length}`);
    // The tensor views a copy: ONNX Runtime reads it asynchronously, the caller may reuse `x` at once.
    const input = new ort.Tensor('float32', x.slice(), [rows, d]);
    const result = await this.session.run({ [ALPHA_ONNX_INPUT]: input });
    const output = result[ALPHA_ONNX_OUTPUT];
    if (output === undefined || output.type !== 'float32' || !(output.data instanceof Float32Array))
      throw new InvariantViolation(
        'ALPHA_MODEL_OUTPUT',
        `alpha model returned no float32 ${ALPHA_ONNX_OUTPUT}`,
      );
    const data = output.data;
    if (data.length !== rows)
      throw new InvariantViolation(
        'ALPHA_MODEL_OUTPUT',
        `alpha model returned ${data.length} values for ${rows} rows`,
      );
    for (let i = 0; i < rows; i++)
      if (!Number.isFinite(data[i]!))
        throw new InvariantViolation('ALPHA_NON_FINITE', `alpha model output ${data[i]} for row ${i}`, {
          row: i,
        });
    return data;
  }

  /** Releases the ONNX Runtime session; later calls to predict fail. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.session.release();
  }
}

function corrupt(path: string, err: unknown): PermanentError {
  return new PermanentError(
    'ALPHA_MODEL_CORRUPT',
    `alpha model ${path} is not a valid ONNX model: ${(err as Error).message}`,
    { path },
    { cause: err },
  );
}
