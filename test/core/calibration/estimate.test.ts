import { describe, expect, it } from 'vitest';
import { estimateCalibration, type SessionEvents } from '../../../core/calibration/estimate.ts';
import type { SessionWindow } from '../../../core/dataset/windows.ts';
import { StreamBuilder } from '../dataset/stream-builder.ts';
import { T0 } from './synthetic.ts';

const win = (fromMs: number, toMs: number, sessionId = 's'): SessionWindow => ({
  sessionId,
  startUs: (T0 + fromMs) * 1000,
  endUs: (T0 + toMs) * 1000,
});
const one = (b: StreamBuilder): ReadonlyMap<string, SessionEvents> =>
  new Map([['s', { market: 'usdm', events: b.events }]]);

/** A book at 1000/1001 moving every 500 ms, and sweeps of levels 1, 1, 2, 3 every second from +100 ms. */
function sweeps(seconds: number): StreamBuilder {
  const b = new StreamBuilder().snapshot(T0 - 1, 1000, 1001);
  for (let s = 0; s < seconds; s++) {
    const level = [1, 1, 2, 3][s % 4] ?? 1;
    for (let j = 0; j < level; j++) b.trade(T0 + s * 1000 + 100, 1001 + j, 'buy');
    for (let j = 0; j < level; j++) b.trade(T0 + s * 1000 + 200, 1000 - j, 'sell');
    b.diff(T0 + s * 1000 + 500, [[1000, 10 + (s % 3)]], []);
  }
  return b;
}

describe('estimateCalibration', () => {
  it('counts only the arrivals and the time inside the windows, σ in input order', () => {
    const b = sweeps(8);
    const windows = [win(4000, 8000), win(0, 2000)];
    const est = estimateCalibration(windows, one(b), { maxDepthTicks: 3 });
    // Seconds 0, 1 (levels 1, 1) and 4–7 (levels 1, 1, 2, 3): 6 s, 6 arrivals a side.
    expect(est.fillIntensity.durationSec).toBe(6);
    expect(est.fillIntensity.arrivals).toBe(12);
    expect(est.fillIntensity.buyCounts).toEqual([6, 2, 1]);
    expect(est.fillIntensity.sellCounts).toEqual([6, 2, 1]);
    expect(est.fillIntensity.lambdaPerSec).toEqual([1, 2 / 6, 1 / 6]);
    expect(est.sigma.perWindow).toEqual([0, 0]); // the mid never moves
    expect(est.sigma.returns).toBe(3 + 1);
  });

  it('fails with NO_TRADES_AT_DEPTH naming the session and window when no arrival reaches 1 tick', () => {
    const b = new StreamBuilder().snapshot(T0 - 1, 1000, 1002); // mid 1001
    for (let t = 0; t < 5000; t += 250) b.trade(T0 + t, 1001, t % 500 === 0 ? 'buy' : 'sell'); // at the mid
    expect(() => estimateCalibration([win(0, 5000)], one(b))).toThrow(
      expect.objectContaining({
        code: 'NO_TRADES_AT_DEPTH',
        message: expect.stringContaining('s[2023-11-14T22:13:20.000Z, 2023-11-14T22:13:25.000Z)'),
      }),
    );
  });

  it('fails with DEGENERATE_FIT when every arrival stops at the touch', () => {
    const b = new StreamBuilder().snapshot(T0 - 1, 1000, 1001);
    for (let t = 0; t < 5000; t += 250) b.trade(T0 + t, 1001, 'buy').trade(T0 + t + 1, 1000, 'sell');
    expect(() => estimateCalibration([win(0, 5000)], one(b))).toThrow(
      expect.objectContaining({ code: 'DEGENERATE_FIT' }),
    );
  });

  it('fails with NO_MID_RETURNS naming a window shorter than the σ grid', () => {
    expect(() => estimateCalibration([win(0, 4000), win(5000, 5600)], one(sweeps(8)))).toThrow(
      expect.objectContaining({ code: 'NO_MID_RETURNS', message: expect.stringContaining('22:13:25.000Z') }),
    );
  });

  it('refuses missing sessions, overlapping or empty windows and bad options', () => {
    const events = one(sweeps(4));
    expect(() => estimateCalibration([win(0, 2000, 'other')], events)).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_SESSION' }),
    );
    expect(() => estimateCalibration([win(0, 2000), win(1500, 3000)], events)).toThrow(
      expect.objectContaining({ code: 'BAD_WINDOWS', message: expect.stringContaining('overlap') }),
    );
    expect(() => estimateCalibration([win(2000, 2000)], events)).toThrow(
      expect.objectContaining({ code: 'BAD_WINDOWS' }),
    );
    expect(() => estimateCalibration([], events)).toThrow(expect.objectContaining({ code: 'NO_WINDOWS' }));
    expect(() => estimateCalibration([win(0, 2000)], events, { sigmaGridMs: 0 })).toThrow(
      expect.objectContaining({ code: 'CALIBRATION_OPTIONS' }),
    );
    expect(() => estimateCalibration([win(0, 2000)], events, { maxDepthTicks: 1 })).toThrow(
      expect.objectContaining({ code: 'CALIBRATION_OPTIONS' }),
    );
  });
});
