/**
 * Walk-forward refit of k (the decay of the fill intensity λ(δ) = A·e^(−kδ), 1/tick) on a fold's train
 * windows (core/calibration/estimate.ts, the same estimator as the `calibrate` step). The estimate
 * depends on the windows only, never on a trial's parameters, so it is memoised per process: every
 * trial of a fold reuses it.
 */
import type { SessionWindow } from '../core/dataset/windows.ts';
import { estimateCalibration, type SessionEvents } from '../core/calibration/estimate.ts';
import { loadSessionCached } from './session-cache.ts';

const MEMO_CAPACITY = 64;
const memo = new Map<string, Promise<number>>();

/**
 * k fitted on `windows`, 1/tick (> 0).
 * @param dataDir root of the recorded data.
 * @param windows non-overlapping windows of one instrument.
 * @throws PermanentError from the estimator (`NO_TRADES_AT_DEPTH`, `DEGENERATE_FIT`, `NO_MID_RETURNS`…,
 *   naming the windows) or the session loader (`UNKNOWN_SESSION`).
 */
export function kPerTickOn(dataDir: string, windows: readonly SessionWindow[]): Promise<number> {
  const key = `${dataDir}\n${windows.map((w) => `${w.sessionId}@${w.startUs}-${w.endUs}`).join(',')}`;
  const known = memo.get(key);
  if (known !== undefined) return known;
  const fitted = fit(dataDir, windows);
  memo.set(key, fitted);
  fitted.catch(() => memo.delete(key)); // a failure is not remembered
  if (memo.size > MEMO_CAPACITY) memo.delete(memo.keys().next().value ?? key);
  return fitted;
}

async function fit(dataDir: string, windows: readonly SessionWindow[]): Promise<number> {
  const sessions = new Map<string, SessionEvents>();
  for (const sessionId of new Set(windows.map((w) => w.sessionId))) {
    const loaded = await loadSessionCached(dataDir, sessionId);
    sessions.set(sessionId, { market: loaded.market, events: loaded.events });
  }
  return estimateCalibration(windows, sessions).fillIntensity.kPerTick;
}
