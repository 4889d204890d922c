/**
 * The alpha network: feature standardisation, then dense layers — either one linear layer
 * (features → 1) or one tanh hidden layer (features → H tanh → 1). Parameters are float64 throughout
 * (training, the trained model and the ONNX file's initializers); only the features (input) and the
 * prediction (output) are float32 at the model's boundary.
 *
 *   z = (x − mean) / std                      (per feature; mean/std from the training rows)
 *   h = tanh(W1·z + b1)                       (hidden layer, H units; absent for the linear model)
 *   ŷ = W2·h + b2                             (ticks)
 *
 * Weights are row-major [outputs × inputs], the layout of ONNX Gemm's B with transB = 1.
 * Pure and deterministic.
 */
import type { Xoshiro128StarStar } from '../random/xoshiro.ts';

/** Activation applied after a dense layer. */
export type Activation = 'tanh' | 'identity';

/** One dense layer of the trained model. */
export interface DenseLayer {
  readonly inputs: number;
  readonly outputs: number;
  /** Row-major [outputs × inputs]: weight of input i into output o at o·inputs + i. */
  readonly weights: Float64Array;
  /** One per output. */
  readonly bias: Float64Array;
  readonly activation: Activation;
}

/** The trained alpha model: standardisation + layers; the last layer has one identity output (ticks). */
export interface AlphaNet {
  readonly featureCount: number;
  /** Training-row mean per feature (feature units). */
  readonly featureMean: Float64Array;
  /** Training-row standard deviation per feature (> 0; a constant feature gets 1). */
  readonly featureStd: Float64Array;
  readonly layers: readonly DenseLayer[];
}

/** Shape and flat-parameter offsets of a network (training side). */
export interface MlpLayout {
  readonly featureCount: number;
  /** Hidden units; 0 = linear model. */
  readonly hidden: number;
  readonly layers: readonly {
    readonly inputs: number;
    readonly outputs: number;
    readonly activation: Activation;
    /** Offset of the weights in the flat vector; the bias follows them. */
    readonly offset: number;
  }[];
  /** Total parameter count. */
  readonly size: number;
  /** Widest layer (scratch sizing). */
  readonly width: number;
}

/**
 * Layout for `featureCount` inputs and `hidden` tanh units (0 = linear).
 * @throws RangeError on a non-positive feature count or a negative/non-integer hidden size.
 */
export function mlpLayout(featureCount: number, hidden: number): MlpLayout {
  if (!Number.isInteger(featureCount) || featureCount < 1)
    throw new RangeError(`featureCount ${featureCount}`);
  if (!Number.isInteger(hidden) || hidden < 0)
    throw new RangeError(`hidden must be an integer ≥ 0, got ${hidden}`);
  const shapes: { inputs: number; outputs: number; activation: Activation }[] =
    hidden === 0
      ? [{ inputs: featureCount, outputs: 1, activation: 'identity' }]
      : [
          { inputs: featureCount, outputs: hidden, activation: 'tanh' },
          { inputs: hidden, outputs: 1, activation: 'identity' },
        ];
  let offset = 0;
  const layers = shapes.map((s) => {
    const l = { ...s, offset };
    offset += s.inputs * s.outputs + s.outputs;
    return l;
  });
  return { featureCount, hidden, layers, size: offset, width: Math.max(featureCount, hidden, 1) };
}

/**
 * Initial parameters: Glorot/Xavier uniform weights, U(±√(6/(fan_in + fan_out))) (Glorot & Bengio
 * 2010, eq. 16), zero biases except the output bias, set to `outputBias` (e.g. the mean label).
 */
export function initParams(layout: MlpLayout, rng: Xoshiro128StarStar, outputBias: number): Float64Array {
  const p = new Float64Array(layout.size);
  for (const l of layout.layers) {
    const limit = Math.sqrt(6 / (l.inputs + l.outputs));
    for (let k = 0; k < l.inputs * l.outputs; k++) p[l.offset + k] = (2 * rng.nextFloat() - 1) * limit;
  }
  const last = layout.layers[layout.layers.length - 1];
  if (last !== undefined) p[last.offset + last.inputs * last.outputs] = outputBias;
  return p;
}

/** Scratch buffers of one forward/backward pass (activations of each layer, and their deltas). */
export class MlpScratch {
  readonly act: Float64Array[];
  readonly delta: Float64Array;
  readonly delta2: Float64Array;

  constructor(layout: MlpLayout) {
    this.act = layout.layers.map((l) => new Float64Array(l.outputs));
    this.delta = new Float64Array(layout.width);
    this.delta2 = new Float64Array(layout.width);
  }
}

/**
 * Forward pass of one standardised row z = zs[zOff … zOff + featureCount).
 * @returns ŷ (ticks); each layer's activations are left in `scratch.act`.
 */
export function forward(
  layout: MlpLayout,
  params: Float64Array,
  zs: Float64Array,
  zOff: number,
  scratch: MlpScratch,
): number {
  let input: Float64Array = zs;
  let inOff = zOff;
  for (let li = 0; li < layout.layers.length; li++) {
    const l = layout.layers[li]!;
    const out = scratch.act[li]!;
    const bOff = l.offset + l.inputs * l.outputs;
    for (let o = 0; o < l.outputs; o++) {
      let a = params[bOff + o]!;
      const wOff = l.offset + o * l.inputs;
      for (let i = 0; i < l.inputs; i++) a += params[wOff + i]! * input[inOff + i]!;
      out[o] = l.activation === 'tanh' ? Math.tanh(a) : a;
    }
    input = out;
    inOff = 0;
  }
  return scratch.act[layout.layers.length - 1]![0]!;
}

