/**
 * Parameters of one quoting-model version, parsed at the boundary (pipeline YAML, DB rows, model
 * metadata) with zod. The union is discriminated by `model`: 'as-v1-alpha' (seed 004 §3), 'as-v1.5'
 * (seed 004 §4), 'fair-value' and the 'join-touch' baseline (issue 15; ./fair-value-params.ts).
 *
 * Units follow docs/adr/0002-quoting-model-units.md: the model computes in ticks, σ in ticks/√s, time to
 * horizon in s, k in 1/tick, inventory q in unit orders (inventoryLots / quoteSizeLots), γ in 1/tick per
 * unit order.
 */

import { z } from 'zod';
import { RiskLimitsSchema } from '../risk/risk-limits.ts';
import { MAX_HALF_SPREAD_BPS_LIMIT } from './quote-bounds.ts';
import { FairValueParamsSchema, JoinTouchParamsSchema } from './fair-value-params.ts';
import { AlphaParamsSchema, type AlphaSource } from './alpha-params.ts';

const positiveFinite = z.number().positive().finite();
const positiveInt = z.int().positive();

/**
 * Fields every Avellaneda–Stoikov version has: the A&S parameters (γ, k, rolling τ), quote size and
 * inventory limit, and the signal windows the engine runs (core/engine/engine-params.ts).
 */
const asCommonFields = {
  /** Risk aversion γ of A&S r (eq. 29) and eq. (30), 1/tick per unit order (> 0). */
  gamma: positiveFinite,
  /** Fill-intensity decay k of λ(δ) = A·e^{−kδ}, 1/tick (> 0); seed §3.4: 0.4–1.2 per tick. */
  kPerTick: positiveFinite,
  /**
   * Time to horizon T − t, s (> 0), held CONSTANT: a rolling horizon ("constant time-to-horizon"
   * variant), chosen over the finite-horizon closed form where T − t shrinks to 0 at a fixed end time,
   * because the engine quotes continuously with no liquidation deadline. Seed §3.4: 60–300 s, typ. 120.
   */
  horizonSec: positiveFinite,
  /** OFI sensitivity β_ofi, ticks per unit OFI (signed); clamped as each version says. */
  betaOfiTicks: z.number().finite(),
  /** Size of each quote, lots (integer > 0); also the inventory unit q = inventoryLots / quoteSizeLots. */
  quoteSizeLots: positiveInt,
  /** Inventory limit q_max, lots (integer > 0): a side is not quoted if its fill would exceed it. */
  maxInventoryLots: positiveInt,
  /** Span N of the (short) EWMA volatility, observations (seed §3.2: 100). */
  volObservations: positiveInt,
  /** Calendar sampling interval of the mid for the EWMA volatility estimates, ms. */
  volSampleIntervalMs: positiveInt,
  /** Trailing window of the trade-flow imbalance, ms (seed §2.2 / glossary: 500–3000). */
  ofiWindowMs: positiveInt,
  /** Book levels per side summed into the depth imbalance (seed §4.2: 5). */
  diLevels: positiveInt,
  /**
   * Cap on each quote's distance from the mid, bps of the mid (> 0, ≤ 1,000); absent: 50 bp
   * (`DEFAULT_MAX_HALF_SPREAD_BPS`). A side the model prices farther away is quoted AT the cap
   * (reason `quote-capped`), never dropped; the cap never undercuts half the spread floor
   * (docs/adr/0010-quote-bounds.md). A safety bound for parameter sets whose spread or reservation
   * shift outgrows the price, not a tuning knob: 50 bp is ≈ 2,800 ticks on USDⓈ-M BTCUSDT at 56,000 USDT
   * (tick 0.1) and ≈ 28,000 on spot (tick 0.01), far beyond any spread of the default models.
   */
  maxHalfSpreadBps: z.number().positive().max(MAX_HALF_SPREAD_BPS_LIMIT).optional(),
  /**
   * Risk limits the version carries (core/risk/risk-limits.ts, docs/adr/0011-risk-layer.md); absent:
   * none from the model. The engine combines them with its config's, the tighter winning
   * (`combineRiskLimits`).
   */
  riskLimits: RiskLimitsSchema.optional(),
};

/**
 * V1-α: Avellaneda–Stoikov (2008) quotes around the reservation price, centre shifted by trade-flow
 * imbalance (seed 004 §3; the OFI shift |β·OFI| is clamped to 1 tick, §3.3bis). Strict: unknown keys
 * are rejected so a typo never silently falls back.
 */
export const AsV1AlphaParamsSchema = z.strictObject({
  model: z.literal('as-v1-alpha'),
  ...asCommonFields,
  /** Floor on the total quoted spread, ticks (≥ 0); seed §4.7 uses 2. */
  minSpreadTicks: z.number().nonnegative().finite(),
});

