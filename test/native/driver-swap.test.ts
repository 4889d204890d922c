/**
 * EngineDriver.swapModel (native/drivers.ts) on the recorded spot session: the new model is validated
 * before the engine is touched, every working order is cancelled at the swap, the next quotes carry
 * the new (capital-scaled) size, and the alpha requester of the model swapped out is detached — its
 * answer in flight is dropped and `close` waits for it before releasing the model. No services needed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { dataDir } from '../../app/paths.ts';
import { ALPHA_FEATURE_NAMES } from '../../core/alpha/features.ts';
import type { AlphaModel } from '../../core/alpha/alpha-model.ts';
import type { Instrument } from '../../core/instrument.ts';
import type { MarketEvent, MarketKind } from '../../core/market-events.ts';
import { scaleForCapital } from '../../core/quoting/capital.ts';
import type { OrderAction } from '../../core/quoting/intent.ts';
import {
  DEFAULT_AS_V15_BTCUSDT_SPOT,
  DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT,
  ModelParamsError,
  type AsV15Params,
  type ModelParams,
} from '../../core/quoting/model-params.ts';
import { NO_RISK_LIMITS } from '../../core/risk/risk-limits.ts';
import { PermanentError } from '../../core/errors.ts';
import { silentLog } from '../../infra/log.ts';
import { AlphaRequester } from '../../native/alpha-requests.ts';
import { SimDriver } from '../../native/drivers.ts';
import { listSessions, loadSessionEvents } from '../../venues/binance/recorded.ts';
import { instrumentForSession } from '../../venues/instruments.ts';

const PREFIX = 'binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z';
const ALPHA_PARAMS: AsV15Params = {
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

let events: readonly MarketEvent[];
let instrument: Instrument;
let market: MarketKind;

beforeAll(async () => {
  const session = listSessions(dataDir()).find((s) => s.prefix === PREFIX);
  if (session === undefined) throw new Error(`session ${PREFIX} not found in ${dataDir()}`);
  instrument = instrumentForSession(session);
  market = session.market;
  events = await loadSessionEvents(session, instrument);
});

/** A model whose answers the test releases one by one. */
class ManualModel implements AlphaModel {
  readonly featureNames: readonly string[] = ALPHA_FEATURE_NAMES;
  readonly pending: { resolve: (v: number) => void }[] = [];
  closed = false;
  predict(): Promise<number> {
    return new Promise((resolve) => this.pending.push({ resolve }));
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

const constant = (value: number): AlphaModel => ({
  featureNames: ALPHA_FEATURE_NAMES,
  predict: async () => value,
});

function simDriver(params: ModelParams, alpha?: AlphaRequester) {
  const actions: OrderAction[] = [];
  const driver = new SimDriver({
    instrument,
    market,
    params,
    clientIdPrefix: 'sw',
    tap: { onAction: (a) => actions.push(a), onReport: () => undefined },
    entryLatencyUs: 5_000,
    cancelLatencyUs: 5_000,
    ...(alpha === undefined ? {} : { alpha }),
  });
  let next = 0;
  /** Steps events (awaiting alpha answers) until `until()` holds or `max` events; returns how many. */
  const stepUntil = async (until: () => boolean, max: number): Promise<number> => {
    let n = 0;
    while (n < max && next < events.length && !until()) {
      const answer = driver.step(events[next++]!);
      if (answer !== undefined) await answer;
      n++;
    }
    return n;
  };
  return { driver, actions, stepUntil };
}

/** Lets settled promises' handlers run (no timers). */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

describe('SimDriver.swapModel', () => {
  it('cancels every working order at the swap; the next quotes are at the scaled size', async () => {
    const { driver, actions, stepUntil } = simDriver(DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT);
    await stepUntil(() => driver.engine.workingOrders().length >= 2, 50_000);
    const working = driver.engine.workingOrders().map((o) => o.clientOrderId);
    expect(working.length).toBeGreaterThanOrEqual(2);
    expect(actions.filter((a) => a.type === 'place').every((a) => a.sizeLots === 100)).toBe(true);
    actions.length = 0;

    const scaled = scaleForCapital(DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT, 0.25); // 25 lots, q_max 125
    driver.swapModel({ params: scaled.params, riskLimits: NO_RISK_LIMITS });
    expect(actions.map((a) => `${a.type} ${a.clientOrderId}`)).toEqual(working.map((id) => `cancel ${id}`));
    expect(driver.engine.counters.swaps).toBe(1);
    expect(driver.engine.maxInventoryLimitLots).toBe(125);

    await stepUntil(() => actions.some((a) => a.type === 'place'), 50_000);
    const places = actions.filter((a) => a.type === 'place');
    expect(places.length).toBeGreaterThan(0);
    expect(places.every((a) => a.sizeLots === 25)).toBe(true);
    await stepUntil(() => false, 2_000);
    for (const id of working)
      expect(driver.engine.workingOrders().some((o) => o.clientOrderId === id)).toBe(false);
  });

  it('throws on invalid params before touching the engine', async () => {
    const { driver, actions, stepUntil } = simDriver(DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT);
    await stepUntil(() => driver.engine.workingOrders().length >= 2, 50_000);
    actions.length = 0;
    const before = { ...driver.engine.counters };
    const bad = { ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT, quoteSizeLots: 0 };
    expect(() => driver.swapModel({ params: bad, riskLimits: NO_RISK_LIMITS })).toThrow(ModelParamsError);
    expect(() => driver.swapModel({ params: ALPHA_PARAMS, riskLimits: NO_RISK_LIMITS })).toThrow(
      expect.objectContaining({ code: 'ALPHA_MODEL_UNAVAILABLE' }) as PermanentError,
    );
    expect(() =>
      driver.swapModel({
        params: DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT,
        alpha: new AlphaRequester(constant(0), 'await', silentLog),
        riskLimits: NO_RISK_LIMITS,
      }),
    ).toThrow(expect.objectContaining({ code: 'ALPHA_MODEL_UNEXPECTED' }) as PermanentError);
    expect(actions).toEqual([]);
    expect(driver.engine.counters).toEqual(before);
  });

  it('moves the alpha requests to the new requester, keeps it on a capital-only swap, detaches it without alpha', async () => {
    const r1 = new AlphaRequester(constant(1), 'await', silentLog);
    const { driver, stepUntil } = simDriver(ALPHA_PARAMS, r1);
    await stepUntil(() => r1.counters.answered >= 3, 50_000);
    const r1Requests = r1.counters.requests;

    const r2 = new AlphaRequester(constant(2), 'await', silentLog);
    driver.swapModel({ params: ALPHA_PARAMS, alpha: r2, riskLimits: NO_RISK_LIMITS });
    expect(r1.isDetached).toBe(true);
    expect(driver.engine.alphaTicks).toBe(0); // r1's answer is not the new model's
    await stepUntil(() => r2.counters.answered >= 3, 50_000);
    expect(r1.counters.requests).toBe(r1Requests);
    expect(driver.engine.alphaTicks).toBe(2);

    driver.swapModel({ params: scaleForCapital(ALPHA_PARAMS, 0.5).params, riskLimits: NO_RISK_LIMITS });
    expect(driver.alphaRequester).toBe(r2);
    expect(r2.isDetached).toBe(false);
    const r2Answered = r2.counters.answered;
    await stepUntil(() => r2.counters.answered > r2Answered, 50_000);
    expect(r2.counters.answered).toBeGreaterThan(r2Answered);

    driver.swapModel({ params: DEFAULT_AS_V15_BTCUSDT_SPOT, riskLimits: NO_RISK_LIMITS });
    expect(r2.isDetached).toBe(true);
    expect(driver.alphaRequester).toBeUndefined();
    expect(driver.engine.counters.swaps).toBe(3);
  });

  it('drops the old model’s answer in flight; close waits for it before releasing the model', async () => {
    const m1 = new ManualModel();
    const r1 = new AlphaRequester(m1, 'async', silentLog);
    const { driver, stepUntil } = simDriver(ALPHA_PARAMS, r1);
    await stepUntil(() => m1.pending.length >= 1, 50_000);
    expect(m1.pending).toHaveLength(1);

    const m2 = new ManualModel();
    driver.swapModel({
      params: ALPHA_PARAMS,
      alpha: new AlphaRequester(m2, 'async', silentLog),
      riskLimits: NO_RISK_LIMITS,
    });
    const closing = r1.close();
    await flush();
    expect(m1.closed).toBe(false); // its prediction is still running
    m1.pending[0]!.resolve(5);
    await closing;
    expect(m1.closed).toBe(true);
    expect(driver.engine.alphaTicks).toBe(0); // the old model's 5 never reached the engine
    expect(r1.counters.answered).toBe(0);
    await stepUntil(() => m2.pending.length >= 1, 50_000);
    m2.pending[0]!.resolve(1.5);
    await flush();
    expect(driver.engine.alphaTicks).toBe(1.5);
  });
});