/**
 * Backward pass after `forward` on the same row: adds dLoss/dθ to `grads` given dLoss/dŷ.
 * Back-propagation (Rumelhart, Hinton & Williams 1986); tanh′(a) = 1 − tanh(a)².
 */
export function backward(
  layout: MlpLayout,
  params: Float64Array,
  zs: Float64Array,
  zOff: number,
  scratch: MlpScratch,
  dLossDy: number,
  grads: Float64Array,
): void {
  let delta = scratch.delta;
  let next = scratch.delta2;
  delta[0] = dLossDy;
  for (let li = layout.layers.length - 1; li >= 0; li--) {
    const l = layout.layers[li]!;
    const out = scratch.act[li]!;
    if (l.activation === 'tanh') for (let o = 0; o < l.outputs; o++) delta[o]! *= 1 - out[o]! * out[o]!;
    const input = li === 0 ? zs : scratch.act[li - 1]!;
    const inOff = li === 0 ? zOff : 0;
    const bOff = l.offset + l.inputs * l.outputs;
    if (li > 0) next.fill(0, 0, l.inputs);
    for (let o = 0; o < l.outputs; o++) {
      const d = delta[o]!;
      grads[bOff + o]! += d;
      const wOff = l.offset + o * l.inputs;
      for (let i = 0; i < l.inputs; i++) {
        grads[wOff + i]! += d * input[inOff + i]!;
        if (li > 0) next[i]! += d * params[wOff + i]!;
      }
    }
    const t = delta;
    delta = next;
    next = t;
  }
}

/** The trained model: a copy of the flat parameters, split into layers, plus the standardisation. */
export function toAlphaNet(
  layout: MlpLayout,
  params: Float64Array,
  featureMean: Float64Array,
  featureStd: Float64Array,
): AlphaNet {
  return {
    featureCount: layout.featureCount,
    featureMean: featureMean.slice(),
    featureStd: featureStd.slice(),
    layers: layout.layers.map((l) => ({
      inputs: l.inputs,
      outputs: l.outputs,
      activation: l.activation,
      weights: params.slice(l.offset, l.offset + l.inputs * l.outputs),
      bias: params.slice(l.offset + l.inputs * l.outputs, l.offset + l.inputs * l.outputs + l.outputs),
    })),
  };
}

/**
 * Predictions of the trained model for `rows` feature vectors (x row-major, rows × featureCount),
 * computed in float64: "the trainer's output" that the ONNX model must reproduce within 1e-5
 * (parity; the ONNX graph computes in float64 too and casts its output to float32).
 * @returns ŷ per row, ticks (float64).
 * @throws RangeError if x's length is not rows × featureCount.
 */
export function predictNet(net: AlphaNet, x: Float32Array, rows: number): Float64Array {
  const d = net.featureCount;
  if (x.length !== rows * d) throw new RangeError(`expected ${rows}×${d} features, got ${x.length}`);
  const out = new Float64Array(rows);
  const width = Math.max(d, ...net.layers.map((l) => l.outputs));
  let a = new Float64Array(width);
  let b = new Float64Array(width);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < d; i++) a[i] = (x[r * d + i]! - net.featureMean[i]!) / net.featureStd[i]!;
    for (const l of net.layers) {
      for (let o = 0; o < l.outputs; o++) {
        let s: number = l.bias[o]!;
        const wOff = o * l.inputs;
        for (let i = 0; i < l.inputs; i++) s += l.weights[wOff + i]! * a[i]!;
        b[o] = l.activation === 'tanh' ? Math.tanh(s) : s;
      }
      const t = a;
      a = b;
      b = t;
    }
    out[r] = a[0]!;
  }
  return out;
}

/**
 * For a linear model (one identity layer): coefficients in the original feature units,
 * ŷ = intercept + Σ slope_i·x_i, i.e. slope_i = w_i / std_i, intercept = b − Σ w_i·mean_i / std_i.
 * @throws RangeError if the model is not linear.
 */
export function linearCoefficients(net: AlphaNet): {
  readonly slopes: Float64Array;
  readonly intercept: number;
} {
  const l = net.layers[0];
  if (net.layers.length !== 1 || l === undefined)
    throw new RangeError('linearCoefficients needs a linear model');
  const slopes = new Float64Array(net.featureCount);
  let intercept: number = l.bias[0]!;
  for (let i = 0; i < net.featureCount; i++) {
    slopes[i] = l.weights[i]! / net.featureStd[i]!;
    intercept -= (l.weights[i]! * net.featureMean[i]!) / net.featureStd[i]!;
  }
  return { slopes, intercept };
}

/**
 * The model's outputs as its ONNX graph declares them: `predictNet` cast to float32 (the graph
 * computes in float64 and casts its output). Parity compares ONNX Runtime's outputs with these.
 */
export function predictNetFloat32(net: AlphaNet, x: Float32Array, rows: number): Float32Array {
  return Float32Array.from(predictNet(net, x, rows));
}
