/**
 * Calibration check of DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT on real recorded Binance spot BTCUSDT
 * bookTicker data (see /work/shared/data/README.md): EWMA σ on the 100 ms grid and the V1-α quotes at
 * flat inventory, at every top-of-book update. Figures are pinned (deterministic replay) so a change to
 * the estimator or the defaults shows up here; the doc of the defaults quotes the same numbers.
 */
import { describe, it, expect } from 'vitest';
import { UNSEEN_VIEW_FIELDS } from '../../../core/quoting/quoter.ts';
import { join } from 'node:path';
import { dataDir } from '../../../app/paths.ts';
import { getInstrument } from '../../../venues/instruments.ts';
import { readRecordedFile } from '../../../venues/binance/recorded.ts';
import { EwmaVolatility } from '../../../core/signals/ewma-volatility.ts';
import { AsV1AlphaQuoter } from '../../../core/quoting/v1-alpha.ts';
import { DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT as P } from '../../../core/quoting/model-params.ts';

const SESSION = 'binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z';
const FILE = join(dataDir(), 'bookticker', `${SESSION}.bookTicker.jsonl.gz`);

function quantile(sorted: readonly number[], p: number): number {
  return sorted[Math.floor(p * (sorted.length - 1))] ?? Number.NaN;
}

describe(`V1-α defaults on ${SESSION}`, () => {
  it('quote a few ticks to tens of ticks wide', async () => {
    const vol = new EwmaVolatility({
      observations: P.volObservations,
      sampleIntervalMs: P.volSampleIntervalMs,
    });
    const quoter = new AsV1AlphaQuoter(P);
    const spreads: number[] = [];
    const sigmas: number[] = [];
    let events = 0;
    let notReady = 0;
    let crossing = 0;
    for await (const ev of readRecordedFile(FILE, getInstrument('binance-spot', 'BTCUSDT'))) {
      if (ev.kind !== 'bookTicker') continue;
      events += 1;
      // spot bookTicker carries no exchange time: recvTimeUs is the only clock (README "Format").
      const midTicks = (ev.bidTicks + ev.askTicks) / 2;
      vol.update(midTicks, ev.recvTimeUs);
      const sigma = vol.sigmaTicksPerSqrtSec();
      const intent = quoter.decide({
        nowUs: ev.recvTimeUs,
        bestBidTicks: ev.bidTicks,
        bestAskTicks: ev.askTicks,
        midTicks,
        sigmaTicksPerSqrtSec: sigma,
        ofi: 0,
        depthImbalance: 0,
        inventoryLots: 0,
        sigmaLongTicksPerSqrtSec: undefined,
        alphaTicks: 0,
        ...UNSEEN_VIEW_FIELDS,
      });
      if (intent.bid === undefined || intent.ask === undefined || sigma === undefined) {
        if (intent.bidReason === 'no-volatility-yet' && sigma === undefined) notReady += 1;
        continue;
      }
      if (intent.bid.priceTicks >= ev.askTicks || intent.ask.priceTicks <= ev.bidTicks) crossing += 1;
      spreads.push(intent.ask.priceTicks - intent.bid.priceTicks);
      sigmas.push(sigma);
    }
    spreads.sort((a, b) => a - b);
    sigmas.sort((a, b) => a - b);
    expect(events).toBe(73_174); // README: 73,174 bookTicker events
    expect(notReady).toBe(1092); // warm-up: 100 grid returns of 100 ms ≈ the first 10 s
    expect(spreads.length).toBe(events - notReady);
    expect(crossing).toBe(0); // post-only: never at or through the opposite touch
    // Pinned quoted spread (ticks of 0.01 USDT) p10 / p50 / p90 = 5 / 11 / 29.
    expect([quantile(spreads, 0.1), quantile(spreads, 0.5), quantile(spreads, 0.9)]).toEqual([5, 11, 29]);
    expect(spreads[0]).toBeGreaterThanOrEqual(P.minSpreadTicks);
    // σ p50 ≈ 569 ticks/√s (≈ 5.7 USDT/√s; BTC at ≈ 61.7k during a sell-off).
    expect(quantile(sigmas, 0.5)).toBeCloseTo(569.0, 0);
  });
});
