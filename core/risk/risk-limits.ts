/**
 * The risk layer's limits (docs/adr/0011-risk-layer.md), parsed at every boundary (engine config,
 * model metadata) by one zod schema. Every limit is optional: an absent limit is not checked, so
 * `{}` makes the gate a pass-through (the backtests' default, which keeps their golden figures).
 *
 * Sources: seed 004 §3.6 (inventory limit, ACK P99 kill switch), §4.7 (latency guard), §6.3 (drawdown),
 * §6.5 (online stress tests: σ 1 min > 3 × σ 10 min, RTT > 200 ms, L1 depth under a threshold).
 */
import { z } from 'zod';

const positiveInt = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const positive = z.number().positive().finite();
const windowMs = z
  .number()
  .int()
  .positive()
  .max(24 * 3_600_000);

/** The send→ACK latency guard (seed 004 §3.6, §4.7, §6.5). */
const ackLatencySchema = z
  .object({
    /** Suspend quoting while the p99 of send→ACK latency over the window exceeds this, ms (seed: 200). */
    p99LimitMs: positive,
    /** Trailing window of ACK samples, ms. */
    windowMs,
    /** Fewest samples in the window for the p99 to count (fewer: the guard is normal). */
    minSamples: positiveInt.default(20),
  })
  .strict();

/** The stress guards of seed 004 §6.5: volatility spike and thin L1. */
const stressSchema = z
  .object({
    /** Suspend while σ(short) > ratio × σ(long) (seed: 3). Absent: no volatility-spike guard. */
    sigmaRatio: positive.optional(),
    /** σ(short) span, ms of market time (seed: 1 min). */
    sigmaShortWindowMs: windowMs.default(60_000),
    /** σ(long) span, ms of market time (seed: 10 min). */
    sigmaLongWindowMs: windowMs.default(600_000),
    /** σ sampling grid, ms (both σ). */
    sigmaSampleIntervalMs: windowMs.default(1_000),
    /** Suspend while either best level holds fewer lots than this. Absent: no depth guard. */
    minL1DepthLots: positiveInt.optional(),
  })
  .strict()
  .refine((s) => s.sigmaShortWindowMs < s.sigmaLongWindowMs, {
    message: 'sigmaShortWindowMs must be shorter than sigmaLongWindowMs',
  })
  .refine(
    (s) =>
      s.sigmaShortWindowMs % s.sigmaSampleIntervalMs === 0 &&
      s.sigmaLongWindowMs % s.sigmaSampleIntervalMs === 0,
    { message: 'the σ windows must be multiples of sigmaSampleIntervalMs' },
  );

/** The reject-rate guard. */
const rejectRateSchema = z
  .object({
    /** Suspend while rejected / (accepted + rejected) places over the window exceed this (0..1]. */
    max: z.number().positive().max(1),
    /** Trailing window of place outcomes, ms. */
    windowMs,
    /** Fewest outcomes in the window for the rate to count. */
    minSamples: positiveInt.default(20),
  })
  .strict();

/** Zod schema of {@link RiskLimits}; strict (an unknown key is an error, not ignored). */
export const RiskLimitsSchema = z
  .object({
    /** Hard |inventory| limit, lots: a leg that could take |q| beyond it is dropped. */
    maxInventoryLots: positiveInt.optional(),
    /** |q|·mid notional at or above which the gate is REDUCING, quote currency. */
    maxInventoryNotionalQuote: positive.optional(),
    /** |q| at or above which the gate is REDUCING (only legs that shrink |q|), lots. */
    softInventoryLots: positiveInt.optional(),
    /** A leg whose price·size notional exceeds this is dropped, quote currency. */
    maxOrderNotionalQuote: positive.optional(),
    /** No new place is sent while this many orders are working. */
    maxOpenOrders: positiveInt.optional(),
    /** Loss since the start of the UTC day beyond which the gate HALTs (latched), quote currency. */
    maxDailyLossQuote: positive.optional(),
    /** Fall from the PnL peak beyond which the gate HALTs (latched), quote currency. */
    maxDrawdownQuote: positive.optional(),
    ackLatency: ackLatencySchema.optional(),
    stress: stressSchema.optional(),
    rejectRate: rejectRateSchema.optional(),
    /** Never hold a bid at or above our own ask (self-trade); default on. */
    selfTradeGuard: z.boolean().default(true),
  })
  .strict();

/** Parsed risk limits; see {@link RiskLimitsSchema} for each field's unit. Absent: not checked. */
export type RiskLimits = z.output<typeof RiskLimitsSchema>;
/** Risk limits as written in a config file or model metadata (defaults not yet applied). */
export type RiskLimitsInput = z.input<typeof RiskLimitsSchema>;

/** Invalid risk limits: names the source and every bad field. */
export class RiskLimitsError extends Error {
  override readonly name = 'RiskLimitsError';
  constructor(
    readonly where: string,
    readonly issues: readonly string[],
  ) {
    super(`${where}: invalid risk limits: ${issues.join('; ')}`);
  }
}

/**
 * @param input raw limits (JSON from a file, env or model metadata).
 * @param where the source, for the error, e.g. `MMFLOW_RISK_LIMITS`.
 * @throws RiskLimitsError naming `where` and each field path.
 */
export function parseRiskLimits(input: unknown, where: string): RiskLimits {
  const result = RiskLimitsSchema.safeParse(input);
  if (result.success) return result.data;
  throw new RiskLimitsError(
    where,
    result.error.issues.map(
      (i) => `${i.path.length === 0 ? '(root)' : i.path.map(String).join('.')}: ${i.message}`,
    ),
  );
}

/** No limit at all: the gate passes every intent through (backtests, unless told otherwise). */
export const NO_RISK_LIMITS: RiskLimits = parseRiskLimits({}, 'NO_RISK_LIMITS');

/** Upper limits combined by taking the smaller (tighter) value. */
const UPPER_LIMITS = [
  'maxInventoryLots',
  'maxInventoryNotionalQuote',
  'softInventoryLots',
  'maxOrderNotionalQuote',
  'maxOpenOrders',
  'maxDailyLossQuote',
  'maxDrawdownQuote',
] as const;

/**
 * The limits of a model version and those of the engine's config, as one set: every scalar limit is the
 * tighter (smaller) of the two where both are set, else whichever is set; a guard object
 * (`ackLatency`, `stress`, `rejectRate`) is the engine's where it has one (the operator knows the
 * venue's latency and depth), else the model's; the self-trade guard is on if either asks for it.
 * Never looser than either source, so a canary's config can only tighten what the model carries.
 * @param model limits carried by the model version (params `riskLimits`); @param engine the engine's.
 */
export function combineRiskLimits(model: RiskLimits, engine: RiskLimits): RiskLimits {
  const out: Record<string, unknown> = {
    ackLatency: engine.ackLatency ?? model.ackLatency,
    stress: engine.stress ?? model.stress,
    rejectRate: engine.rejectRate ?? model.rejectRate,
    selfTradeGuard: model.selfTradeGuard || engine.selfTradeGuard,
  };
  for (const key of UPPER_LIMITS) {
    const a = model[key];
    const b = engine[key];
    out[key] = a === undefined ? b : b === undefined ? a : Math.min(a, b);
  }
  for (const key of Object.keys(out)) if (out[key] === undefined) delete out[key];
  return parseRiskLimits(out, 'combined risk limits (model version + engine config)');
}
