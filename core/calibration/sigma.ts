/**
 * Realised volatility of the mid over calendar windows, in ticks per √second, on the same conventions
 * as the live estimator (core/signals/ewma-volatility.ts): the mid is sampled on a calendar grid with
 * the previous-tick rule, each step gives a log-return r_i over Δt_i seconds, and
 *
 *     σ_log = √( Σ r_i² / Σ Δt_i )            (log-units per √s: the realised variance per unit time;
 *                                               Andersen, Bollerslev, Diebold & Labys 2003, Econometrica 71(2))
 *     σ_ticks = σ_log · mean mid (ticks)       (d ln S ≈ dS / S, as the EWMA estimator converts).
 *
 * The grid is anchored at the window's start: points startUs, startUs + grid, … < endUs, and the mid at
 * a point is the replayed book's as of the last depth event at or before it (`BookTimeline.mid2At`).
 * A step whose either end has no mid (book not synced) is skipped. Why a 1-s grid by default: it
 * still yields about 60 returns per 1-min window, while grids near the depth stream's own cadence
 * (100 ms spot, 30–55 ms futures) mostly see its batching steps; the grid matters (σ on a 100-ms grid
 * differs by −18 % to +9 % on the recorded sessions, docs/calibration.md §2).
 */

import type { BookTimeline } from './book-timeline.ts';

/** Default calendar grid of the mid for σ, ms. */
export const DEFAULT_SIGMA_GRID_MS = 1000;

/** Sums of one window's grid returns. */
export interface SigmaStats {
  /** Grid returns used. */
  readonly returns: number;
  /** Σ r², log-units². */
  readonly sumSqLogReturn: number;
  /** Σ Δt of the returns used, s. */
  readonly sumDtSec: number;
  /** Mean mid over the grid points with a mid, ticks (0 when none). */
  readonly meanMidTicks: number;
}

/**
 * Samples the window's grid and sums its log-returns.
 * @param startUs window start, µs (inclusive); endUs window end (exclusive).
 * @param gridMs grid step, ms (> 0).
 */
export function windowSigmaStats(
  timeline: BookTimeline,
  startUs: number,
  endUs: number,
  gridMs: number,
): SigmaStats {
  const gridUs = gridMs * 1000;
  let returns = 0;
  let sumSq = 0;
  let sumDt = 0;
  let midSum = 0;
  let mids = 0;
  let prev2: number | undefined;
  for (let g = startUs; g < endUs; g += gridUs) {
    const m2 = timeline.mid2At(g / 1000);
    if (m2 !== undefined) {
      midSum += m2 / 2;
      mids++;
      if (prev2 !== undefined) {
        const r = Math.log(m2 / prev2);
        sumSq += r * r;
        sumDt += gridMs / 1000;
        returns++;
      }
    }
    prev2 = m2;
  }
  return { returns, sumSqLogReturn: sumSq, sumDtSec: sumDt, meanMidTicks: mids === 0 ? 0 : midSum / mids };
}

/** σ of one window in ticks per √s; undefined without a return. */
export function sigmaTicksPerSqrtSec(stats: SigmaStats): number | undefined {
  if (stats.returns === 0 || !(stats.sumDtSec > 0)) return undefined;
  return Math.sqrt(stats.sumSqLogReturn / stats.sumDtSec) * stats.meanMidTicks;
}

/**
 * σ over several windows in ticks per √s: the time-weighted RMS of the windows' σ,
 * √( Σ_w σ_w²·T_w / Σ_w T_w ), T_w = Σ Δt of window w (the pooled realised variance rate when the mids
 * are alike). Windows without a return are skipped; undefined when none has one.
 */
export function pooledSigmaTicksPerSqrtSec(stats: readonly SigmaStats[]): number | undefined {
  let num = 0;
  let den = 0;
  for (const s of stats) {
    const sigma = sigmaTicksPerSqrtSec(s);
    if (sigma === undefined) continue;
    num += sigma * sigma * s.sumDtSec;
    den += s.sumDtSec;
  }
  return den > 0 ? Math.sqrt(num / den) : undefined;
}
