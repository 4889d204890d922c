/**
 * Capital fraction of a deployment slot (docs/adr/0016-promotion-lifecycle.md §Capital fraction): a
 * canary runs the challenger at a fraction f ∈ [0, 1] of the capital the model version was calibrated
 * for, by scaling its quote size, its inventory limit and the risk layer's inventory, notional and loss
 * limits. Everything else (γ, k, spreads, signal windows) is unchanged: the model behaves the same per
 * unit order (its inventory unit is `quoteSizeLots`, core/quoting/model-params.ts).
 *
 * Rounding (sizes are whole lots, STYLE.md §5):
 * - quoteSizeLots' = max(1, ⌊quoteSizeLots·f⌋) while f > 0: rounded DOWN (never more than f of the
 *   capital, except that one lot is the least that can be quoted). At f = 1 % a 100-lot quote becomes
 *   1 lot; a 1-lot quote stays 1 lot, so the slot then really runs at 100 %. The fraction really
 *   deployed is reported as `effectiveFraction` = quoteSizeLots'/quoteSizeLots (≥ f), and canary
 *   comparisons are made per unit of it, never of f.
 * - maxInventoryLots' = max(quoteSizeLots', ⌊maxInventoryLots·f⌋): down, with a floor of one quote (a
 *   limit below one quote would stop the side it is meant to bound from ever quoting).
 * - ⌊x⌋ is taken after a relative nudge of 1e-12 so a product that should be an integer but is a hair
 *   below in binary (100 × 0.29 = 28.999999999999996) floors to it (29), not one lot less.
 * - f = 0: `quoting` false. The engine must quote nothing: the caller halts the engine with a cancel of
 *   every order (`QuotingEngine.kill`), keeping the model it runs (native/slot/slot-apply.ts never loads
 *   a version for a halt), and lifts it (`resume`) when a later change brings f > 0 back.
 *
 * Pure; no allocation beyond the returned objects.
 */
import type { RiskLimits } from '../risk/risk-limits.ts';
import type { ModelParams } from './model-params.ts';

/** The outcome of {@link scaleForCapital}. */
export interface CapitalScaling {
  /** The params to run: sizes scaled (module doc); f = 0: the params unchanged (they must not quote). */
  readonly params: ModelParams;
  /** quoteSizeLots'/quoteSizeLots: the fraction really deployed, in [f, 1] (0 when f = 0). */
  readonly effectiveFraction: number;
  /** False when f = 0: quote nothing (module doc). */
  readonly quoting: boolean;
}

/**
 * Scales a model version's sizes to the capital fraction `fraction` (module doc for the rounding).
 * `params.riskLimits` is left as it is: combine it with the engine's limits first
 * (`combineRiskLimits`), then scale the result once with {@link scaleRiskLimits}.
 * @param params parsed model params. @param fraction f, in [0, 1].
 * @returns the scaled params, the effective fraction and whether to quote.
 * @throws RangeError when `fraction` is not a number in [0, 1].
 */
export function scaleForCapital(params: ModelParams, fraction: number): CapitalScaling {
  requireFraction(fraction);
  if (fraction === 0) return { params, effectiveFraction: 0, quoting: false };
  const quoteSizeLots = Math.max(1, floorLots(params.quoteSizeLots * fraction));
  const maxInventoryLots = Math.max(quoteSizeLots, floorLots(params.maxInventoryLots * fraction));
  return {
    params: { ...params, quoteSizeLots, maxInventoryLots },
    effectiveFraction: quoteSizeLots / params.quoteSizeLots,
    quoting: true,
  };
}

/**
 * Scales risk limits (core/risk/risk-limits.ts) to a capital fraction f. Pass the EFFECTIVE fraction
 * of {@link scaleForCapital} (quoteSizeLots'/quoteSizeLots), not the desired one: the one-lot floor can
 * deploy more than f (a 1-lot quote at f = 1 % trades full size), and loss limits scaled by the desired
 * f would then latch a drawdown kill on ordinary full-size noise (native/slot/slot-apply.ts does so).
 * E.g. quoteSizeLots 3, f = 0.5 → 1 lot, effective 1/3: maxDrawdownQuote 60 → 20, not 30.
 * Scaling, with f the fraction passed:
 * - `maxInventoryLots`, `softInventoryLots`: max(minInventoryLots, ⌊v·f⌋) (floor of one quote);
 * - `maxInventoryNotionalQuote`: v·f (quote currency; when below one quote's notional the gate turns
 *   REDUCING after the first fill, as the one-quote inventory floor does);
 * - `maxDailyLossQuote`, `maxDrawdownQuote`: v·f;
 * - unchanged: `maxOrderNotionalQuote` (a fat-finger cap per order: the orders themselves are scaled, and
 *   scaling the cap could drop the one-lot floor), `maxOpenOrders`, the ACK-latency, stress and
 *   reject-rate guards (market and venue conditions, not capital) and the self-trade guard.
 * f = 0 or 1: the limits unchanged (at 0 the engine is halted anyway, and a limit cannot be 0).
 * @param limits parsed limits. @param fraction f in [0, 1].
 * @param minInventoryLots the floor of the inventory limits, lots: the scaled quote size (integer ≥ 1).
 * @throws RangeError on a fraction outside [0, 1] or a floor that is not an integer ≥ 1.
 */
export function scaleRiskLimits(limits: RiskLimits, fraction: number, minInventoryLots: number): RiskLimits {
  requireFraction(fraction);
  if (!Number.isSafeInteger(minInventoryLots) || minInventoryLots < 1) {
    throw new RangeError(
      `scaleRiskLimits: minInventoryLots must be an integer >= 1, got ${minInventoryLots}`,
    );
  }
  if (fraction === 0 || fraction === 1) return limits;
  const lots = (v: number | undefined): number | undefined =>
    v === undefined ? undefined : Math.max(minInventoryLots, floorLots(v * fraction));
  const quote = (v: number | undefined): number | undefined => (v === undefined ? undefined : v * fraction);
  const out: { -readonly [K in keyof RiskLimits]: RiskLimits[K] } = { ...limits };
  setOrDelete(out, 'maxInventoryLots', lots(limits.maxInventoryLots));
  setOrDelete(out, 'softInventoryLots', lots(limits.softInventoryLots));
  setOrDelete(out, 'maxInventoryNotionalQuote', quote(limits.maxInventoryNotionalQuote));
  setOrDelete(out, 'maxDailyLossQuote', quote(limits.maxDailyLossQuote));
  setOrDelete(out, 'maxDrawdownQuote', quote(limits.maxDrawdownQuote));
  return out;
}

type ScaledKey =
  | 'maxInventoryLots'
  | 'softInventoryLots'
  | 'maxInventoryNotionalQuote'
  | 'maxDailyLossQuote'
  | 'maxDrawdownQuote';

/** Sets `key` (absent stays absent: exactOptionalPropertyTypes forbids an explicit undefined). */
function setOrDelete(
  out: { -readonly [K in keyof RiskLimits]: RiskLimits[K] },
  key: ScaledKey,
  v: number | undefined,
): void {
  if (v === undefined) delete out[key];
  else out[key] = v;
}

/** ⌊x⌋ after a relative nudge of 1e-12 (module doc: 100 × 0.29 floors to 29). */
function floorLots(x: number): number {
  return Math.floor(x * (1 + 1e-12));
}

function requireFraction(fraction: number): void {
  if (!(fraction >= 0 && fraction <= 1)) {
    throw new RangeError(`capital fraction must be a number in [0, 1], got ${fraction}`);
  }
}
