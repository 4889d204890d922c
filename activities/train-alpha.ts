/**
 * The `trainAlpha` activity of the weekly retraining: builds the alpha data set from recorded windows
 * (replaying each session with the engine's feature tap, core/alpha/replay-rows.ts), splits it in time
 * with purging and an embargo, trains the network (core/alpha/trainer.ts), exports it to ONNX
 * (ml/onnx-export.ts), writes the artifact atomically into the model store, then loads the written
 * file in onnxruntime-node (sha256-checked, ml/onnx-alpha-model.ts) and runs it on the whole
 * validation set: if any output differs from the trainer's by more than 1e-5 the artifact is deleted
 * and the activity fails with a non-retryable error. The parity figure is returned for the registry.
 *
 * Idempotent: the artifact is `alpha-<trainingId>.onnx`; a retry with the same input rebuilds the same
 * bytes (the whole chain is deterministic for a seed) and replaces the file with identical content.
 * docs/alpha-model.md describes features, label, model, export and parity.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { concatRows, splitTimeOrdered, type AlphaRows } from '../core/alpha/dataset.ts';
import { ALPHA_FEATURE_NAMES, ALPHA_WARMUP_MS } from '../core/alpha/features.ts';
import { predictNetFloat32 } from '../core/alpha/mlp.ts';
import { rowsFromSession } from '../core/alpha/replay-rows.ts';
import { trainAlphaNet } from '../core/alpha/trainer.ts';
import type { SessionWindow } from '../core/dataset/windows.ts';
import { PermanentError } from '../core/errors.ts';
import type { Instrument } from '../core/instrument.ts';
import {
  DEFAULT_AS_V15_BTCUSDT_SPOT,
  ModelParamsError,
  parseModelParams,
  type ModelParams,
} from '../core/quoting/model-params.ts';
import { alphaRowsDigest, modelStoreDir, writeArtifactAtomic } from '../ml/artifacts.ts';
import { OnnxAlphaModel } from '../ml/onnx-alpha-model.ts';
import { exportAlphaOnnx } from '../ml/onnx-export.ts';
import type { ActivityDeps } from './index.ts';
import { loadSessionCached } from './session-cache.ts';
import { heartbeat } from './heartbeat.ts';

/** Largest |ONNX − trainer| output difference accepted, ticks. */
export const ALPHA_PARITY_TOLERANCE = 1e-5;

/** Input of {@link trainAlpha}. */
export interface TrainAlphaInput {
  /** Idempotency key and artifact name, e.g. `<workflowId>.<stepId>`: letters, digits, `._-`. */
  readonly trainingId: string;
  /** Windows to train on (normally the data-quality gate's `included`); one instrument. */
  readonly windows: readonly SessionWindow[];
  /** Label horizon, ms (integer > 0). */
  readonly horizonMs: number;
  /** Trainer seed (safe integer). */
  readonly seed: number;
  /** Hidden tanh units (0 = linear model). Default 16. */
  readonly hidden?: number;
  /** Most training epochs. Default 200. */
  readonly epochs?: number;
  /** Model parameters whose signal settings (σ, OFI, DI) produce the features; default the V1.5 defaults. */
  readonly params?: ModelParams;
  /** Latest share of the rows held out for validation. Default 0.2. */
  readonly validationFraction?: number;
  /** Gap between a training label's end and the first validation row, ms. Default max(horizon, 5 s). */
  readonly embargoMs?: number;
  /** Code version recorded as the ONNX producer_version (e.g. a git commit). Default `unversioned`. */
  readonly codeVersion?: string;
}

/** Result of {@link trainAlpha} (JSON-safe). */
export interface TrainAlphaResult {
  readonly trainingId: string;
  /** Artifact path relative to the model store (ml/artifacts.ts resolveArtifactPath). */
  readonly artifactPath: string;
  /** sha256 of the artifact, hex. */
  readonly sha256: string;
  readonly sizeBytes: number;
  readonly featureNames: readonly string[];
  readonly horizonMs: number;
  /** sha256 of the training rows (also in the ONNX metadata) and of all labelled rows. */
  readonly trainDigest: string;
  readonly datasetDigest: string;
  readonly instrument: { readonly venue: Instrument['venue']; readonly symbol: string };
  readonly metrics: {
    /** MSE, ticks². */
    readonly trainMse: number;
    readonly valMse: number;
    readonly valR2: number;
    /** Share of moving validation labels whose sign the model got right. */
    readonly valHitRatio: number;
    readonly trainRows: number;
    readonly valRows: number;
    readonly valDirectionalRows: number;
    /** Training rows removed by purging + embargo. */
    readonly purgedRows: number;
    readonly epochsRun: number;
    readonly bestEpoch: number;
  };
  /** Largest |ONNX Runtime − trainer| over `rows` validation rows, ticks (≤ 1e-5 or the activity fails). */
  readonly parity: { readonly maxAbsDiff: number; readonly rows: number; readonly tolerance: number };
  /** Feature vectors sampled inside the windows, and the merged spans they came from. */
  readonly data: {
    readonly sessions: number;
    readonly spans: number;
    readonly samples: number;
    readonly rows: number;
  };
}

