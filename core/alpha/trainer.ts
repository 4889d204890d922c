/**
 * Trains the alpha network (core/alpha/mlp.ts) on time-split rows (core/alpha/dataset.ts):
 *  1. standardisation: mean and population standard deviation per feature from the TRAINING rows only
 *     (a feature constant over them gets mean = its value, std = 1 and zero first-layer weights, so
 *     it contributes nothing, whatever it does later);
 *  2. Glorot-uniform initial weights, output bias = mean training label;
 *  3. mini-batch Adam (Kingma & Ba 2015) on MSE or Huber loss (Huber 1964), the training rows
 *     reshuffled each epoch by a seeded PRNG (within the training side only);
 *  4. early stopping on the validation loss (Prechelt, "Early Stopping — But When?", 1998): keep the
 *     parameters of the best epoch, stop after `patience` epochs without improvement;
 *  5. the kept parameters are the model (float64, exported as they are to ONNX); the reported
 *     metrics are computed with it (core/alpha/mlp.ts predictNet).
 *
 * Pure and deterministic: the same rows, options and seed give bit-identical weights.
 */
import { PermanentError } from '../errors.ts';
import { Adam, type AdamOptions } from './adam.ts';
import type { AlphaRows } from './dataset.ts';
import { fitMetrics } from './metrics.ts';
import {
  backward,
  forward,
  initParams,
  MlpScratch,
  mlpLayout,
  predictNet,
  toAlphaNet,
  type AlphaNet,
  type MlpLayout,
} from './mlp.ts';
import { createStream } from '../random/xoshiro.ts';

/** Loss minimised by the trainer. */
export type AlphaLoss = 'mse' | 'huber';

/** Options of {@link trainAlphaNet}. */
export interface TrainOptions {
  /** PRNG seed (safe integer): initial weights and shuffling. */
  readonly seed: number;
  /** Hidden tanh units; 0 = linear model. Default 16. */
  readonly hidden?: number;
  /** Most epochs (passes over the training rows), ≥ 1. Default 200. */
  readonly maxEpochs?: number;
  /** Rows per mini-batch, ≥ 1. Default 64. */
  readonly batchSize?: number;
  /** Epochs without a lower validation loss before stopping, ≥ 1. Default 20. */
  readonly patience?: number;
  /** Training loss. Default `mse`. */
  readonly loss?: AlphaLoss;
  /** Huber threshold δ, ticks (> 0): quadratic below, linear above. Default 1. */
  readonly huberDeltaTicks?: number;
  /** Adam hyper-parameters (paper defaults; α = 0.001). */
  readonly adam?: AdamOptions;
}

/** Fit figures of the trained model, labels in ticks. */
export interface AlphaTrainMetrics {
  /** Training MSE, ticks². */
  readonly trainMse: number;
  /** Validation MSE, ticks². */
  readonly valMse: number;
  /** Validation R² (against the validation labels' own mean; may be negative). */
  readonly valR2: number;
  /** Validation directional hit ratio (core/alpha/metrics.ts); undefined if no label moved. */
  readonly valHitRatio: number | undefined;
  /** Validation rows with a non-zero label. */
  readonly valDirectionalRows: number;
  readonly trainRows: number;
  readonly valRows: number;
}

/** What {@link trainAlphaNet} returns. */
export interface TrainResult {
  readonly net: AlphaNet;
  readonly metrics: AlphaTrainMetrics;
  /** Epochs run (≤ maxEpochs) and the epoch whose parameters were kept (0 = the initial ones). */
  readonly epochsRun: number;
  readonly bestEpoch: number;
  /** Per epoch 1…epochsRun: mean training mini-batch loss and validation loss (of the loss in use). */
  readonly history: { readonly trainLoss: readonly number[]; readonly valLoss: readonly number[] };
  /** Indices of features constant over the training rows (they carry zero weight). */
  readonly constantFeatures: readonly number[];
}

/**
 * Trains and returns the model with its metrics.
 * @throws PermanentError `ALPHA_DATASET_TOO_SMALL` if either side has fewer than 2 rows;
 *   RangeError on invalid options or mismatched feature counts.
 */
