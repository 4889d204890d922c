/**
 * The native side of the alpha hook: asynchronous answers in paper/live (a failed prediction sets alpha
 * to 0 and never throws), awaited answers in replay — which must give `runBacktestAsync`'s numbers.
 * No services needed.
 */
import { describe, it, expect } from 'vitest';
import { dataDir } from '../../app/paths.ts';
import { listSessions, loadSessionEvents } from '../../venues/binance/recorded.ts';
import { instrumentForSession } from '../../venues/instruments.ts';
import { ManualClock } from '../../core/ports.ts';
import { ALPHA_FEATURE_COUNT, ALPHA_FEATURE_NAMES } from '../../core/alpha/features.ts';
import type { AlphaModel } from '../../core/alpha/alpha-model.ts';
import { DEFAULT_AS_V15_BTCUSDT_SPOT, type AsV15Params } from '../../core/quoting/model-params.ts';
import { createQuoter } from '../../core/quoting/factory.ts';
import { OrderExecutor } from '../../core/quoting/executor.ts';
import { QuotingEngine } from '../../core/engine/quoting-engine.ts';
import { engineParamsFor } from '../../core/engine/engine-params.ts';
import { runBacktestAsync } from '../../core/backtest/backtester.ts';
import { silentLog, type Log } from '../../infra/log.ts';
import { AlphaRequester } from '../../native/alpha-requests.ts';
import { SimDriver } from '../../native/drivers.ts';

const PARAMS: AsV15Params = {
  ...DEFAULT_AS_V15_BTCUSDT_SPOT,
  alpha: {
    artifactPath: 'm.onnx',
    sha256: 'c'.repeat(64),
    maxShiftTicks: 2,
    weight: 1,
    intervalMs: 500,
    horizonMs: 2000,
  },
};
const T = 1_723_161_300_000_000;

/** A model whose answers the test releases one by one. */
class ManualModel implements AlphaModel {
  readonly featureNames: readonly string[] = ALPHA_FEATURE_NAMES;
  readonly pending: { resolve: (v: number) => void; reject: (e: unknown) => void; features: number[] }[] = [];
  closed = false;
  predict(features: Float32Array): Promise<number> {
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject, features: [...features] }));
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

function engineWith(requester: AlphaRequester, clock: ManualClock): QuotingEngine {
  const engine = new QuotingEngine({
    market: 'spot',
    clock,
    quoter: createQuoter(PARAMS),
    executor: new OrderExecutor('a'),
    venue: { submit: () => undefined },
    params: engineParamsFor(PARAMS),
    quotePerTickLot: 1e-7,
    onAlphaRequest: requester.onAlphaRequest,
  });
  requester.attach(engine);
  return engine;
}

/** Lets every settled promise's handlers run (no timers: polls the microtask queue a few times). */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('AlphaRequester, async mode (paper, live)', () => {
  it('applies answers as they resolve, skips requests while one is in flight, copies the features', async () => {
    const model = new ManualModel();
    const r = new AlphaRequester(model, 'async', silentLog);
    const clock = new ManualClock(T);
    const engine = engineWith(r, clock);
    const features = new Float32Array(ALPHA_FEATURE_COUNT).fill(1);
    r.onAlphaRequest(features, T);
    features.fill(9); // the engine reuses its array
    r.onAlphaRequest(features, T + 500_000); // in flight: skipped
    expect(model.pending).toHaveLength(1);
    expect(model.pending[0]!.features).toEqual([1, 1, 1, 1, 1, 1, 1]);
    model.pending[0]!.resolve(1.5);
    await flush();
    expect(engine.alphaTicks).toBe(1.5);
    r.onAlphaRequest(features, T + 1_000_000);
    expect(model.pending).toHaveLength(2);
    expect(r.counters).toEqual({ requests: 3, answered: 1, failed: 0, skipped: 1 });
    await r.close();
    expect(model.closed).toBe(true);
  });

  it('logs a failed or non-finite prediction and falls back to alpha 0, never throwing', async () => {
    const model = new ManualModel();
    const warnings: object[] = [];
    const log: Log = { ...silentLog, warn: (fields) => warnings.push(fields) };
    const r = new AlphaRequester(model, 'async', log);
    const clock = new ManualClock(T);
    const engine = engineWith(r, clock);
    const f = new Float32Array(ALPHA_FEATURE_COUNT);
    r.onAlphaRequest(f, T);
    model.pending[0]!.resolve(2);
    await flush();
    expect(engine.alphaTicks).toBe(2);
    r.onAlphaRequest(f, T + 500_000);
    model.pending[1]!.reject(new Error('onnxruntime: session closed'));
    await flush();
    expect(engine.alphaTicks).toBe(0);
    r.onAlphaRequest(f, T + 1_000_000);
    model.pending[2]!.resolve(Number.NaN);
    await flush();
    expect(engine.alphaTicks).toBe(0);
    expect(r.counters).toMatchObject({ requests: 3, answered: 1, failed: 2 });
    expect(warnings).toHaveLength(2);
  });

  it('refuses a model reading other features', () => {
    const model: AlphaModel = { featureNames: ['spreadTicks'], predict: async () => 0 };
    expect(() => new AlphaRequester(model, 'async', silentLog)).toThrow(RangeError);
  });
});

describe('SimDriver replay of a model with alpha (await mode)', () => {
  it('gives runBacktestAsync’s KPIs on the real spot session', async () => {
    const prefix = 'binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z';
    const session = listSessions(dataDir()).find((s) => s.prefix === prefix);
    if (session === undefined) throw new Error(`session ${prefix} not found in ${dataDir()}`);
    const instrument = instrumentForSession(session);
    const events = await loadSessionEvents(session, instrument);
    const linear = (): AlphaModel => ({
      featureNames: ALPHA_FEATURE_NAMES,
      predict: async (f) => 0.5 * f[5]! + 2 * f[0]!,
    });
    const driver = new SimDriver({
      instrument,
      market: session.market,
      params: PARAMS,
      clientIdPrefix: 'sim',
      tap: { onAction: () => undefined, onReport: () => undefined },
      entryLatencyUs: 5_000,
      cancelLatencyUs: 5_000,
      alpha: new AlphaRequester(linear(), 'await', silentLog),
    });
    let awaited = 0;
    for (const ev of events) {
      const answer = driver.step(ev);
      if (answer !== undefined) {
        awaited++;
        await answer;
      }
    }
    const backtest = await runBacktestAsync(events, {
      instrument,
      market: session.market,
      params: PARAMS,
      entryLatencyUs: 5_000,
      cancelLatencyUs: 5_000,
      alphaModel: linear(),
    });
    expect(awaited).toBeGreaterThan(1000);
    expect(driver.kpis()).toEqual(backtest.kpis);
  });
});
