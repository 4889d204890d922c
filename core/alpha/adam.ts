/**
 * Adam optimiser (Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, Algorithm 1),
 * over one flat Float64Array of parameters. Defaults are the paper's: α = 0.001, β1 = 0.9,
 * β2 = 0.999, ε = 1e-8.
 *
 *   m ← β1·m + (1 − β1)·g          v ← β2·v + (1 − β2)·g²
 *   m̂ = m / (1 − β1^t)             v̂ = v / (1 − β2^t)
 *   θ ← θ − α·m̂ / (√v̂ + ε)
 *
 * Pure and deterministic (element-wise float64 arithmetic in a fixed order).
 */

/** Hyper-parameters of {@link Adam}. */
export interface AdamOptions {
  /** Step size α (> 0). Default 0.001. */
  readonly learningRate?: number;
  /** First-moment decay β1 in [0, 1). Default 0.9. */
  readonly beta1?: number;
  /** Second-moment decay β2 in [0, 1). Default 0.999. */
  readonly beta2?: number;
  /** ε (> 0) added to √v̂. Default 1e-8. */
  readonly epsilon?: number;
}

/** Adam state for `size` parameters. */
export class Adam {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;
  private beta1Pow = 1;
  private beta2Pow = 1;

  /** @throws RangeError on a hyper-parameter outside its range. */
  constructor(size: number, opts: AdamOptions = {}) {
    this.learningRate = opts.learningRate ?? 0.001;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.epsilon = opts.epsilon ?? 1e-8;
    if (!(this.learningRate > 0)) throw new RangeError(`learningRate must be > 0, got ${this.learningRate}`);
    if (!(this.beta1 >= 0 && this.beta1 < 1)) throw new RangeError(`beta1 ${this.beta1} not in [0, 1)`);
    if (!(this.beta2 >= 0 && this.beta2 < 1)) throw new RangeError(`beta2 ${this.beta2} not in [0, 1)`);
    if (!(this.epsilon > 0)) throw new RangeError(`epsilon must be > 0, got ${this.epsilon}`);
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  /** Steps taken so far (t of the paper). */
  get steps(): number {
    return this.t;
  }

  /**
   * One update of `params` in place from the gradient `grads` (same length).
   * @throws RangeError on a length mismatch.
   */
  step(params: Float64Array, grads: Float64Array): void {
    const n = this.m.length;
    if (params.length !== n || grads.length !== n)
      throw new RangeError(`Adam over ${n} parameters got ${params.length} params, ${grads.length} grads`);
    this.t++;
    this.beta1Pow *= this.beta1;
    this.beta2Pow *= this.beta2;
    const { beta1, beta2, epsilon, learningRate } = this;
    const c1 = 1 - this.beta1Pow;
    const c2 = 1 - this.beta2Pow;
    const m = this.m;
    const v = this.v;
    for (let i = 0; i < n; i++) {
      const g = grads[i] as number;
      const mi = beta1 * (m[i] as number) + (1 - beta1) * g;
      const vi = beta2 * (v[i] as number) + (1 - beta2) * g * g;
      m[i] = mi;
      v[i] = vi;
      params[i] = (params[i] as number) - (learningRate * (mi / c1)) / (Math.sqrt(vi / c2) + epsilon);
    }
  }
}
