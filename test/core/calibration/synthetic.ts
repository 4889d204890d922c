// Seeded generators of synthetic sessions with a KNOWN fill intensity or volatility, for the
// calibration tests (pure: a seeded PRNG, no clock).
import type { SessionWindow } from '../../../core/dataset/windows.ts';
import { StreamBuilder } from '../dataset/stream-builder.ts';

/** mulberry32: a small, well-mixed 32-bit PRNG (Tommy Ettinger's public-domain generator). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const T0 = 1_700_000_000_000; // ms

/**
 * A book fixed at bid 1000 / ask 1001 (mid 1000.5) and, on each side independently, Poisson taker
 * arrivals whose depth level L (ticks, ⌈distance from the mid⌉) follows P(L ≥ d) = e^(−k(d−1)), at
 * rate λ(1) = A·e^(−k): so the arrivals reaching level ≥ d come at A·e^(−kd) per second per side,
 * the model the calibration fits. An arrival of level L prints L trades (the touch, then one more tick
 * each) in one millisecond, as a sweep does. Arrivals never share a millisecond (a collision is pushed
 * 1 ms later), so grouping prints by (time, side) recovers them exactly.
 */
export function knownIntensitySession(
  seed: number,
  aPerSec: number,
  kPerTick: number,
  durationSec: number,
): { events: StreamBuilder['events']; window: SessionWindow; arrivals: number } {
  const rand = mulberry32(seed);
  const rate = aPerSec * Math.exp(-kPerTick); // λ(1) per side
  const exp = (r: number): number => -Math.log(1 - rand()) / r;
  // Merge the two sides' Poisson streams: total rate 2·rate, each arrival's side a fair coin.
  const b = new StreamBuilder().snapshot(T0 - 1, 1000, 1001);
  const endMs = T0 + durationSec * 1000;
  let tSec = 0;
  let lastMs = T0 - 1;
  let arrivals = 0;
  for (;;) {
    tSec += exp(2 * rate);
    let ms = T0 + Math.floor(tSec * 1000);
    if (ms <= lastMs) ms = lastMs + 1;
    if (ms >= endMs) break;
    lastMs = ms;
    const side = rand() < 0.5 ? 'buy' : 'sell';
    // Level: 1 + geometric with P(L − 1 ≥ m) = e^(−km).
    const level = 1 + Math.floor(-Math.log(1 - rand()) / kPerTick);
    for (let j = 0; j < level; j++) b.trade(ms, side === 'buy' ? 1001 + j : 1000 - j, side);
    arrivals++;
  }
  return {
    events: b.events,
    window: { sessionId: `synthetic-${seed}`, startUs: T0 * 1000, endUs: endMs * 1000 },
    arrivals,
  };
}

/**
 * A one-tick-spread book whose mid moves one tick up or down (fair coin) every `stepMs`, starting at
 * mid `startMid + 0.5` ticks: a random walk with variance rate 1 tick² per step, i.e.
 * σ = √(1000 / stepMs) ticks/√s.
 */
export function randomWalkSession(
  seed: number,
  stepMs: number,
  durationSec: number,
  startBid = 100_000,
): { events: StreamBuilder['events']; window: SessionWindow } {
  const rand = mulberry32(seed);
  const b = new StreamBuilder().snapshot(T0 - 1, startBid, startBid + 1);
  let bid = startBid;
  for (let t = stepMs; t < durationSec * 1000; t += stepMs) {
    const next = rand() < 0.5 ? bid + 1 : bid - 1;
    b.diff(
      T0 + t,
      [
        [bid, 0],
        [next, 10],
      ],
      [
        [bid + 1, 0],
        [next + 1, 10],
      ],
    );
    bid = next;
  }
  return {
    events: b.events,
    window: { sessionId: `walk-${seed}`, startUs: T0 * 1000, endUs: (T0 + durationSec * 1000) * 1000 },
  };
}