/** Ports of the activity: the recorded-data root, the logger, and optionally the model store. */
export type TrainAlphaDeps = Pick<ActivityDeps, 'dataDir' | 'log'> & {
  /** Model store directory; default ml/artifacts.ts modelStoreDir() (env MMFLOW_MODEL_STORE). */
  readonly modelStoreDir?: string;
};

const InputSchema = z.strictObject({
  trainingId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/, 'letters, digits, . _ - (≤ 200)'),
  windows: z
    .array(
      z.strictObject({ sessionId: z.string().min(1), startUs: z.number().int(), endUs: z.number().int() }),
    )
    .min(1),
  horizonMs: z.number().int().positive(),
  seed: z.number().int(),
  hidden: z.number().int().min(0).max(256).optional(),
  epochs: z.number().int().min(1).max(10_000).optional(),
  params: z.unknown().optional(),
  validationFraction: z.number().gt(0).lt(1).optional(),
  embargoMs: z.number().int().min(0).optional(),
  codeVersion: z.string().min(1).max(200).optional(),
});

/**
 * Trains, exports, writes and checks the alpha model; see the module doc.
 * @throws PermanentError `BAD_INPUT` | `BAD_PARAMS` naming the field; `UNKNOWN_SESSION`;
 *   `MIXED_INSTRUMENTS`; `ALPHA_WINDOWS_OVERLAP` (sessions overlapping in time);
 *   `ALPHA_DATASET_TOO_SMALL`; `ALPHA_VALIDATION_FLAT` (no validation label moved: the direction cannot
 *   be evaluated); `ALPHA_ONNX_PARITY` (ONNX Runtime disagrees with the trainer by more than 1e-5;
 *   the artifact is removed); ARTIFACT_WRITE (Permanent or Transient by cause).
 */
