// The evaluate-model activity on recorded USDⓈ-M windows: KPIs equal the core backtester run directly on
// the same window (latencies converted, params as given), spans merge, an alpha term of weight 0 changes
// nothing and one of weight 1 gives runBacktestAsync's figures, the refit uses the refit windows, the
// objective scores as the study does, and every bad input is refused with its code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateModel, type EvaluateModelInput } from '../../activities/evaluate-model.ts';
import { kPerTickOn } from '../../activities/fold-calibration.ts';
import { clearSessionCache, loadSessionCached } from '../../activities/session-cache.ts';
import { createLogger } from '../../app/logger.ts';
import { ALPHA_FEATURE_NAMES } from '../../core/alpha/features.ts';
import type { AlphaModel } from '../../core/alpha/alpha-model.ts';
import { runBacktest, runBacktestAsync } from '../../core/backtest/backtester.ts';
import { assessWindows, includedWindows, type SessionWindow } from '../../core/dataset/windows.ts';
import {
  DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT,
  DEFAULT_AS_V15_BTCUSDT_USDM,
  type AlphaParams,
  type ModelParams,
} from '../../core/quoting/model-params.ts';
import type { Objective } from '../../core/validation/objective.ts';
import { DATA_DIR } from '../venues/binance/data.ts';

const USDM = 'binance-usdm_BTCUSDT_20240718T2357Z-20240719T0005Z';
const OTHER = 'binance-usdm_BTCUSDT_20240808T2354Z-20240809T0000Z';
const RULES = { windowMs: 60_000, maxTradeGapMs: 3_000, minTrades: 100 };
const ALPHA: AlphaParams = {
  artifactPath: 'models/test-linear.onnx',
  sha256: 'e'.repeat(64),
  maxShiftTicks: 2,
  weight: 1,
  intervalMs: 1000,
  horizonMs: 3000,
};
const OBJECTIVE: Objective = {
  metric: 'netPnlQuote',
  direction: 'maximize',
  aggregate: 'mean',
  constraints: [{ metric: 'rmsInventoryRatio', max: 0.4 }],
};

const deps = { dataDir: DATA_DIR, log: createLogger('test', 'error') };
let included: SessionWindow[] = [];
let other: SessionWindow[] = [];

/** 0.5·return1s + 2·OFI ticks: a deterministic stand-in for the ONNX model (as in the engine tests). */
function linearModel(): AlphaModel & { closed: number } {
  return {
    featureNames: ALPHA_FEATURE_NAMES,
    closed: 0,
    predict: async (f) => 0.5 * f[5]! + 2 * f[0]!,
    async close() {
      this.closed++;
    },
  };
}

const input = (over: Partial<EvaluateModelInput>): EvaluateModelInput => ({
  evaluationId: 'eval:test',
  windows: included.slice(-3),
  params: { ...DEFAULT_AS_V15_BTCUSDT_USDM },
  entryLatencyUs: 5_000,
  cancelLatencyUs: 5_000,
  ...over,
});

/** The core backtester on one window, as a user would run it. */
async function direct(window: SessionWindow, params: ModelParams, alphaModel?: AlphaModel) {
  const s = await loadSessionCached(DATA_DIR, window.sessionId);
  const opts = {
    instrument: s.instrument,
    market: s.market,
    params,
    entryLatencyUs: 5_000,
    cancelLatencyUs: 5_000,
    recordFills: false,
    sessionId: window.sessionId,
    window: { startUs: window.startUs, endUs: window.endUs },
  };
  return alphaModel === undefined
    ? runBacktest(s.events, opts).kpis
    : (await runBacktestAsync(s.events, { ...opts, alphaModel })).kpis;
}

beforeAll(async () => {
  clearSessionCache();
  for (const [id, into] of [
    [USDM, (w: SessionWindow[]) => (included = w)],
    [OTHER, (w: SessionWindow[]) => (other = w)],
  ] as const) {
    const s = await loadSessionCached(DATA_DIR, id);
    into(includedWindows(assessWindows(s.events, id, s.market, RULES)));
  }
});
afterAll(() => clearSessionCache());

