/**
 * Walk-forward refit of k: the memoised k on a set of windows is the calibration estimator's on the
 * same windows, differs between train sets, and a failing estimate is reported, not remembered.
 */
import { describe, expect, it } from 'vitest';
import { dataDir } from '../../app/paths.ts';
import { loadSessionCached } from '../../activities/session-cache.ts';
import { kPerTickOn } from '../../activities/fold-calibration.ts';
import { estimateCalibration } from '../../core/calibration/estimate.ts';

const SESSION = 'binance-usdm_BTCUSDT_20240718T2357Z-20240719T0005Z';
// 2024-07-18T23:58:00Z and the three minutes after it (the session starts at 23:57:xx; its first minute
// is still syncing).
const T0_US = Date.UTC(2024, 6, 18, 23, 58) * 1000;
const minute = (i: number) => ({
  sessionId: SESSION,
  startUs: T0_US + i * 60e6,
  endUs: T0_US + (i + 1) * 60e6,
});

describe('kPerTickOn', () => {
  it('equals the calibration estimate on the same windows, and differs between train sets', async () => {
    const train = [minute(0), minute(1)];
    const k = await kPerTickOn(dataDir(), train);
    const s = await loadSessionCached(dataDir(), SESSION);
    const expected = estimateCalibration(train, new Map([[SESSION, { market: s.market, events: s.events }]]));
    expect(k).toBe(expected.fillIntensity.kPerTick);
    expect(k).toBeGreaterThan(0);
    expect(await kPerTickOn(dataDir(), train)).toBe(k); // memoised: the same figure
    expect(await kPerTickOn(dataDir(), [minute(2), minute(3)])).not.toBe(k);
  });

  it('rejects an unknown session, naming it', async () => {
    const bad = { sessionId: 'binance-usdm_BTCUSDT_20990101T0000Z-20990101T0010Z', startUs: 1, endUs: 2 };
    await expect(kPerTickOn(dataDir(), [bad])).rejects.toThrow(/20990101T0000Z/);
  });
});