/** Parameters of an 'as-v1-alpha' model version. */
export type AsV1AlphaParams = Readonly<z.infer<typeof AsV1AlphaParamsSchema>>;

export { AlphaParamsSchema, type AlphaParams, type AlphaSource } from './alpha-params.ts';

/**
 * V1.5 (seed 004 §4): V1-α plus an inventory skew, depth imbalance, a volatility- and inventory-scaled
 * spread, adaptive widening and quote ageing, optionally an ONNX alpha term. Formulas, units and the
 * sign of the inventory skew: docs/adr/0006-quoting-model-v1-5.md. Strict.
 */
export const AsV15ParamsSchema = z.strictObject({
  model: z.literal('as-v1.5'),
  ...asCommonFields,
  /** Inventory penalty κ_inv, ticks per unit order (≥ 0): centre −κ_inv·q and spread +κ_inv·|q|. */
  kappaInvTicks: z.number().nonnegative().finite(),
  /** Depth-imbalance sensitivity β_di, ticks per z unit of filtered DI (signed). */
  betaDiTicks: z.number().finite(),
  /** Volatility sensitivity κ_vol of the spread, ticks per (tick/√s) of σ, i.e. √s (≥ 0). */
  kappaVolSqrtSec: z.number().nonnegative().finite(),
  /** Spread floor, ticks (≥ 2: seed §4.7 "spread ≥ 2 ticks", a risk control, not a tuning knob). */
  minSpreadTicks: z.number().min(2).finite(),
  /** Span of the slow σ average the widening compares with, observations on the σ grid (> 0). */
  volLongObservations: positiveInt,
  /** Widening trigger: widen when σ > wideningRatio·σ_long (> 1; seed §3.6: 2). */
  wideningRatio: z.number().gt(1).finite(),
  /** Spread multiplier while widened (≥ 1; seed §3.6: 1.5). */
  wideningFactor: z.number().min(1).finite(),
  /** Quote ageing: replace a quote alive longer than this, ms (integer > 0; seed §4.5: 750). */
  maxQuoteAgeMs: positiveInt,
  /** Quote ageing: replace quotes when the sign of OFI or DI flips since they were placed (§4.5). */
  refreshOnSignFlip: z.boolean(),
  /** Optional ONNX alpha term; absent = no alpha. */
  alpha: AlphaParamsSchema.optional(),
});

/** Parameters of an 'as-v1.5' model version. */
export type AsV15Params = Readonly<z.infer<typeof AsV15ParamsSchema>>;

/**
 * All model versions, discriminated by `model`: the Avellaneda–Stoikov versions above, and the
 * fair-value quoter and join-the-touch baseline of ./fair-value-params.ts.
 */
export const ModelParamsSchema = z.discriminatedUnion('model', [
  AsV1AlphaParamsSchema,
  AsV15ParamsSchema,
  FairValueParamsSchema,
  JoinTouchParamsSchema,
]);

/** Parameters of any model version. */
export type ModelParams = Readonly<z.infer<typeof ModelParamsSchema>>;

/**
 * Defaults for Binance spot BTCUSDT (tick 0.01 USDT, lot 0.00001 BTC).
 *
 * Calibration (test/core/quoting/v1-alpha.real-data.test.ts pins these): on the recorded spot session of
 * 2024-08-08 (a busy sell-off) the EWMA σ (100 obs on a 100 ms grid) ran at p10/p50/p90 ≈ 280/570/1050
 * ticks/√s, on 2023-04-05 (quiet) at ≈ 5/44/166. With τ = 120 s and γ = 2e-7 per tick, γσ²τ ≈ 1.9/7.8/26
 * ticks and (2/γ)·ln(1 + γ/k) ≈ 2/k = 2.5 ticks, so the quoted spread at flat inventory is p10/p50/p90 =
 * 5/11/29 ticks on the busy session and 3/3/5 on the quiet one; each unit order held shifts the
 * reservation price by γσ²τ (≈ 8 ticks at the median σ). k is mid-range of seed §3.4 (0.4–1.2/tick),
 * β_ofi the seed §4.6 starting value, quote size 0.001 BTC (100 lots), q_max 5 quotes (0.005 BTC).
 * Not an optimum: the calibration issue (fit k on fills, sweep γ) replaces these.
 */
export const DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT: AsV1AlphaParams = Object.freeze({
  model: 'as-v1-alpha',
  gamma: 2e-7,
  kPerTick: 0.8,
  horizonSec: 120,
  betaOfiTicks: 0.3,
  minSpreadTicks: 2,
  quoteSizeLots: 100,
  maxInventoryLots: 500,
  volObservations: 100,
  volSampleIntervalMs: 100,
  ofiWindowMs: 1000,
  diLevels: 5,
});

