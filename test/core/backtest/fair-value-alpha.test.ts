/**
 * The fair-value model with an ONNX alpha block, replayed on a real session with a deterministic
 * stand-in for the ONNX model: the engine requests predictions on the alpha schedule, the quoter adds
 * them to the fair value (in σ units, clamped), the run is deterministic, and the synchronous
 * backtester refuses a model with alpha.
 */
import { describe, expect, it } from 'vitest';
import { dataDir } from '../../../app/paths.ts';
import { runBacktest, runBacktestAsync } from '../../../core/backtest/backtester.ts';
import { ALPHA_FEATURE_NAMES } from '../../../core/alpha/features.ts';
import type { AlphaModel } from '../../../core/alpha/alpha-model.ts';
import {
  DEFAULT_FAIR_VALUE_BTCUSDT_USDM,
  type FairValueParams,
} from '../../../core/quoting/fair-value-params.ts';
import { listSessions, loadSessionEvents } from '../../../venues/binance/recorded.ts';
import { instrumentForSession } from '../../../venues/instruments.ts';

const SESSION = 'binance-usdm_BTCUSDT_20240808T2354Z-20240809T0000Z';
const WITH_ALPHA: FairValueParams = {
  ...DEFAULT_FAIR_VALUE_BTCUSDT_USDM,
  alpha: {
    artifactPath: 'models/test-linear.onnx',
    sha256: 'f'.repeat(64),
    weight: 1,
    maxShiftSigma: 1,
    intervalMs: 1000,
    horizonMs: 1000,
  },
};

/** 20 ticks per unit of OFI (feature 0): a deterministic stand-in; counts its calls. */
function linearModel(): AlphaModel & { calls: number } {
  return {
    featureNames: ALPHA_FEATURE_NAMES,
    calls: 0,
    async predict(f) {
      this.calls++;
      return 20 * f[0]!;
    },
    async close() {},
  };
}

describe('fair-value with an alpha term', () => {
  it('requests predictions on its schedule, quotes differently from the model without alpha, deterministically', async () => {
    const session = listSessions(dataDir()).find((s) => s.prefix === SESSION);
    if (session === undefined) throw new Error(`session ${SESSION} missing`);
    const instrument = instrumentForSession(session);
    const events = await loadSessionEvents(session, instrument);
    const opts = { instrument, market: session.market, entryLatencyUs: 5_000, cancelLatencyUs: 5_000 };
    const model = linearModel();
    const a = await runBacktestAsync(events, { ...opts, params: WITH_ALPHA, alphaModel: model });
    const b = await runBacktestAsync(events, { ...opts, params: WITH_ALPHA, alphaModel: linearModel() });
    const plain = runBacktest(events, { ...opts, params: DEFAULT_FAIR_VALUE_BTCUSDT_USDM });
    // One prediction a second of a ~6-min session once warm.
    expect(model.calls).toBeGreaterThan(200);
    expect(model.calls).toBeLessThan(400);
    expect(a.kpis).toEqual(b.kpis);
    expect(a.kpis.fills).toBeGreaterThan(0);
    expect(a.kpis.quotes).not.toBe(plain.kpis.quotes);
    expect(() => runBacktest(events, { ...opts, params: WITH_ALPHA })).toThrow(/has an alpha term/);
  });
});
