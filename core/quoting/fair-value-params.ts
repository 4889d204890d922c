/**
 * Parameters of the two quoting models of issue 15, parsed at the boundary with zod like the
 * Avellaneda–Stoikov versions of ./model-params.ts (which unites all kinds):
 *
 * - 'join-touch': the baseline every backtest, study and report is compared with. It joins the best
 *   bid and the best ask with one quote each, within the inventory limit. Nothing to tune.
 * - 'fair-value': quotes centred on a short-horizon fair value expressed in price units, with every
 *   risk parameter in volatility units (σ over one second) or bp, so that one parameter set means the
 *   same thing on a 0.01-tick spot book and a 0.1-tick perpetual (docs/adr/0020-fair-value-quoter.md).
 *
 * Strict objects: an unknown key is rejected so a typo never silently falls back to a default.
 */
import { z } from 'zod';
import { RiskLimitsSchema } from '../risk/risk-limits.ts';
import { MAX_HALF_SPREAD_BPS_LIMIT } from './quote-bounds.ts';
import { FairValueAlphaSchema } from './alpha-params.ts';

const positiveInt = z.int().positive();
const nonNegative = z.number().nonnegative().finite();

/** Sizes and limits every kind has (also what core/quoting/capital.ts scales for a canary). */
const sizeFields = {
  /** Size of each quote, lots (integer > 0). */
  quoteSizeLots: positiveInt,
  /** Inventory limit q_max, lots (integer > 0): a side is not quoted if its fill would exceed it. */
  maxInventoryLots: positiveInt,
  /** Risk limits the version carries (docs/adr/0011-risk-layer.md); absent: none from the model. */
  riskLimits: RiskLimitsSchema.optional(),
};

/** The join-the-touch baseline. */
export const JoinTouchParamsSchema = z.strictObject({
  model: z.literal('join-touch'),
  ...sizeFields,
});

/** Parameters of a 'join-touch' model version. */
export type JoinTouchParams = Readonly<z.infer<typeof JoinTouchParamsSchema>>;

/** The fair-value quoter (formulas in ./fair-value.ts). */
export const FairValueParamsSchema = z.strictObject({
  model: z.literal('fair-value'),
  ...sizeFields,
  /** Span N of the EWMA volatility σ, observations (seed 004 §3.2: 100). */
  volObservations: positiveInt,
  /** Calendar grid of the σ samples, ms. */
  volSampleIntervalMs: positiveInt,
  /** Trailing window of the trade-flow imbalance (OFI), ms. */
  ofiWindowMs: positiveInt,
  /**
   * β_I: fair-value shift per unit of touch queue imbalance I = (Q_bid − Q_ask)/(Q_bid + Q_ask) ∈ [−1, 1],
   * in σ₁ₛ units (signed). Measured on the five recorded sessions: the slope of the next second's mid
   * move on I is 0.35–0.58 σ₁ₛ per unit I (docs/adr/0020-fair-value-quoter.md §Evidence).
   */
  imbalanceSigma: z.number().finite(),
  /** β_OFI: fair-value shift per unit of trade-flow imbalance OFI ∈ [−1, 1], σ₁ₛ units (signed). */
  ofiSigma: z.number().finite(),
  /** κ_inv: fair-value shift against the inventory at |q| = q_max, σ₁ₛ units (≥ 0). */
  inventorySkewSigma: nonNegative,
  /** c: half spread around the fair value, σ₁ₛ units (≥ 0). */
  halfSpreadSigma: nonNegative,
  /**
   * Least distance of each quote from the fair value, bp of the mid (≥ 0): the edge a fill must
   * promise. Set it at or above the maker fee of the run's tier (a rebate tier allows 0).
   */
  minHalfSpreadBp: nonNegative,
  /**
   * Queue priority: a resting quote is kept (not cancelled and replaced) while its price is no more
   * aggressive than the model's price and within this distance of it, σ₁ₛ units (≥ 0; 0 = always move).
   */
  keepSigma: nonNegative,
  /**
   * Queue priority, the other way: a resting quote is also kept while it is at most this much MORE
   * aggressive than the model's price, σ₁ₛ units (≥ 0; 0 = never rest closer to the fair value than wanted).
   */
  keepInsideSigma: nonNegative,
  /**
   * Queue position: a resting order with at most this many quote sizes of visible lots ahead of it
   * (the engine's estimate, core/sim/queue.ts) is "near the front" (≥ 0; 0 = only at the very front).
   */
  frontQueueQuotes: nonNegative,
  /** Both keep bands widen by this much for an order near the front of its queue, σ₁ₛ units (≥ 0). */
  keepFrontSigma: nonNegative,
  /** After a fill on a side, that side steps back by `refillBackoffSigma`·σ₁ₛ for this long, ms (≥ 0). */
  refillCooldownMs: z.int().nonnegative(),
  /** How far a side steps back after its fill, σ₁ₛ units (≥ 0). */
  refillBackoffSigma: nonNegative,
  /** Cap on each quote's distance from the mid, bps (as the A&S versions; absent: 50 bp). */
  maxHalfSpreadBps: z.number().positive().max(MAX_HALF_SPREAD_BPS_LIMIT).optional(),
  /**
   * Optional ONNX alpha term: the predicted mid move (ticks) times `weight`, clamped to
   * ±maxShiftSigma·σ₁ₛ, is added to the fair value (absent = no alpha).
   */
  alpha: FairValueAlphaSchema.optional(),
});

