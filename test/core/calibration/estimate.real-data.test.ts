// Calibration on every recorded session with a depth snapshot (/work/shared/data; MMFLOW_DATA_DIR),
// over the windows the data-quality gate includes (1-min windows, 3 s silence, 100 trades), with the
// default options (1-s σ grid, D = 5 ticks). The figures are pinned (to 4 significant digits) so a
// change of method shows; docs/calibration.md discusses them.
import { describe, expect, it } from 'vitest';
import { estimateCalibration } from '../../../core/calibration/estimate.ts';
import { assessWindows, includedWindows } from '../../../core/dataset/windows.ts';
import { listSessions, loadSessionEvents } from '../../../venues/binance/recorded.ts';
import { instrumentForSession } from '../../../venues/instruments.ts';
import { DATA_DIR } from '../../venues/binance/data.ts';

const RULES = { windowMs: 60_000, maxTradeGapMs: 3_000, minTrades: 100 };

/** Pinned: included windows, σ (ticks/√s), A (per s), k (per tick), R², matched arrivals. */
const PINNED: Record<string, [number, number, number, number, number, number]> = {
  'binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z': [11, 694.99, 4.438, 0.2383, 0.565, 6782],
  'binance-usdm_BTCUSDT_20230404T2358Z-20230405T0007Z': [7, 9.7578, 2.581, 0.5506, 0.621, 2946],
  'binance-usdm_BTCUSDT_20240718T2357Z-20240719T0005Z': [8, 31.758, 2.977, 0.3754, 0.553, 3445],
  'binance-usdm_BTCUSDT_20240808T2354Z-20240809T0000Z': [5, 78.857, 5.956, 0.3154, 0.568, 4824],
  'binance-usdm_ETHUSDT_20240718T2357Z-20240719T0005Z': [8, 20.509, 2.82, 0.3628, 0.579, 3156],
};

const near = (actual: number, expected: number, digits = 4): void => {
  expect(Math.abs(actual / expected - 1)).toBeLessThan(0.5 * 10 ** (1 - digits));
};

describe('calibration on the recorded sessions', () => {
  const withSnapshot = listSessions(DATA_DIR).filter((s) => s.hasSnapshot);

  it('covers every session with a snapshot', () => {
    expect(withSnapshot.map((s) => s.prefix)).toEqual(Object.keys(PINNED).sort());
  });

  for (const session of withSnapshot) {
    it(`gives finite positive σ, A, k and a reported R² on ${session.prefix}`, async () => {
      const events = await loadSessionEvents(session, instrumentForSession(session));
      const windows = includedWindows(assessWindows(events, session.prefix, session.market, RULES));
      const est = estimateCalibration(
        windows,
        new Map([[session.prefix, { market: session.market, events }]]),
      );
      const f = est.fillIntensity;
      console.log(
        `${session.prefix}: ${windows.length} windows, σ ${est.sigma.ticksPerSqrtSec.toFixed(2)} ticks/√s, ` +
          `A ${f.aPerSec.toFixed(3)}/s, k ${f.kPerTick.toFixed(4)}/tick, R² ${f.r2.toFixed(3)}, ` +
          `${f.points} points, λ ${f.lambdaPerSec.map((l) => l.toFixed(3)).join(' ')}`,
      );
      for (const x of [est.sigma.ticksPerSqrtSec, f.aPerSec, f.kPerTick, ...est.sigma.perWindow])
        expect(Number.isFinite(x) && x > 0).toBe(true);
      expect(f.r2).toBeGreaterThan(0);
      expect(f.r2).toBeLessThanOrEqual(1);
      expect(f.points).toBe(5);
      expect(est.sigma.perWindow).toHaveLength(windows.length);
      expect(f.unmatchedArrivals).toBe(0); // included windows are synced throughout
      const [n, sigma, a, k, r2, arrivals] = PINNED[session.prefix] ?? [];
      expect(windows.length).toBe(n);
      near(est.sigma.ticksPerSqrtSec, sigma ?? Number.NaN, 5);
      near(f.aPerSec, a ?? Number.NaN);
      near(f.kPerTick, k ?? Number.NaN);
      near(f.r2, r2 ?? Number.NaN, 3);
      expect(f.arrivals).toBe(arrivals);
    });
  }
});
