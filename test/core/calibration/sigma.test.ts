import { describe, expect, it } from 'vitest';
import { BookTimeline } from '../../../core/calibration/book-timeline.ts';
import {
  pooledSigmaTicksPerSqrtSec,
  sigmaTicksPerSqrtSec,
  windowSigmaStats,
} from '../../../core/calibration/sigma.ts';
import { StreamBuilder } from '../dataset/stream-builder.ts';
import { randomWalkSession, T0 } from './synthetic.ts';

describe('windowSigmaStats', () => {
  // Mid at the 1-s grid points +0, +1, +2, +3 s: 1000.5, 1001.5, 1000.5, 1002.5 ticks (the book
  // changes between grid points; a change exactly at a grid point counts for it: previous-tick rule).
  const b = new StreamBuilder()
    .snapshot(T0 - 5, 1000, 1001)
    .diff(
      T0 + 1000,
      [[1001, 5]],
      [
        [1001, 0],
        [1002, 5],
      ],
    )
    .diff(
      T0 + 1500,
      [[1001, 0]],
      [
        [1002, 0],
        [1001, 5],
      ],
    )
    .diff(
      T0 + 2999,
      [[1002, 5]],
      [
        [1001, 0],
        [1003, 5],
      ],
    );
  const timeline = BookTimeline.fromEvents(b.events, 'usdm');

  it('sums the log-returns of the grid mids', () => {
    const stats = windowSigmaStats(timeline, T0 * 1000, (T0 + 3500) * 1000, 1000);
    const r = [Math.log(1001.5 / 1000.5), Math.log(1000.5 / 1001.5), Math.log(1002.5 / 1000.5)];
    expect(stats.returns).toBe(3);
    expect(stats.sumDtSec).toBe(3);
    expect(stats.sumSqLogReturn).toBeCloseTo(
      r.reduce((s, x) => s + x * x, 0),
      15,
    );
    expect(stats.meanMidTicks).toBeCloseTo((1000.5 + 1001.5 + 1000.5 + 1002.5) / 4, 12);
    // In ticks the steps are +1, −1, +2: Σ Δ² / 3 s = 2 ticks²/s, so σ ≈ √2 ticks/√s.
    expect(sigmaTicksPerSqrtSec(stats)).toBeCloseTo(Math.SQRT2, 3);
  });

  it('has no return in a window shorter than the grid', () => {
    const stats = windowSigmaStats(timeline, T0 * 1000, (T0 + 900) * 1000, 1000);
    expect(stats.returns).toBe(0);
    expect(sigmaTicksPerSqrtSec(stats)).toBeUndefined();
  });

  it('pools windows as the time-weighted RMS of their σ', () => {
    const a = { returns: 10, sumSqLogReturn: 1e-6 * 10, sumDtSec: 10, meanMidTicks: 1000 }; // σ = 1
    const c = { returns: 30, sumSqLogReturn: 9e-6 * 30, sumDtSec: 30, meanMidTicks: 1000 }; // σ = 3
    expect(pooledSigmaTicksPerSqrtSec([a, c])).toBeCloseTo(Math.sqrt((1 * 10 + 9 * 30) / 40), 12);
    expect(pooledSigmaTicksPerSqrtSec([{ ...a, returns: 0, sumDtSec: 0 }])).toBeUndefined();
  });
});

describe('σ of a random walk of known variance rate', () => {
  // ±1 tick every 100 ms: variance rate 10 ticks²/s, σ = √10 ≈ 3.162 ticks/√s. Over 1 h on the 1-s grid
  // (3,600 returns of 10 steps): Var(Δ²) = E[Δ⁴] − 10² = (3·10² − 2·10) − 100 = 180, so the relative SE
  // of σ̂² is √(180/3600)/10 ≈ 2.2 % and of σ̂ ≈ 1.1 %; tolerance 4 %.
  it('is recovered per window and pooled', () => {
    const { events, window } = randomWalkSession(7, 100, 3600);
    const timeline = BookTimeline.fromEvents(events, 'usdm');
    const midUs = window.startUs + 1800e6;
    const halves = [
      windowSigmaStats(timeline, window.startUs, midUs, 1000),
      windowSigmaStats(timeline, midUs, window.endUs, 1000),
    ];
    expect(halves.map((h) => h.returns)).toEqual([1799, 1799]);
    for (const h of halves)
      expect(Math.abs((sigmaTicksPerSqrtSec(h) ?? 0) / Math.sqrt(10) - 1)).toBeLessThan(0.06);
    expect(Math.abs((pooledSigmaTicksPerSqrtSec(halves) ?? 0) / Math.sqrt(10) - 1)).toBeLessThan(0.04);
  });
});
