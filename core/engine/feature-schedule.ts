/**
 * The engine's feature clock: at every point g of a calendar grid (`gridMs`, aligned to the Unix
 * epoch) it builds the alpha feature vector (core/alpha/features.ts) from the state that held at g —
 * the book and signals just before the first event at or after g — and
 *  - hands it to the feature tap (data-set building), once warm, at every grid point;
 *  - at the points of the alpha grid (`alphaIntervalMs`, a multiple of `gridMs`), to `onAlphaRequest`
 *    (the driver answers later with `QuotingEngine.setAlphaTicks`). When one event crosses several alpha
 *    points, only the latest is requested: an older one would be overtaken before it could apply.
 * While the book is not synced (or has an empty side) at a grid point, nothing is emitted and the mid
 * history is reset, so the features are warm again 5 s after the book is back.
 *
 * The tap's and the request's arrays are reused: copy them to keep them.
 */
import type { OrderBook } from '../book/order-book.ts';
import { ALPHA_FEATURE_COUNT, AlphaFeatureBuilder, type AlphaFeatureInputs } from '../alpha/features.ts';
import type { DepthImbalance } from '../signals/depth-imbalance.ts';
import type { EwmaVolatility } from '../signals/ewma-volatility.ts';
import type { TradeFlowImbalance } from '../signals/order-flow-imbalance.ts';

/** Receives the features of grid time `nowUs` (µs) and the mid then (ticks). */
export type FeatureTap = (nowUs: number, features: Float32Array, midTicks: number) => void;

/** Receives the features of an alpha grid time `nowUs` (µs); the answer comes back asynchronously. */
export type AlphaRequest = (features: Float32Array, nowUs: number) => void;

/** Options of {@link FeatureSchedule}. */
export interface FeatureScheduleOptions {
  /** Feature grid step, ms (an integer dividing 1000). */
  readonly gridMs: number;
  readonly tap?: FeatureTap;
  /** Alpha grid step, ms: a multiple of `gridMs`; requests are sent only with `onAlphaRequest`. */
  readonly alphaIntervalMs?: number;
  readonly onAlphaRequest?: AlphaRequest;
}

/** The engine state the features read (the engine owns and updates all of it). */
export interface FeatureSources {
  readonly book: OrderBook;
  readonly vol: EwmaVolatility;
  readonly ofi: TradeFlowImbalance;
  readonly di: DepthImbalance;
}

/** See the module doc. */
export class FeatureSchedule {
  private readonly builder: AlphaFeatureBuilder;
  private readonly gridUs: number;
  private readonly alphaUs: number;
  private readonly tap: FeatureTap | undefined;
  private readonly onAlphaRequest: AlphaRequest | undefined;
  private readonly src: FeatureSources;
  private readonly out = new Float32Array(ALPHA_FEATURE_COUNT);
  private readonly alphaOut = new Float32Array(ALPHA_FEATURE_COUNT);
  /** Next grid time not yet sampled, µs; −Infinity before the first event. */
  private nextUs = Number.NEGATIVE_INFINITY;
  private readonly inputs: { -readonly [K in keyof AlphaFeatureInputs]: AlphaFeatureInputs[K] } = {
    midTicks: 0,
    micropriceTicks: 0,
    spreadTicks: 0,
    sigmaTicksPerSqrtSec: undefined,
    ofi: 0,
    depthImbalance: 0,
  };

  /**
   * @throws RangeError if `gridMs` does not divide 1000, or `alphaIntervalMs` is not a positive
   *   multiple of it.
   */
  constructor(opts: FeatureScheduleOptions, sources: FeatureSources) {
    this.builder = new AlphaFeatureBuilder({ gridMs: opts.gridMs });
    this.gridUs = opts.gridMs * 1000;
    const alphaMs = opts.alphaIntervalMs;
    if (
      alphaMs !== undefined &&
      (!Number.isSafeInteger(alphaMs) || alphaMs < 1 || alphaMs % opts.gridMs !== 0)
    ) {
      throw new RangeError(
        `FeatureSchedule: alphaIntervalMs must be a positive multiple of the ${opts.gridMs}-ms feature grid, got ${alphaMs}`,
      );
    }
    this.alphaUs = opts.onAlphaRequest === undefined || alphaMs === undefined ? 0 : alphaMs * 1000;
    this.tap = opts.tap;
    this.onAlphaRequest = opts.onAlphaRequest;
    this.src = sources;
  }

  /**
   * Samples every grid point in (last sampled point, nowUs], with the state as it is now (before the
   * event at `nowUs` is applied).
   * @param nowUs the event's time, µs (the engine clock; non-decreasing).
   * @param synced whether the book is synced (its state usable).
   */
  beforeEvent(nowUs: number, synced: boolean): void {
    if (nowUs < this.nextUs) return;
    const gridUs = this.gridUs;
    const lastUs = Math.floor(nowUs / gridUs) * gridUs;
    const firstUs = this.nextUs;
    this.nextUs = lastUs + gridUs;
    if (firstUs === Number.NEGATIVE_INFINITY) return; // the first event: no state before it
    const book = this.src.book;
    const mid = synced ? book.midTicks() : undefined;
    const bid = book.bestBidTicks();
    const ask = book.bestAskTicks();
    const microprice = book.micropriceTicks();
    if (mid === undefined || bid === undefined || ask === undefined || microprice === undefined) {
      this.builder.reset();
      return;
    }
    const s = this.inputs;
    s.midTicks = mid;
    s.micropriceTicks = microprice;
    s.spreadTicks = ask - bid;
    s.sigmaTicksPerSqrtSec = this.src.vol.sigmaTicksPerSqrtSec();
    s.depthImbalance = this.src.di.value;
    const out = this.out;
    let alphaAtUs = Number.NaN;
    for (let g = firstUs; g <= lastUs; g += gridUs) {
      s.ofi = this.src.ofi.value(g);
      if (!this.builder.update(g, s, out)) continue;
      this.tap?.(g, out, mid);
      if (this.alphaUs > 0 && g % this.alphaUs === 0) {
        this.alphaOut.set(out);
        alphaAtUs = g;
      }
    }
    if (!Number.isNaN(alphaAtUs)) this.onAlphaRequest?.(this.alphaOut, alphaAtUs);
  }
}
