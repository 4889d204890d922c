// The calibrate activity on the gate's included windows of recorded sessions and the run's PostgreSQL,
// and the per-process session cache it shares with the other retraining activities.
import type { Pool } from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { calibrate } from '../../activities/calibrate.ts';
import { dataQualityGate } from '../../activities/data-quality-gate.ts';
import {
  clearSessionCache,
  loadSessionCached,
  SESSION_CACHE_CAPACITY,
  sessionCacheStats,
} from '../../activities/session-cache.ts';
import { createLogger } from '../../app/logger.ts';
import type { SessionWindow } from '../../core/dataset/windows.ts';
import {
  DEFAULT_AS_V15_BTCUSDT_SPOT,
  DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT,
} from '../../core/quoting/model-params.ts';
import { createPool } from '../../db/pool.ts';
import { getCalibration } from '../../db/repositories/calibrations.ts';
import { DATA_DIR } from '../venues/binance/data.ts';
import { testServices } from '../setup/services.ts';

const BTC = 'binance-usdm_BTCUSDT_20240718T2357Z-20240719T0005Z';
const ETH = 'binance-usdm_ETHUSDT_20240718T2357Z-20240719T0005Z';
const RULES = { windowMs: 60_000, maxTradeGapMs: 3_000, minTrades: 100 };
const BASE = { ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT, quoteSizeLots: 1, maxInventoryLots: 5 };

let db: Pool;
const log = createLogger('test', 'error');
const deps = () => ({ db, dataDir: DATA_DIR, log });
beforeAll(() => {
  db = createPool(testServices().databaseUrl);
});
afterAll(async () => {
  await db?.end();
});

const unique = (p: string): string => `${p}:test-${Date.now()}-${Math.random().toString(36).slice(2)}`;

async function includedOf(session: string): Promise<readonly SessionWindow[]> {
  return (await dataQualityGate(deps(), { gateId: unique('dqg'), sessions: [session], rules: RULES }))
    .included;
}

describe('calibrate', () => {
  it('fits k on the included windows, writes it into the params and stores the calibration', async () => {
    const windows = await includedOf(BTC);
    const calibrationId = unique('cal');
    const result = await calibrate(deps(), { calibrationId, windows, baseParams: BASE });
    // Pinned in test/core/calibration/estimate.real-data.test.ts for the same windows.
    expect(result.fillIntensity.kPerTick).toBeCloseTo(0.3754, 4);
    expect(result.fillIntensity.aPerSec).toBeCloseTo(2.977, 3);
    expect(result.sigma.ticksPerSqrtSec).toBeCloseTo(31.758, 3);
    expect(result.sigma.perWindow).toHaveLength(8);
    expect(result).toMatchObject({ venue: 'binance-usdm', symbol: 'BTCUSDT', calibrationId });
    expect(result.params).toEqual({ ...BASE, kPerTick: result.fillIntensity.kPerTick });
    expect(result.fillIntensity.bySide.buy?.kPerTick).toBeGreaterThan(0);

    const stored = await getCalibration(db, calibrationId);
    expect(stored).toMatchObject({
      venue: 'binance-usdm',
      symbol: 'BTCUSDT',
      kPerTick: result.fillIntensity.kPerTick,
      aPerSec: result.fillIntensity.aPerSec,
      r2: result.fillIntensity.r2,
      points: 5,
      params: result.params,
    });
    expect(stored?.windows).toEqual(windows);
    expect(stored?.result).toEqual(JSON.parse(JSON.stringify(result)));
  });

  it('calibrates V1.5 parameters the same way (only kPerTick changes)', async () => {
    const windows = await includedOf(BTC);
    const result = await calibrate(deps(), {
      calibrationId: unique('cal'),
      windows,
      baseParams: DEFAULT_AS_V15_BTCUSDT_SPOT,
    });
    expect(result.params).toEqual({
      ...DEFAULT_AS_V15_BTCUSDT_SPOT,
      kPerTick: result.fillIntensity.kPerTick,
    });
  });

  it('is idempotent: a rerun overwrites its own row with the same figures', async () => {
    const windows = await includedOf(BTC);
    const calibrationId = unique('cal');
    const first = await calibrate(deps(), { calibrationId, windows, baseParams: BASE });
    const second = await calibrate(deps(), { calibrationId, windows, baseParams: BASE });
    expect(second).toEqual(first);
    const rows = await db.query('SELECT count(*)::int AS n FROM calibrations WHERE id = $1', [calibrationId]);
    expect(rows.rows[0]).toEqual({ n: 1 });
  });

  it('refuses windows of two instruments, bad params and bad windows', async () => {
    const windows = [...(await includedOf(BTC)), ...(await includedOf(ETH))];
    await expect(
      calibrate(deps(), { calibrationId: unique('cal'), windows, baseParams: BASE }),
    ).rejects.toMatchObject({
      code: 'MIXED_INSTRUMENTS',
    });
    const bad = { ...BASE, gamma: -1 };
    await expect(
      calibrate(deps(), { calibrationId: unique('cal'), windows: windows.slice(0, 1), baseParams: bad }),
    ).rejects.toMatchObject({ code: 'BAD_PARAMS', message: expect.stringContaining('gamma') });
    await expect(
      calibrate(deps(), { calibrationId: unique('cal'), windows: [], baseParams: BASE }),
    ).rejects.toMatchObject({ code: 'BAD_INPUT' });
    const short = [
      { sessionId: BTC, startUs: windows[0]?.startUs ?? 0, endUs: (windows[0]?.startUs ?? 0) + 500_000 },
    ];
    await expect(
      calibrate(deps(), { calibrationId: unique('cal'), windows: short, baseParams: BASE }),
    ).rejects.toMatchObject({
      code: 'NO_MID_RETURNS',
      message: expect.stringContaining(BTC),
    });
  });
});

