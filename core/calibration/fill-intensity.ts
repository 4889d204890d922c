/**
 * Fill intensity λ(δ) = A·e^(−kδ) of a quote resting δ ticks from the mid (Avellaneda & Stoikov 2008,
 * §2.4; the same form in Guéant, Lehalle & Fernandez-Tapia 2013), estimated as seed
 * 004 §3.4 prescribes: a log-linear regression
 *
 *     ln λ(d) = ln A − k·d,   d = 1 … D ticks, over the levels with λ(d) > 0,
 *
 * where λ(d) = (taker arrivals reaching depth level ≥ d) / (market time observed, s), per side of the
 * book: the ask side is hit by buy arrivals, the bid side by sell arrivals, and the pooled λ is their
 * mean (A is the intensity of ONE side, as in the model, where each quote has its own λ). Depth levels
 * are defined in ./arrivals.ts. Units: A per second, k per tick, δ in ticks.
 *
 * The fit is unweighted least squares on ln λ, as in the seed and in hftbacktest's GLFT calibration
 * tutorial; its R² and the number of points are reported so a poor exponential fit is visible.
 */

import { PermanentError } from '../errors.ts';
import { depthLevel, type TakerArrival } from './arrivals.ts';
import { fitLine } from './least-squares.ts';

/** Default deepest level fitted, ticks: the quotes of the seed's models sit 1–3 ticks from the mid
 * (minimum spread 2 ticks, §4.7), and deeper levels of the recorded sessions are dominated by prints
 * against a book made stale by the depth stream's batching (docs/calibration.md). */
export const DEFAULT_MAX_DEPTH_TICKS = 5;

/** Arrival counts by depth level and side, over some market time. */
export interface DepthCounts {
  /** D, ticks. */
  readonly maxDepthTicks: number;
  /** `buy[d − 1]` = buy arrivals reaching level ≥ d (ask side), d = 1 … D. */
  readonly buy: readonly number[];
  /** `sell[d − 1]` = sell arrivals reaching level ≥ d (bid side). */
  readonly sell: readonly number[];
  /** Market time observed, s. */
  readonly durationSec: number;
  /** Arrivals counted (matched to a synced book), any depth. */
  readonly arrivals: number;
  /** Arrivals with no synced book before them (not counted). */
  readonly unmatched: number;
  /** Matched arrivals at level ≤ 0 (at or through the mid: a stale book). */
  readonly atOrThroughMid: number;
}

/** Accumulates `DepthCounts`. */
export class DepthCounter {
  private readonly maxDepth: number;
  private readonly buy: number[];
  private readonly sell: number[];
  private duration = 0;
  private arrivals = 0;
  private unmatched = 0;
  private throughMid = 0;

  /** @throws PermanentError `CALIBRATION_OPTIONS` unless maxDepthTicks is an integer ≥ 2. */
  constructor(maxDepthTicks: number = DEFAULT_MAX_DEPTH_TICKS) {
    if (!Number.isSafeInteger(maxDepthTicks) || maxDepthTicks < 2)
      throw new PermanentError(
        'CALIBRATION_OPTIONS',
        `maxDepthTicks must be an integer ≥ 2 (two points define a line), got ${maxDepthTicks}`,
        { maxDepthTicks },
      );
    this.maxDepth = maxDepthTicks;
    this.buy = new Array<number>(maxDepthTicks).fill(0);
    this.sell = new Array<number>(maxDepthTicks).fill(0);
  }

  /** Counts one arrival at every level d ≤ min(its level, D). */
  add(arrival: TakerArrival): void {
    if (arrival.depthHalfTicks === undefined) {
      this.unmatched++;
      return;
    }
    this.arrivals++;
    const level = depthLevel(arrival.depthHalfTicks);
    if (level <= 0) {
      this.throughMid++;
      return;
    }
    const counts = arrival.aggressor === 'buy' ? this.buy : this.sell;
    const top = Math.min(level, this.maxDepth);
    for (let d = 1; d <= top; d++) counts[d - 1] = (counts[d - 1] ?? 0) + 1;
  }