export async function trainAlpha(deps: TrainAlphaDeps, input: TrainAlphaInput): Promise<TrainAlphaResult> {
  const parsed = InputSchema.safeParse(input);
  if (!parsed.success)
    throw new PermanentError('BAD_INPUT', `trainAlpha input: ${z.prettifyError(parsed.error)}`, {
      trainingId: String(input.trainingId),
    });
  const inp = parsed.data;
  const { trainingId, horizonMs, seed } = inp;
  const params =
    inp.params === undefined ? DEFAULT_AS_V15_BTCUSDT_SPOT : paramsOrFail(inp.params, trainingId);

  // Sessions in the time order of their first window; each replayed once.
  const bySession = new Map<string, SessionWindow[]>();
  for (const w of [...inp.windows].sort((a, b) => a.startUs - b.startUs)) {
    const list = bySession.get(w.sessionId) ?? [];
    list.push(w);
    bySession.set(w.sessionId, list);
  }
  const parts: AlphaRows[] = [];
  let instrument: Instrument | undefined;
  let spans = 0;
  let samples = 0;
  for (const [sessionId, windows] of bySession) {
    heartbeat({ phase: 'replaying', session: sessionId });
    const loaded = await loadSessionCached(deps.dataDir, sessionId);
    if (instrument === undefined) instrument = loaded.instrument;
    else if (loaded.instrument.venue !== instrument.venue || loaded.instrument.symbol !== instrument.symbol)
      throw new PermanentError(
        'MIXED_INSTRUMENTS',
        `trainAlpha ${trainingId}: session ${sessionId} is ${loaded.instrument.venue} ${loaded.instrument.symbol}, ` +
          `others ${instrument.venue} ${instrument.symbol}; train one instrument at a time (features are in ticks)`,
        { trainingId, sessionId },
      );
    const r = rowsFromSession(loaded.events, {
      instrument: loaded.instrument,
      market: loaded.market,
      params,
      windows,
      horizonMs,
    });
    parts.push(r.rows);
    spans += r.spans.length;
    samples += r.samples;
  }
  if (instrument === undefined) throw new PermanentError('BAD_INPUT', 'trainAlpha needs at least one window');
  const rows = concatRows(parts);
  const split = splitTimeOrdered(rows, {
    embargoMs: inp.embargoMs ?? Math.max(horizonMs, ALPHA_WARMUP_MS),
    ...(inp.validationFraction === undefined ? {} : { validationFraction: inp.validationFraction }),
  });

  heartbeat({ phase: 'training', rows: rows.count });
  const trained = trainAlphaNet(split.train, split.validation, {
    seed,
    ...(inp.hidden === undefined ? {} : { hidden: inp.hidden }),
    ...(inp.epochs === undefined ? {} : { maxEpochs: inp.epochs }),
  });
  const m = trained.metrics;
  if (m.valHitRatio === undefined)
    throw new PermanentError(
      'ALPHA_VALIDATION_FLAT',
      `trainAlpha ${trainingId}: no validation label moved over ${horizonMs} ms (${m.valRows} rows); widen the windows`,
      { trainingId, valRows: m.valRows },
    );

  heartbeat({ phase: 'exporting' });
  const trainDigest = alphaRowsDigest(split.train);
  const bytes = exportAlphaOnnx(
    trained.net,
    { featureNames: ALPHA_FEATURE_NAMES, horizonMs, trainDigest, trainingId, seed },
    { producerVersion: inp.codeVersion ?? 'unversioned' },
  );
  const artifactPath = `alpha-${trainingId}.onnx`;
  const written = await writeArtifactAtomic(join(deps.modelStoreDir ?? modelStoreDir(), artifactPath), bytes);

  heartbeat({ phase: 'parity', rows: split.validation.count });
  const parity = await checkParity(written.path, written.sha256, horizonMs, trained.net, split.validation);
  if (!(parity.maxAbsDiff <= ALPHA_PARITY_TOLERANCE)) {
    await rm(written.path, { force: true });
    throw new PermanentError(
      'ALPHA_ONNX_PARITY',
      `trainAlpha ${trainingId}: ONNX Runtime output differs from the trainer's by ${parity.maxAbsDiff} ticks ` +
        `(> ${ALPHA_PARITY_TOLERANCE}) on the validation set; artifact removed`,
      { trainingId, maxAbsDiff: parity.maxAbsDiff },
    );
  }

  const result: TrainAlphaResult = {
    trainingId,
    artifactPath,
    sha256: written.sha256,
    sizeBytes: written.sizeBytes,
    featureNames: [...ALPHA_FEATURE_NAMES],
    horizonMs,
    trainDigest,
    datasetDigest: alphaRowsDigest(rows),
    instrument: { venue: instrument.venue, symbol: instrument.symbol },
    metrics: {
      trainMse: m.trainMse,
      valMse: m.valMse,
      valR2: m.valR2,
      valHitRatio: m.valHitRatio,
      trainRows: m.trainRows,
      valRows: m.valRows,
      valDirectionalRows: m.valDirectionalRows,
      purgedRows: split.purgedRows,
      epochsRun: trained.epochsRun,
      bestEpoch: trained.bestEpoch,
    },
    parity: { ...parity, tolerance: ALPHA_PARITY_TOLERANCE },
    data: { sessions: bySession.size, spans, samples, rows: rows.count },
  };
  deps.log.info(
    {
      trainingId,
      symbol: instrument.symbol,
      sha256: written.sha256,
      rows: rows.count,
      valR2: m.valR2,
      valHitRatio: m.valHitRatio,
      parityMaxAbsDiff: parity.maxAbsDiff,
    },
    'alpha model trained',
  );
  return result;
}

/** Loads the written file as the engine will (sha256-checked) and compares it with the trainer. */
async function checkParity(
  path: string,
  sha256: string,
  horizonMs: number,
  net: Parameters<typeof predictNetFloat32>[0],
  validation: AlphaRows,
): Promise<{ maxAbsDiff: number; rows: number }> {
  const model = await OnnxAlphaModel.load(path, { expectedSha256: sha256, expectedHorizonMs: horizonMs });
  try {
    const onnxOut = await model.predictBatch(validation.x, validation.count);
    const reference = predictNetFloat32(net, validation.x, validation.count);
    let maxAbsDiff = 0;
    for (let i = 0; i < validation.count; i++) {
      const d = Math.abs(onnxOut[i]! - reference[i]!);
      if (!(d <= maxAbsDiff)) maxAbsDiff = d; // NaN propagates as a failure
    }
    return { maxAbsDiff, rows: validation.count };
  } finally {
    await model.close();
  }
}

function paramsOrFail(value: unknown, trainingId: string): ModelParams {
  try {
    return parseModelParams(value, `trainAlpha ${trainingId} params`);
  } catch (err) {
    if (err instanceof ModelParamsError)
      throw new PermanentError('BAD_PARAMS', err.message, { trainingId, issues: err.issues });
    throw err;
  }
}
