/**
 * Closed-form quotes of Avellaneda & Stoikov (2008), "High-frequency trading in a limit order book",
 * Quantitative Finance 8(3):217–224, section "Asymptotic expansion in q" (the approximate solution,
 * eqs. (29)–(30)):
 *   reservation price   r(s, q, t) = s − q·γ·σ²·(T − t)                      (29)
 *   total spread        δ^a + δ^b  = γ·σ²·(T − t) + (2/γ)·ln(1 + γ/k)        (30)
 * with s the mid, q the inventory in unit orders, γ the risk aversion, σ the mid's volatility (dS = σ dW),
 * T − t the time to the horizon and k the decay of the fill intensity λ(δ) = A·e^{−kδ}.
 * (Seed 004 §2.1 prints different formulas; they are wrong and not used.)
 *
 * Units (docs/adr/0002-quoting-model-units.md): prices in ticks, σ in ticks/√s, T − t in s, k in 1/tick,
 * q a pure count of unit orders, γ in 1/tick (per unit order).
 *
 * Pure functions; they validate their inputs and throw RangeError, because a NaN here would become a NaN
 * price at the venue edge.
 */

/**
 * Reservation (indifference) price, eq. (29): r = s − q·γ·σ²·τ.
 * @param midTicks mid price s, ticks (finite; may be fractional).
 * @param q inventory in unit orders (finite, signed; + long).
 * @param gamma risk aversion γ, 1/tick per unit order (finite, > 0).
 * @param sigmaTicksPerSqrtSec σ, ticks/√s (finite, ≥ 0).
 * @param horizonSec time to horizon τ = T − t, s (finite, ≥ 0).
 * @returns r in ticks (float).
 * @throws RangeError on a non-finite input, γ ≤ 0, σ < 0 or τ < 0.
 */
export function reservationPriceTicks(
  midTicks: number,
  q: number,
  gamma: number,
  sigmaTicksPerSqrtSec: number,
  horizonSec: number,
): number {
  requireFinite('midTicks', midTicks);
  requireFinite('q', q);
  requirePositive('gamma', gamma);
  requireNonNegative('sigmaTicksPerSqrtSec', sigmaTicksPerSqrtSec);
  requireNonNegative('horizonSec', horizonSec);
  return midTicks - q * gamma * sigmaTicksPerSqrtSec * sigmaTicksPerSqrtSec * horizonSec;
}

/**
 * Optimal total spread δ^a + δ^b, eq. (30): γ·σ²·τ + (2/γ)·ln(1 + γ/k). Independent of inventory.
 * @param gamma risk aversion γ, 1/tick per unit order (finite, > 0).
 * @param sigmaTicksPerSqrtSec σ, ticks/√s (finite, ≥ 0).
 * @param horizonSec time to horizon τ = T − t, s (finite, ≥ 0).
 * @param kPerTick fill-intensity decay k, 1/tick (finite, > 0).
 * @returns the total spread in ticks (float, > 0).
 * @throws RangeError on a non-finite input, γ ≤ 0, k ≤ 0, σ < 0 or τ < 0.
 */
export function optimalSpreadTicks(
  gamma: number,
  sigmaTicksPerSqrtSec: number,
  horizonSec: number,
  kPerTick: number,
): number {
  requirePositive('gamma', gamma);
  requireNonNegative('sigmaTicksPerSqrtSec', sigmaTicksPerSqrtSec);
  requireNonNegative('horizonSec', horizonSec);
  requirePositive('kPerTick', kPerTick);
  return spreadTicks(gamma, sigmaTicksPerSqrtSec, horizonSec, intensitySpreadTicks(gamma, kPerTick));
}

/**
 * Eq. (30) for fixed γ, τ and k, evaluated for one σ after another (the quoter's hot path): the
 * (2/γ)·ln(1 + γ/k) term is computed once, and the last σ's spread is reused while σ repeats (σ moves
 * once per sampling interval, the quoter decides on every event). Same float operations in the same
 * order as {@link optimalSpreadTicks}, so the results are bit-identical.
 */
export class OptimalSpread {
  private readonly gamma: number;
  private readonly horizonSec: number;
  private readonly intensityTicks: number;
  private lastSigma = Number.NaN;
  private lastTicks = Number.NaN;

  /**
   * @param gamma risk aversion γ, 1/tick per unit order (finite, > 0).
   * @param horizonSec time to horizon τ, s (finite, ≥ 0). @param kPerTick k, 1/tick (finite, > 0).
   * @throws RangeError on a non-finite input, γ ≤ 0, k ≤ 0 or τ < 0.
   */
  constructor(gamma: number, horizonSec: number, kPerTick: number) {
    requirePositive('gamma', gamma);
    requireNonNegative('horizonSec', horizonSec);
    requirePositive('kPerTick', kPerTick);
    this.gamma = gamma;
    this.horizonSec = horizonSec;
    this.intensityTicks = intensitySpreadTicks(gamma, kPerTick);
  }

  /**
   * @param sigmaTicksPerSqrtSec σ, ticks/√s (finite, ≥ 0).
   * @returns the total spread δ^a + δ^b in ticks, as `optimalSpreadTicks(γ, σ, τ, k)`.
   * @throws RangeError if σ is negative or not finite.
   */
  ticks(sigmaTicksPerSqrtSec: number): number {
    if (sigmaTicksPerSqrtSec === this.lastSigma) return this.lastTicks;
    requireNonNegative('sigmaTicksPerSqrtSec', sigmaTicksPerSqrtSec);
    const total = spreadTicks(this.gamma, sigmaTicksPerSqrtSec, this.horizonSec, this.intensityTicks);
    this.lastSigma = sigmaTicksPerSqrtSec;
    this.lastTicks = total;
    return total;
  }
}

/** Eq. (30): γ·σ²·τ + the intensity term (inputs already validated). */
function spreadTicks(gamma: number, sigma: number, horizonSec: number, intensityTicks: number): number {
  return gamma * sigma * sigma * horizonSec + intensityTicks;
}

/** The (2/γ)·ln(1 + γ/k) term of eq. (30), ticks (inputs already validated). */
function intensitySpreadTicks(gamma: number, kPerTick: number): number {
  // log1p keeps precision when γ/k is tiny (γ ~ 1e-7/tick, k ~ 1/tick), where the term tends to 2/k.
  return (2 / gamma) * Math.log1p(gamma / kPerTick);
}

function requireFinite(name: string, value: number): void {
  if (!Number.isFinite(value))
    throw new RangeError(`avellaneda-stoikov: ${name} must be finite, got ${value}`);
}

function requirePositive(name: string, value: number): void {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`avellaneda-stoikov: ${name} must be finite and > 0, got ${value}`);
  }
}

function requireNonNegative(name: string, value: number): void {
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new RangeError(`avellaneda-stoikov: ${name} must be finite and >= 0, got ${value}`);
  }
}