  /** Adds observed market time, s (≥ 0). */
  addDuration(seconds: number): void {
    this.duration += seconds;
  }

  /** The counts so far (copies). */
  counts(): DepthCounts {
    return {
      maxDepthTicks: this.maxDepth,
      buy: [...this.buy],
      sell: [...this.sell],
      durationSec: this.duration,
      arrivals: this.arrivals,
      unmatched: this.unmatched,
      atOrThroughMid: this.throughMid,
    };
  }
}

/** A fitted λ(δ) = A·e^(−kδ). */
export interface IntensityFit {
  /** A, arrivals per second at level 0 (one side). */
  readonly aPerSec: number;
  /** k, per tick (> 0). */
  readonly kPerTick: number;
  /** R² of the regression of ln λ on d. */
  readonly r2: number;
  /** Levels fitted (λ > 0). */
  readonly points: number;
  /** The fitted levels d, ticks. */
  readonly deltaTicks: readonly number[];
  /** λ(d) at those levels, per second. */
  readonly lambdaPerSec: readonly number[];
}

/** Which counts a fit uses: the pooled mean of both sides, or one side. */
export type IntensitySide = 'pooled' | 'buy' | 'sell';

/**
 * Fits λ(d) = A·e^(−kd) to the counts.
 * @param where names the data (sessions, windows) in error messages.
 * @throws PermanentError `NO_TRADES_AT_DEPTH` when no arrival reached level 1 (nothing to fit) or the
 *   duration is not positive; `DEGENERATE_FIT` when fewer than 2 levels have λ > 0, or λ does not
 *   decrease with depth (k ≤ 0: every arrival reached beyond D, so D is too small for this data).
 */
export function fitFillIntensity(counts: DepthCounts, side: IntensitySide, where: string): IntensityFit {
  const perSide = (d: number): number => {
    const b = counts.buy[d - 1] ?? 0;
    const s = counts.sell[d - 1] ?? 0;
    return side === 'buy' ? b : side === 'sell' ? s : (b + s) / 2;
  };
  const details = { where, side, durationSec: counts.durationSec, arrivals: counts.arrivals };
  if (!(counts.durationSec > 0))
    throw new PermanentError('NO_TRADES_AT_DEPTH', `${where}: no market time observed (${side})`, details);
  if (perSide(1) === 0)
    throw new PermanentError(
      'NO_TRADES_AT_DEPTH',
      `${where}: no taker arrival reached depth ≥ 1 tick from the mid (${side}; ${counts.arrivals} arrivals matched, ${counts.unmatched} without a synced book)`,
      details,
    );
  const deltaTicks: number[] = [];
  const lambdaPerSec: number[] = [];
  for (let d = 1; d <= counts.maxDepthTicks; d++) {
    const c = perSide(d);
    if (c <= 0) break; // counts of "level ≥ d" never increase with d
    deltaTicks.push(d);
    lambdaPerSec.push(c / counts.durationSec);
  }
  const line = fitLine(
    deltaTicks,
    lambdaPerSec.map((l) => Math.log(l)),
    `${where}: ln λ(δ) (${side})`,
  );
  const kPerTick = -line.slope;
  if (!(kPerTick > 0) || !Number.isFinite(line.intercept))
    throw new PermanentError(
      'DEGENERATE_FIT',
      `${where}: λ(δ) does not decrease with depth (k = ${kPerTick} per tick over δ = 1…${deltaTicks.length}; ${side}); raise maxDepthTicks`,
      { ...details, kPerTick },
    );
  return {
    aPerSec: Math.exp(line.intercept),
    kPerTick,
    r2: line.r2,
    points: line.n,
    deltaTicks,
    lambdaPerSec,
  };
}
