/**
 * The engine process replaying a V1.5 model version with an alpha term (real PostgreSQL of the test
 * run, real spot session): the alpha model comes from the injected loader, each prediction is awaited
 * before the next event, so the run's KPIs equal `runBacktestAsync`'s; without a loader the run is
 * refused before it starts.
 */
import { dataDir } from '../../app/paths.ts';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBacktestAsync } from '../../core/backtest/backtester.ts';
import { ManualClock } from '../../core/ports.ts';
import { ALPHA_FEATURE_NAMES } from '../../core/alpha/features.ts';
import type { AlphaModel } from '../../core/alpha/alpha-model.ts';
import {
  DEFAULT_AS_V15_BTCUSDT_SPOT,
  type AlphaSource,
  type AsV15Params,
} from '../../core/quoting/model-params.ts';
import { createPool } from '../../db/pool.ts';
import { registerModelVersion } from '../../db/repositories/models.ts';
import { silentLog } from '../../infra/log.ts';
import { parseEngineConfig } from '../../native/config.ts';
import { runQuotingEngine } from '../../native/engine-process.ts';
import { listSessions, loadSessionEvents } from '../../venues/binance/recorded.ts';
import { instrumentForSession } from '../../venues/instruments.ts';
import { testServices } from '../setup/services.ts';

const DATA_DIR = dataDir();
const SESSION = 'binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z';
const PARAMS: AsV15Params = {
  ...DEFAULT_AS_V15_BTCUSDT_SPOT,
  alpha: {
    artifactPath: 'models/test-linear.onnx',
    sha256: 'e'.repeat(64),
    maxShiftTicks: 2,
    weight: 1,
    intervalMs: 1000,
    horizonMs: 3000,
  },
};

/** 0.5·return1s + 2·OFI ticks: a deterministic stand-in for the ONNX model. */
function linearModel(): AlphaModel & { closed: boolean } {
  return {
    featureNames: ALPHA_FEATURE_NAMES,
    closed: false,
    predict: async (f) => 0.5 * f[5]! + 2 * f[0]!,
    async close() {
      this.closed = true;
    },
  };
}

let db: Pool;
let databaseUrl: string;
let modelId: string;

beforeAll(async () => {
  databaseUrl = testServices().databaseUrl;
  db = createPool(databaseUrl);
  modelId = (
    await registerModelVersion(db, { name: 'native-alpha-test', kind: 'as-v1.5', params: { ...PARAMS } })
  ).id;
});

afterAll(async () => {
  await db.end();
});

function config() {
  return parseEngineConfig(
    {
      mode: 'replay',
      session: SESSION,
      model: modelId,
      dbUrl: databaseUrl,
      dataDir: DATA_DIR,
      port: 0,
      orderLatencyUs: 5_000,
      cancelLatencyUs: 5_000,
      pace: 'fast',
    },
    {},
  );
}

describe('runQuotingEngine, replay of a model with an alpha term', () => {
  it('loads the model through the injected loader and records runBacktestAsync’s KPIs', async () => {
    const model = linearModel();
    const loaded: AlphaSource[] = [];
    const summary = await runQuotingEngine(config(), {
      db,
      log: silentLog,
      clock: new ManualClock(1_800_000_000_000_000),
      loadAlphaModel: async (alpha) => {
        loaded.push(alpha);
        return model;
      },
    });
    const session = listSessions(DATA_DIR).find((s) => s.prefix === SESSION);
    if (session === undefined) throw new Error('session missing');
    const instrument = instrumentForSession(session);
    const backtest = await runBacktestAsync(await loadSessionEvents(session, instrument), {
      instrument,
      market: session.market,
      params: PARAMS,
      entryLatencyUs: 5_000,
      cancelLatencyUs: 5_000,
      alphaModel: linearModel(),
    });
    expect(loaded).toEqual([PARAMS.alpha]);
    expect(summary.status).toBe('completed');
    expect(summary.kpis).toEqual(backtest.kpis);
    expect(model.closed).toBe(true);
  });

  it('refuses to start without an alpha model loader', async () => {
    await expect(
      runQuotingEngine(config(), { db, log: silentLog, clock: new ManualClock(1_800_000_000_000_000) }),
    ).rejects.toMatchObject({ code: 'ALPHA_MODEL_UNAVAILABLE' });
  });
});