/**
 * Defaults of V1.5 for Binance spot BTCUSDT: the V1-α defaults for what the two models share (γ, k, τ,
 * β_ofi, sizes, limit, signal windows), and seed 004 §4.6's initial values translated to our units
 * (docs/adr/0006-quoting-model-v1-5.md §Defaults):
 * - β_di = 0.2 tick per z unit of DI and κ_inv = 0.1 tick per unit order (the seed's "0.1 tick/lot",
 *   reading its lot as one quote, our inventory unit): with q_max = 5 quotes the skew and the spread
 *   term stay ≤ 0.5 tick; A&S's reservation price (≈ 8 ticks per unit order at the median σ) remains
 *   the main inventory control, as seed §3.3bis wants;
 * - κ_vol: the seed's 1.2 does not carry over (its σ unit is not stated; with σ in ticks/√s, ≈ 570 at
 *   the median of the busy 2024-08-08 session, it would add ≈ 680 ticks). 0.005 √s adds ≈ 2.8 ticks at
 *   that median and ≈ 5 ticks at its p90 (≈ 1,050), on top of V1-α's 11 / 29 ticks;
 * - widening ×1.5 when σ > 2·σ_long (§3.6), σ_long over 600 observations of the 100-ms grid (≈ 60 s of
 *   span against the short σ's 10 s: the 1-min/10-min ratio of seed §6.5, scaled to sessions of ~10 min);
 * - ageing 750 ms and refresh on a sign flip (§4.5); spread floor 2 ticks (§4.7); no alpha.
 * Not an optimum: the weekly study searches these.
 */
export const DEFAULT_AS_V15_BTCUSDT_SPOT: AsV15Params = Object.freeze({
  ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT,
  model: 'as-v1.5',
  kappaInvTicks: 0.1,
  betaDiTicks: 0.2,
  kappaVolSqrtSec: 0.005,
  minSpreadTicks: 2,
  volLongObservations: 600,
  wideningRatio: 2,
  wideningFactor: 1.5,
  maxQuoteAgeMs: 750,
  refreshOnSignFlip: true,
});

/**
 * Defaults of V1.5 for Binance USDⓈ-M BTCUSDT perpetual (tick 0.1 USDT, lot 0.001 BTC): the starting
 * point of the weekly retraining (pipelines/retrain-weekly.yaml), which calibrates k and searches the rest.
 * Scaled from the spot defaults to this instrument's units: σ here is ≈ 10–80 ticks/√s on the recorded
 * sessions (docs/calibration.md; spot: ≈ 700), so γ = 2e-5 per tick gives γσ²τ ≈ 2.2 ticks of
 * reservation shift per unit order at σ = 30, τ = 120 s; k = 0.4 per tick is the calibrated order of
 * magnitude (0.3–0.55); κ_vol = 0.02 √s adds ≈ 0.6 tick at σ = 30; one quote is 1 lot (0.001 BTC) and
 * q_max 10 lots (0.01 BTC). κ_inv, β_ofi, β_di, widening and ageing as the spot defaults (seed 004 §4.6, §3.6, §4.5).
 */
export const DEFAULT_AS_V15_BTCUSDT_USDM: AsV15Params = Object.freeze({
  ...DEFAULT_AS_V15_BTCUSDT_SPOT,
  gamma: 2e-5,
  kPerTick: 0.4,
  kappaVolSqrtSec: 0.02,
  quoteSizeLots: 1,
  maxInventoryLots: 10,
});

/**
 * The alpha block of `params` (what loaders and the engine read: artifact, digest, weight, schedule),
 * or undefined when the model has none (V1-α, the baseline, V1.5 or fair-value without alpha).
 */
export function alphaParamsOf(params: ModelParams): AlphaSource | undefined {
  return params.model === 'as-v1.5' || params.model === 'fair-value' ? params.alpha : undefined;
}

/** Raised when model parameters fail validation; `where` names the source (file, row, key). */
export class ModelParamsError extends Error {
  override readonly name = 'ModelParamsError';

  /**
   * @param where the source being parsed, e.g. `pipelines/bt.yaml:12 quoting.params`.
   * @param issues one line per problem, `field.path: message`.
   */
  constructor(
    readonly where: string,
    readonly issues: readonly string[],
  ) {
    super(`${where}: invalid model params: ${issues.join('; ')}`);
  }
}

/**
 * Parses unknown input (e.g. from YAML or JSON) into typed model parameters.
 * @param input raw value.
 * @param where description of the source, included in the error message.
 * @returns the validated parameters.
 * @throws ModelParamsError naming `where` and each offending field path (e.g. `gamma: Too small ...`).
 */
export function parseModelParams(input: unknown, where: string): ModelParams {
  const result = ModelParamsSchema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const path = issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.');
    return `${path}: ${issue.message}`;
  });
  throw new ModelParamsError(where, issues);
}
