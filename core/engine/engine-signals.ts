/**
 * The engine's market signals (σ EWMA, slow σ, trade-flow OFI, depth imbalance) built from their
 * settings, and carried across a model hot swap (docs/adr/0016-promotion-lifecycle.md §Hot swap): a
 * signal whose settings are unchanged is kept as it is (warm: its estimate and history go on), a signal
 * whose settings changed is rebuilt cold and warms up again as at start.
 *
 * Which settings each signal depends on:
 * - σ: span `volObservations` and grid `volSampleIntervalMs`;
 * - slow σ: span `volLongObservations` (absent: no slow σ) and the same grid;
 * - OFI: `ofiWindowMs`;
 * - DI: `diLevels` (its z-score statistics are those of sums over that many levels).
 */
import { DepthImbalance } from '../signals/depth-imbalance.ts';
import { EwmaVolatility } from '../signals/ewma-volatility.ts';
import { TradeFlowImbalance } from '../signals/order-flow-imbalance.ts';

/** The settings the signals are built from (a subset of the engine params; same units). */
export interface SignalSettings {
  /** EWMA span N of σ, observations. */
  readonly volObservations: number;
  /** Calendar grid of σ samples, ms. */
  readonly volSampleIntervalMs: number;
  /** OFI trailing window, ms. */
  readonly ofiWindowMs: number;
  /** Levels per side summed for the depth imbalance. */
  readonly diLevels: number;
  /** Span of the slow σ, observations; absent: no slow σ. */
  readonly volLongObservations?: number | undefined;
}

/** One set of signals. */
export interface EngineSignals {
  readonly vol: EwmaVolatility;
  /** Undefined when the settings have no `volLongObservations`. */
  readonly volLong: EwmaVolatility | undefined;
  readonly ofi: TradeFlowImbalance;
  readonly di: DepthImbalance;
}

/** Which signals a swap rebuilt (true) or kept warm (false). */
export interface SignalsRebuilt {
  readonly vol: boolean;
  readonly volLong: boolean;
  readonly ofi: boolean;
  readonly di: boolean;
}

/**
 * Fresh (cold) signals for `s`.
 * @throws RangeError when a span or window is not an integer ≥ 1 (the signals' constructors).
 */
export function buildSignals(s: SignalSettings): EngineSignals {
  return {
    vol: volFor(s.volObservations, s.volSampleIntervalMs),
    volLong:
      s.volLongObservations === undefined ? undefined : volFor(s.volLongObservations, s.volSampleIntervalMs),
    ofi: new TradeFlowImbalance(s.ofiWindowMs),
    di: new DepthImbalance(),
  };
}

/**
 * The signals for `next`, keeping each of `prev` whose settings are equal in `prevSettings` (see the
 * module doc). Allocates (a swap is rare, never on the per-event path).
 * @param prev the signals in use; @param prevSettings the settings they were built from.
 * @throws RangeError as {@link buildSignals}, before anything is returned (nothing is modified).
 */
export function carrySignals(
  prev: EngineSignals,
  prevSettings: SignalSettings,
  next: SignalSettings,
): { readonly signals: EngineSignals; readonly rebuilt: SignalsRebuilt } {
  const gridSame = prevSettings.volSampleIntervalMs === next.volSampleIntervalMs;
  const volKept = gridSame && prevSettings.volObservations === next.volObservations;
  const volLongKept = gridSame && prevSettings.volLongObservations === next.volLongObservations;
  const ofiKept = prevSettings.ofiWindowMs === next.ofiWindowMs;
  const diKept = prevSettings.diLevels === next.diLevels;
  const nextVolLong = next.volLongObservations;
  const signals: EngineSignals = {
    vol: volKept ? prev.vol : volFor(next.volObservations, next.volSampleIntervalMs),
    volLong: volLongKept
      ? prev.volLong
      : nextVolLong === undefined
        ? undefined
        : volFor(nextVolLong, next.volSampleIntervalMs),
    ofi: ofiKept ? prev.ofi : new TradeFlowImbalance(next.ofiWindowMs),
    di: diKept ? prev.di : new DepthImbalance(),
  };
  return { signals, rebuilt: { vol: !volKept, volLong: !volLongKept, ofi: !ofiKept, di: !diKept } };
}

function volFor(observations: number, sampleIntervalMs: number): EwmaVolatility {
  return new EwmaVolatility({ observations, sampleIntervalMs });
}