describe('loadSessionCached', () => {
  beforeEach(() => clearSessionCache());

  it('parses a session once for concurrent and later callers', async () => {
    const [a, b] = await Promise.all([loadSessionCached(DATA_DIR, BTC), loadSessionCached(DATA_DIR, BTC)]);
    expect(a).toBe(b);
    expect(await loadSessionCached(DATA_DIR, BTC)).toBe(a);
    expect(sessionCacheStats()).toEqual({ size: 1, loads: 1 });
    expect(a.market).toBe('usdm');
    expect(a.instrument.symbol).toBe('BTCUSDT');
    expect(a.events.filter((e) => e.kind === 'trade')).toHaveLength(10_701);
  });

  it('evicts the least recently used session beyond its capacity', async () => {
    const all = [
      'binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z',
      'binance-usdm_BTCUSDT_20230404T2358Z-20230405T0007Z',
      BTC,
      ETH,
      'binance-usdm_BTCUSDT_20240808T2354Z-20240809T0000Z',
    ];
    expect(all.length).toBe(SESSION_CACHE_CAPACITY + 1);
    for (const s of all.slice(0, SESSION_CACHE_CAPACITY)) await loadSessionCached(DATA_DIR, s);
    await loadSessionCached(DATA_DIR, all[0] ?? ''); // touch the oldest: the second becomes the LRU
    await loadSessionCached(DATA_DIR, all[SESSION_CACHE_CAPACITY] ?? '');
    expect(sessionCacheStats()).toEqual({ size: SESSION_CACHE_CAPACITY, loads: SESSION_CACHE_CAPACITY + 1 });
    await loadSessionCached(DATA_DIR, all[0] ?? ''); // still cached
    expect(sessionCacheStats().loads).toBe(SESSION_CACHE_CAPACITY + 1);
    await loadSessionCached(DATA_DIR, all[1] ?? ''); // evicted: parsed again
    expect(sessionCacheStats().loads).toBe(SESSION_CACHE_CAPACITY + 2);
  });

  it('does not keep a failed load', async () => {
    await expect(
      loadSessionCached(DATA_DIR, 'binance-spot_NOPE_20240101T0000Z-20240101T0001Z'),
    ).rejects.toMatchObject({
      code: 'UNKNOWN_SESSION',
    });
    expect(sessionCacheStats().size).toBe(0);
  });
});
