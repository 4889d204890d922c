/**
 * Calibration of the quoting model's market inputs over a set of session windows (normally the windows
 * the data-quality gate included): σ of the mid (./sigma.ts) and the fill intensity λ(δ) = A·e^(−kδ)
 * (./fill-intensity.ts), from the replayed book (./book-timeline.ts) and the taker arrivals
 * (./arrivals.ts). Pure: the caller supplies each session's parsed events. docs/calibration.md states
 * what is estimated, on which grid, in which units, and what breaks it.
 *
 * Each session is replayed once, whatever its number of windows. Only market time inside the windows
 * counts: the arrivals whose trade time falls in a window, and the windows' lengths as the observed time.
 */

import { PermanentError } from '../errors.ts';
import type { MarketEvent, MarketKind } from '../market-events.ts';
import type { SessionWindow } from '../dataset/windows.ts';
import { takerArrivals } from './arrivals.ts';
import { BookTimeline } from './book-timeline.ts';
import {
  DEFAULT_MAX_DEPTH_TICKS,
  DepthCounter,
  fitFillIntensity,
  type DepthCounts,
  type IntensityFit,
} from './fill-intensity.ts';
import {
  DEFAULT_SIGMA_GRID_MS,
  pooledSigmaTicksPerSqrtSec,
  sigmaTicksPerSqrtSec,
  windowSigmaStats,
  type SigmaStats,
} from './sigma.ts';

/** One session's parsed events (recorded order) and market. */
export interface SessionEvents {
  readonly market: MarketKind;
  readonly events: readonly MarketEvent[];
}

/** Options of the estimation. */
export interface CalibrationOptions {
  /** Calendar grid of the mid for σ, ms (integer ≥ 1; default 1000). */
  readonly sigmaGridMs?: number;
  /** Deepest level D of the λ fit, ticks (integer ≥ 2; default 5). */
  readonly maxDepthTicks?: number;
}

/** What the estimation yields. */
export interface CalibrationEstimate {
  readonly sigma: {
    /** Pooled σ, ticks/√s (time-weighted RMS of the windows'). */
    readonly ticksPerSqrtSec: number;
    /** σ of each input window, ticks/√s, in input order. */
    readonly perWindow: readonly number[];
    /** Grid step, ms. */
    readonly gridMs: number;
    /** Grid returns used over all windows. */
    readonly returns: number;
  };
  /** Pooled per-side fit, with the counts it was fitted on. */
  readonly fillIntensity: IntensityFit & {
    readonly maxDepthTicks: number;
    readonly durationSec: number;
    /** Taker arrivals matched to a synced book inside the windows. */
    readonly arrivals: number;
    /** Arrivals inside the windows without a synced book before them. */
    readonly unmatchedArrivals: number;
    /** Matched arrivals at or through the mid (level ≤ 0). */
    readonly atOrThroughMid: number;
    /** Buy (ask-side) arrivals reaching level ≥ d, d = 1…D. */
    readonly buyCounts: readonly number[];
    /** Sell (bid-side) arrivals reaching level ≥ d, d = 1…D. */
    readonly sellCounts: readonly number[];
  };
  /** Each side fitted alone; null when that side's fit is degenerate. */
  readonly bySide: { readonly buy: IntensityFit | null; readonly sell: IntensityFit | null };
}

/** `session[start, end)` with ISO times, for messages. */
export function describeWindow(w: SessionWindow): string {
  const iso = (us: number): string => new Date(Math.floor(us / 1000)).toISOString();
  return `${w.sessionId}[${iso(w.startUs)}, ${iso(w.endUs)})`;
}

function describeWindows(windows: readonly SessionWindow[]): string {
  const shown = windows.slice(0, 4).map(describeWindow).join(', ');
  return windows.length > 4
    ? `${windows.length} windows: ${shown}, …`
    : `${windows.length} window(s): ${shown}`;
}

function requireInt(name: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min)
    throw new PermanentError('CALIBRATION_OPTIONS', `${name} must be an integer ≥ ${min}, got ${value}`, {
      [name]: value,
    });
  return value;
}

/**
 * Checks windows: startUs < endUs (safe integers) and no two windows of one session overlap.
 * @throws PermanentError `NO_WINDOWS` for an empty list, `BAD_WINDOWS` naming the offending window(s).
 */
export function validateWindows(windows: readonly SessionWindow[]): void {
  if (windows.length === 0) throw new PermanentError('NO_WINDOWS', 'calibration needs at least one window');
  const bySession = new Map<string, SessionWindow[]>();
  for (const w of windows) {
    if (!Number.isSafeInteger(w.startUs) || !Number.isSafeInteger(w.endUs) || w.startUs >= w.endUs)
      throw new PermanentError(
        'BAD_WINDOWS',
        `window ${w.sessionId} [${w.startUs}, ${w.endUs}) is empty or not integer µs`,
        {
          ...w,
        },
      );
    const list = bySession.get(w.sessionId) ?? [];
    list.push(w);
    bySession.set(w.sessionId, list);
  }
  for (const list of bySession.values()) {
    const sorted = [...list].sort((a, b) => a.startUs - b.startUs);
    for (let i = 1; i < sorted.length; i++) {
      const a = sorted[i - 1];
      const b = sorted[i];
      if (a !== undefined && b !== undefined && b.startUs < a.endUs)
        throw new PermanentError(
          'BAD_WINDOWS',
          `windows ${describeWindow(a)} and ${describeWindow(b)} overlap`,
          {
            sessionId: a.sessionId,
          },
        );
    }
  }
}