export function trainAlphaNet(train: AlphaRows, validation: AlphaRows, opts: TrainOptions): TrainResult {
  const hidden = opts.hidden ?? 16;
  const maxEpochs = opts.maxEpochs ?? 200;
  const batchSize = opts.batchSize ?? 64;
  const patience = opts.patience ?? 20;
  const loss = opts.loss ?? 'mse';
  const delta = opts.huberDeltaTicks ?? 1;
  for (const [name, v] of [
    ['maxEpochs', maxEpochs],
    ['batchSize', batchSize],
    ['patience', patience],
  ] as const)
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be an integer ≥ 1, got ${v}`);
  if (!(delta > 0)) throw new RangeError(`huberDeltaTicks must be > 0, got ${delta}`);
  if (train.featureCount !== validation.featureCount)
    throw new RangeError(`train has ${train.featureCount} features, validation ${validation.featureCount}`);
  if (train.count < 2 || validation.count < 2)
    throw new PermanentError(
      'ALPHA_DATASET_TOO_SMALL',
      `need ≥ 2 training and validation rows, got ${train.count} and ${validation.count}`,
      { trainRows: train.count, valRows: validation.count },
    );

  const layout = mlpLayout(train.featureCount, hidden);
  const rng = createStream(opts.seed);
  const stats = featureStats(train);
  const zTrain = standardise(train, stats.mean, stats.std);
  const zVal = standardise(validation, stats.mean, stats.std);
  let yMean = 0;
  for (let i = 0; i < train.count; i++) yMean += train.yTicks[i]!;
  yMean /= train.count;

  const params = initParams(layout, rng, yMean);
  const first = layout.layers[0]!;
  for (const f of stats.constant)
    for (let o = 0; o < first.outputs; o++) params[first.offset + o * first.inputs + f] = 0;

  const lossGrad = (r: number): number => (loss === 'mse' ? 2 * r : Math.max(-delta, Math.min(delta, r)));
  const lossValue = (r: number): number =>
    loss === 'mse' ? r * r : Math.abs(r) <= delta ? 0.5 * r * r : delta * (Math.abs(r) - 0.5 * delta);

  const adam = new Adam(layout.size, opts.adam);
  const grads = new Float64Array(layout.size);
  const scratch = new MlpScratch(layout);
  const order = new Uint32Array(train.count);
  for (let i = 0; i < order.length; i++) order[i] = i;
  const d = layout.featureCount;

  let best = params.slice();
  let bestVal = meanLoss(layout, params, zVal, validation.yTicks, scratch, lossValue);
  let bestEpoch = 0;
  const trainLoss: number[] = [];
  const valLoss: number[] = [];
  let epoch = 0;
  while (epoch < maxEpochs && epoch - bestEpoch < patience) {
    epoch++;
    rng.shuffle(order);
    let epochLoss = 0;
    for (let start = 0; start < order.length; start += batchSize) {
      const end = Math.min(order.length, start + batchSize);
      grads.fill(0);
      for (let k = start; k < end; k++) {
        const row = order[k]!;
        const r = forward(layout, params, zTrain, row * d, scratch) - train.yTicks[row]!;
        epochLoss += lossValue(r);
        backward(layout, params, zTrain, row * d, scratch, lossGrad(r) / (end - start), grads);
      }
      adam.step(params, grads);
    }
    trainLoss.push(epochLoss / order.length);
    const v = meanLoss(layout, params, zVal, validation.yTicks, scratch, lossValue);
    valLoss.push(v);
    if (v < bestVal) {
      bestVal = v;
      best = params.slice();
      bestEpoch = epoch;
    }
  }

  const net = toAlphaNet(layout, best, stats.mean, stats.std);
  const trainFit = fitMetrics(predictNet(net, train.x, train.count), train.yTicks);
  const valFit = fitMetrics(predictNet(net, validation.x, validation.count), validation.yTicks);
  return {
    net,
    metrics: {
      trainMse: trainFit.mse,
      valMse: valFit.mse,
      valR2: valFit.r2,
      valHitRatio: valFit.hitRatio,
      valDirectionalRows: valFit.directionalRows,
      trainRows: train.count,
      valRows: validation.count,
    },
    epochsRun: epoch,
    bestEpoch,
    history: { trainLoss, valLoss },
    constantFeatures: stats.constant,
  };
}

/** Per-feature mean and population std of the rows; constant features flagged. */
export function featureStats(rows: AlphaRows): {
  readonly mean: Float64Array;
  readonly std: Float64Array;
  readonly constant: number[];
} {
  const d = rows.featureCount;
  const n = rows.count;
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  const constant: number[] = [];
  for (let f = 0; f < d; f++) {
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = rows.x[i * d + f]!;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (n === 0 || min === max) {
      mean[f] = n === 0 ? 0 : min;
      std[f] = 1;
      constant.push(f);
      continue;
    }
    const m = sum / n;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const c = rows.x[i * d + f]! - m;
      ss += c * c;
    }
    mean[f] = m;
    const s = Math.sqrt(ss / n);
    std[f] = s > 0 ? s : 1;
  }
  return { mean, std, constant };
}

/** z = (x − mean) / std per row, float64 (as predictNet computes it). */
function standardise(rows: AlphaRows, mean: Float64Array, std: Float64Array): Float64Array {
  const d = rows.featureCount;
  const z = new Float64Array(rows.count * d);
  for (let i = 0; i < rows.count; i++)
    for (let f = 0; f < d; f++) z[i * d + f] = (rows.x[i * d + f]! - mean[f]!) / std[f]!;
  return z;
}

function meanLoss(
  layout: MlpLayout,
  params: Float64Array,
  z: Float64Array,
  y: Float64Array,
  scratch: MlpScratch,
  lossValue: (r: number) => number,
): number {
  const d = layout.featureCount;
  let s = 0;
  for (let i = 0; i < y.length; i++) s += lossValue(forward(layout, params, z, i * d, scratch) - y[i]!);
  return s / y.length;
}