describe('evaluateModel', () => {
  it('gives the KPIs of the core backtester run on the window, with the params as given', async () => {
    expect(included).toHaveLength(8); // test/core/dataset/windows.real-data.test.ts
    const w = included[4]!;
    const r = await evaluateModel(deps, input({ windows: [w] }));
    expect(r).toMatchObject({ evaluationId: 'eval:test', windows: 1, spans: 1, value: null, feasible: null });
    expect(r.params).toEqual(DEFAULT_AS_V15_BTCUSDT_USDM);
    expect(r.refittedKPerTick).toBeUndefined();
    const kpis = await direct(w, DEFAULT_AS_V15_BTCUSDT_USDM);
    expect(r.kpis).toEqual(kpis);
    expect(kpis.quotes).toBeGreaterThan(0);
  });

  it('merges adjacent windows into one span per session, in time order whatever the input order', async () => {
    const three = included.slice(-3);
    const r = await evaluateModel(deps, input({ windows: [other[2]!, three[2]!, three[0]!, three[1]!] }));
    expect(r).toMatchObject({ windows: 4, spans: 2 });
    // The USDM span is one replay of the three minutes; the other session's window another replay.
    const span = { sessionId: USDM, startUs: three[0]!.startUs, endUs: three[2]!.endUs };
    const a = await direct(span, DEFAULT_AS_V15_BTCUSDT_USDM);
    const b = await direct(other[2]!, DEFAULT_AS_V15_BTCUSDT_USDM);
    expect(r.kpis.quotes).toBe(a.quotes + b.quotes);
    expect(r.kpis.fills).toBe(a.fills + b.fills);
    expect(r.kpis.netPnlQuote).toBeCloseTo(a.netPnlQuote + b.netPnlQuote, 9);
    expect(r.kpis.maxDrawdownQuote).toBe(Math.max(a.maxDrawdownQuote, b.maxDrawdownQuote));
  });

  it('attaches the alpha term: weight 0 changes nothing, weight 1 gives runBacktestAsync’s figures', async () => {
    const w = included[5]!;
    const plain = await evaluateModel(deps, input({ windows: [w] }));
    const zero = linearModel();
    const r0 = await evaluateModel(
      deps,
      input({ windows: [w], alpha: { ...ALPHA, weight: 0 } }),
      async () => zero,
    );
    expect(r0.params).toMatchObject({ model: 'as-v1.5', alpha: { ...ALPHA, weight: 0 } });
    expect(r0.kpis).toEqual(plain.kpis);
    expect(zero.closed).toBe(1);

    const one = linearModel();
    const r1 = await evaluateModel(deps, input({ windows: [w], alpha: ALPHA }), async () => one);
    const expected = await direct(w, { ...DEFAULT_AS_V15_BTCUSDT_USDM, alpha: ALPHA }, linearModel());
    expect(r1.kpis).toEqual(expected);
    expect(r1.kpis).not.toEqual(plain.kpis); // the shift moved quotes on this minute
    expect(one.closed).toBe(1);
  });

  it('refits k on the refit windows for the backtests and reports the params as given', async () => {
    const refitOn = included.slice(0, 4);
    const holdout = included.slice(-2);
    const r = await evaluateModel(deps, input({ windows: holdout, refitKPerTickOn: refitOn }));
    const k = await kPerTickOn(DATA_DIR, refitOn);
    expect(r.refittedKPerTick).toBe(k);
    expect(k).not.toBe(DEFAULT_AS_V15_BTCUSDT_USDM.kPerTick);
    expect(r.params).toEqual(DEFAULT_AS_V15_BTCUSDT_USDM);
    const span = { sessionId: USDM, startUs: holdout[0]!.startUs, endUs: holdout[1]!.endUs };
    expect(r.kpis).toEqual(await direct(span, { ...DEFAULT_AS_V15_BTCUSDT_USDM, kPerTick: k }));
  });

  it('scores the KPIs with the objective, constraints as the study does', async () => {
    const r = await evaluateModel(deps, input({ objective: OBJECTIVE }));
    expect(r.value).toBe(r.kpis.netPnlQuote);
    const rms = r.kpis.rmsInventoryRatio!;
    expect(r.violation).toBeCloseTo(Math.max(0, rms - 0.4), 12);
    expect(r.feasible).toBe(rms <= 0.4);
    const tight = await evaluateModel(
      deps,
      input({ objective: { ...OBJECTIVE, constraints: [{ metric: 'rmsInventoryRatio', max: 0 }] } }),
    );
    expect(rms).toBeGreaterThan(0);
    expect(tight.feasible).toBe(false);
    expect(tight.violation).toBeCloseTo(rms, 12);
  });

  it('refuses bad input with a code that names the problem', async () => {
    await expect(evaluateModel(deps, input({ windows: [] }))).rejects.toMatchObject({
      code: 'EVALUATE_INVALID_INPUT',
      message: expect.stringContaining('windows: needs at least one window'),
    });
    const w = included[0]!;
    await expect(
      evaluateModel(deps, input({ windows: [{ ...w, endUs: w.startUs }], entryLatencyUs: -1 })),
    ).rejects.toMatchObject({
      code: 'EVALUATE_INVALID_INPUT',
      message: expect.stringMatching(
        /windows\[0\]: endUs \d+ is not after startUs \d+; entryLatencyUs: must be ≥ 0, got -1/,
      ),
    });
    await expect(
      evaluateModel(deps, input({ params: { ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT }, alpha: ALPHA })),
    ).rejects.toMatchObject({ code: 'ALPHA_NOT_SUPPORTED' });
    await expect(
      evaluateModel(
        deps,
        input({ params: { ...DEFAULT_AS_V15_BTCUSDT_USDM, alpha: ALPHA }, alpha: { ...ALPHA, weight: 0.5 } }),
      ),
    ).rejects.toMatchObject({
      code: 'ALPHA_CONFLICT',
      message: expect.stringContaining('give the alpha block once'),
    });
    await expect(
      evaluateModel(deps, input({ params: { ...DEFAULT_AS_V15_BTCUSDT_USDM, gamma: -1 } })),
    ).rejects.toMatchObject({ code: 'INVALID_MODEL_PARAMS', message: expect.stringContaining('gamma') });
    await expect(
      evaluateModel(
        deps,
        input({
          windows: [
            { sessionId: 'binance-usdm_BTCUSDT_20990101T0000Z-20990101T0001Z', startUs: 1, endUs: 2 },
          ],
        }),
      ),
    ).rejects.toMatchObject({ code: 'UNKNOWN_SESSION' });
    // The default loader reads the ONNX file from the model store: a missing file is named.
    await expect(
      evaluateModel(deps, input({ alpha: { ...ALPHA, artifactPath: 'models/absent-alpha.onnx' } })),
    ).rejects.toMatchObject({ message: expect.stringContaining('absent-alpha.onnx') });
  });
});
