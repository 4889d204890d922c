/**
 * The engine settings a model version implies: signal windows, the hard inventory limit, and for V1.5
 * the slow σ of the adaptive widening and the alpha schedule. One mapping for every driver.
 */
import type { ModelParams } from '../quoting/model-params.ts';
import type { EngineParams } from './quoting-engine.ts';
import { JOIN_TOUCH_SIGNAL_WINDOWS } from '../quoting/fair-value-params.ts';

/**
 * @param p parsed model parameters.
 * @returns V1-α: the params themselves (they carry every engine field); V1.5: its windows and limit,
 *   `volLongObservations`, and `alphaIntervalMs`/`alphaHorizonMs` when it has an alpha block;
 *   fair-value: its windows and limit (no depth imbalance: 5 levels, unread) and its alpha schedule when
 *   it has an alpha block; join-touch: its limit and
 *   fixed windows (`JOIN_TOUCH_SIGNAL_WINDOWS`: it reads no signal, the engine's σ still feeds risk).
 */
export function engineParamsFor(p: ModelParams): EngineParams {
  if (p.model === 'as-v1-alpha') return p;
  if (p.model === 'join-touch') return { ...JOIN_TOUCH_SIGNAL_WINDOWS, maxInventoryLots: p.maxInventoryLots };
  if (p.model === 'fair-value') {
    const fv = {
      volObservations: p.volObservations,
      volSampleIntervalMs: p.volSampleIntervalMs,
      ofiWindowMs: p.ofiWindowMs,
      diLevels: JOIN_TOUCH_SIGNAL_WINDOWS.diLevels,
      maxInventoryLots: p.maxInventoryLots,
    };
    return p.alpha === undefined
      ? fv
      : { ...fv, alphaIntervalMs: p.alpha.intervalMs, alphaHorizonMs: p.alpha.horizonMs };
  }
  const common = {
    volObservations: p.volObservations,
    volSampleIntervalMs: p.volSampleIntervalMs,
    ofiWindowMs: p.ofiWindowMs,
    diLevels: p.diLevels,
    maxInventoryLots: p.maxInventoryLots,
    volLongObservations: p.volLongObservations,
  };
  const alpha = p.alpha;
  return alpha === undefined
    ? common
    : { ...common, alphaIntervalMs: alpha.intervalMs, alphaHorizonMs: alpha.horizonMs };
}