/** Parameters of a 'fair-value' model version. */
export type FairValueParams = Readonly<z.infer<typeof FairValueParamsSchema>>;

/** The signal windows of the baseline (it reads none, but the engine runs them for KPIs and risk). */
export const JOIN_TOUCH_SIGNAL_WINDOWS = Object.freeze({
  volObservations: 100,
  volSampleIntervalMs: 100,
  ofiWindowMs: 1000,
  diLevels: 5,
});

/** Baseline for Binance USDⓈ-M BTCUSDT: one lot (0.001 BTC) a side, q_max 10 lots, as the V1.5 default. */
export const DEFAULT_JOIN_TOUCH_BTCUSDT_USDM: JoinTouchParams = Object.freeze({
  model: 'join-touch',
  quoteSizeLots: 1,
  maxInventoryLots: 10,
});

/**
 * Fair-value defaults for Binance USDⓈ-M BTCUSDT (tick 0.1, lot 0.001 BTC): sizes as the V1.5 default
 * (one lot a quote, q_max 10 lots); the other parameters are the best trial of the benchmark's study
 * trained on ALL five recorded sessions (`npm run bench:quality -- --trials 150`, depth touch, seed
 * 20261207; rounded to two decimals): IN-SAMPLE on those sessions, so their figures there are not
 * evidence (the benchmark's leave-one-session-out figures are; ADR 0020 §Results). β_I 1.46 σ₁ₛ per
 * unit of touch imbalance (3× the measured one-second slope: the study leans harder on it than a
 * forecast would), a full q_max moves the fair value 2.9 σ₁ₛ, half spread 0.93 σ₁ₛ (at least 0.29 bp),
 * wide keep bands, and a 3-s back-off of 0.5 σ₁ₛ after a fill. A candidate, not a champion: it does not
 * beat adverse selection on the recordings.
 */
export const DEFAULT_FAIR_VALUE_BTCUSDT_USDM: FairValueParams = Object.freeze({
  model: 'fair-value',
  quoteSizeLots: 1,
  maxInventoryLots: 10,
  volObservations: 300,
  volSampleIntervalMs: 100,
  ofiWindowMs: 1000,
  imbalanceSigma: 1.46,
  ofiSigma: 0.56,
  inventorySkewSigma: 2.88,
  halfSpreadSigma: 0.93,
  minHalfSpreadBp: 0.29,
  keepSigma: 2.51,
  keepInsideSigma: 1.68,
  frontQueueQuotes: 2.59,
  keepFrontSigma: 1.96,
  refillCooldownMs: 3000,
  refillBackoffSigma: 0.5,
});
