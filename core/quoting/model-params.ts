/**
 * Parameters of one quoting-model version, parsed at the boundary (pipeline YAML, DB rows, model
 * metadata) with zod. The union is discriminated by `model`; later versions (e.g. 'as-v1.5') add members.
 *
 * Units follow docs/adr/0002-quoting-model-units.md: the model computes in ticks, σ in ticks/√s, time to
 * horizon in s, k in 1/tick, inventory q in unit orders (inventoryLots / quoteSizeLots), γ in 1/tick per
 * unit order.
 */

import { z } from 'zod';

const positiveFinite = z.number().positive().finite();
const positiveInt = z.int().positive();

/**
 * V1-α: Avellaneda–Stoikov (2008) quotes around the reservation price, centre shifted by trade-flow
 * imbalance (seed 004 §3). Strict: unknown keys are rejected so a typo never silently falls back.
 */
export const AsV1AlphaParamsSchema = z.strictObject({
  model: z.literal('as-v1-alpha'),
  /** Risk aversion γ, 1/tick per unit order (> 0). */
  gamma: positiveFinite,
  /** Fill-intensity decay k of λ(δ) = A·e^{−kδ}, 1/tick (> 0); seed §3.4: 0.4–1.2 per tick. */
  kPerTick: positiveFinite,
  /**
   * Time to horizon T − t, s (> 0), held CONSTANT: a rolling horizon ("constant time-to-horizon"
   * variant), chosen over the finite-horizon closed form where T − t shrinks to 0 at a fixed end time,
   * because the engine quotes continuously with no liquidation deadline. Seed §3.4: 60–300 s, typ. 120.
   */
  horizonSec: positiveFinite,
  /** OFI sensitivity β_ofi, ticks per unit OFI (signed); the shift |β·OFI| is clamped to 1 tick (§3.3bis). */
  betaOfiTicks: z.number().finite(),
  /** Floor on the total quoted spread, ticks (≥ 0); seed §4.7 uses 2. */
  minSpreadTicks: z.number().nonnegative().finite(),
  /** Size of each quote, lots (integer > 0); also the inventory unit q = inventoryLots / quoteSizeLots. */
  quoteSizeLots: positiveInt,
  /** Inventory limit q_max, lots (integer > 0): a side is not quoted if its fill would exceed it. */
  maxInventoryLots: positiveInt,
  /** Span N of the EWMA volatility, observations (seed §3.2: 100). */
  volObservations: positiveInt,
  /** Calendar sampling interval of the mid for the EWMA volatility, ms. */
  volSampleIntervalMs: positiveInt,
  /** Trailing window of the trade-flow imbalance, ms (seed §2.2 / glossary: 500–3000). */
  ofiWindowMs: positiveInt,
  /** Book levels per side summed into the depth imbalance (seed §4.2: 5). */
  diLevels: positiveInt,
});

/** Parameters of an 'as-v1-alpha' model version. */
export type AsV1AlphaParams = Readonly<z.infer<typeof AsV1AlphaParamsSchema>>;

/** All model versions, discriminated by `model`. */
export const ModelParamsSchema = z.discriminatedUnion('model', [AsV1AlphaParamsSchema]);

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