/**
 * Estimates σ and λ(δ) over `windows`.
 * @param windows non-overlapping windows (per session), in any order; `perWindow` follows this order.
 * @param sessions the events of every session the windows name.
 * @throws PermanentError `NO_WINDOWS` | `BAD_WINDOWS` (see `validateWindows`); `UNKNOWN_SESSION` when a
 *   window names a session not in `sessions`; `CALIBRATION_OPTIONS`; `NO_MID_RETURNS` naming a window
 *   too short for the σ grid or without a synced book; `NO_TRADES_AT_DEPTH` naming the windows when no
 *   arrival reached 1 tick; `DEGENERATE_FIT` (see `fitFillIntensity`).
 */
export function estimateCalibration(
  windows: readonly SessionWindow[],
  sessions: ReadonlyMap<string, SessionEvents>,
  options: CalibrationOptions = {},
): CalibrationEstimate {
  const gridMs = requireInt('sigmaGridMs', options.sigmaGridMs ?? DEFAULT_SIGMA_GRID_MS, 1);
  const maxDepthTicks = requireInt('maxDepthTicks', options.maxDepthTicks ?? DEFAULT_MAX_DEPTH_TICKS, 2);
  validateWindows(windows);
  const counter = new DepthCounter(maxDepthTicks);
  const sigmaByWindow = new Map<SessionWindow, SigmaStats>();

  const bySession = new Map<string, SessionWindow[]>();
  for (const w of windows) bySession.set(w.sessionId, [...(bySession.get(w.sessionId) ?? []), w]);
  for (const [sessionId, list] of bySession) {
    const session = sessions.get(sessionId);
    if (session === undefined)
      throw new PermanentError('UNKNOWN_SESSION', `no events supplied for session ${sessionId}`, {
        sessionId,
      });
    const timeline = BookTimeline.fromEvents(session.events, session.market);
    const sorted = [...list].sort((a, b) => a.startUs - b.startUs);
    for (const w of sorted) {
      const stats = windowSigmaStats(timeline, w.startUs, w.endUs, gridMs);
      if (sigmaTicksPerSqrtSec(stats) === undefined)
        throw new PermanentError(
          'NO_MID_RETURNS',
          `window ${describeWindow(w)} has no mid return on the ${gridMs} ms grid (shorter than the grid, or no synced book); exclude it in the data-quality gate`,
          { ...w, gridMs },
        );
      sigmaByWindow.set(w, stats);
      counter.addDuration((w.endUs - w.startUs) / 1e6);
    }
    for (const arrival of takerArrivals(session.events, timeline)) {
      if (windowContaining(sorted, arrival.timeMs * 1000) !== undefined) counter.add(arrival);
    }
  }

  const counts: DepthCounts = counter.counts();
  const where = `fill intensity over ${describeWindows(windows)}`;
  const pooled = fitFillIntensity(counts, 'pooled', where);
  const trySide = (side: 'buy' | 'sell'): IntensityFit | null => {
    try {
      return fitFillIntensity(counts, side, where);
    } catch (err) {
      if (err instanceof PermanentError) return null;
      throw err;
    }
  };
  const perWindowStats = windows.map((w) => sigmaByWindow.get(w));
  const perWindow = perWindowStats.map((s) => (s === undefined ? 0 : (sigmaTicksPerSqrtSec(s) ?? 0)));
  const definedStats = perWindowStats.filter((s): s is SigmaStats => s !== undefined);
  return {
    sigma: {
      ticksPerSqrtSec: pooledSigmaTicksPerSqrtSec(definedStats) ?? 0,
      perWindow,
      gridMs,
      returns: definedStats.reduce((n, s) => n + s.returns, 0),
    },
    fillIntensity: {
      ...pooled,
      maxDepthTicks,
      durationSec: counts.durationSec,
      arrivals: counts.arrivals,
      unmatchedArrivals: counts.unmatched,
      atOrThroughMid: counts.atOrThroughMid,
      buyCounts: counts.buy,
      sellCounts: counts.sell,
    },
    bySide: { buy: trySide('buy'), sell: trySide('sell') },
  };
}

/** The window (sorted by start, non-overlapping) containing tUs, by binary search. */
function windowContaining(sorted: readonly SessionWindow[], tUs: number): SessionWindow | undefined {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if ((sorted[m]?.startUs ?? Infinity) <= tUs) lo = m + 1;
    else hi = m;
  }
  const w = sorted[lo - 1];
  return w !== undefined && tUs < w.endUs ? w : undefined;
}
