// Repositories of the retraining's first two steps against the real test database: calibrations and
// data-quality gates/windows round-trip, reruns overwrite (idempotent), bad input is refused by field.
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT } from '../../core/quoting/model-params.ts';
import type { WindowQuality } from '../../core/dataset/windows.ts';
import { createPool } from '../../db/pool.ts';
import { getCalibration, saveCalibration } from '../../db/repositories/calibrations.ts';
import { getQualityGate, saveQualityGate } from '../../db/repositories/data-quality-windows.ts';
import { testServices } from '../setup/services.ts';

let pool: Pool;
beforeAll(() => {
  pool = createPool(testServices().databaseUrl);
});
afterAll(async () => {
  await pool.end();
});

const unique = (prefix: string): string => `${prefix}:${Date.now()}:${Math.random().toString(36).slice(2)}`;

async function count(sql: string, id: string): Promise<number> {
  const r = await pool.query<{ n: string }>(sql, [id]);
  return Number(r.rows[0]?.n);
}

const calibration = (id: string) => ({
  id,
  venue: 'binance-usdm',
  symbol: 'BTCUSDT',
  windows: [{ sessionId: 'binance-usdm_BTCUSDT_20240718T2357Z-20240719T0005Z', startUs: 1, endUs: 2 }],
  sigmaTicksPerSqrtSec: 31.76,
  aPerSec: 2.977,
  kPerTick: 0.3754,
  r2: 0.553,
  points: 5,
  params: { ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT, kPerTick: 0.3754 },
  result: { note: 'any JSON' },
});

describe('calibrations repository', () => {
  it('round-trips a calibration and overwrites it by id', async () => {
    const id = unique('cal');
    await saveCalibration(pool, calibration(id));
    const first = await getCalibration(pool, id);
    expect(first).toMatchObject({ ...calibration(id), params: { kPerTick: 0.3754, model: 'as-v1-alpha' } });
    await saveCalibration(pool, { ...calibration(id), kPerTick: 0.4 });
    expect(await count('SELECT count(*) AS n FROM calibrations WHERE id = $1', id)).toBe(1);
    const second = await getCalibration(pool, id);
    expect(second?.kPerTick).toBe(0.4);
    expect(second?.createdAtMs).toBe(first?.createdAtMs);
    expect(await getCalibration(pool, unique('missing'))).toBeUndefined();
  });

  it('refuses non-positive k, R² out of [0, 1] and invalid params, naming the field', async () => {
    await expect(saveCalibration(pool, { ...calibration(unique('c')), kPerTick: 0 })).rejects.toThrow(
      /kPerTick/,
    );
    await expect(saveCalibration(pool, { ...calibration(unique('c')), r2: 1.5 })).rejects.toThrow(/r2/);
    await expect(
      saveCalibration(pool, { ...calibration(unique('c')), params: { model: 'as-v1-alpha', gamma: -1 } }),
    ).rejects.toThrow(/gamma/);
  });
});

const window = (startUs: number, reasons: WindowQuality['reasons']): WindowQuality => ({
  sessionId: 'sess',
  startUs,
  endUs: startUs + 60_000_000,
  depthEvents: 600,
  trades: 1200,
  gaps: reasons.includes('book-gap') ? 1 : 0,
  resyncs: 0,
  crossed: 0,
  maxTradeGapMs: 1078,
  included: reasons.length === 0,
  reasons,
});

describe('data-quality gate repository', () => {
  const gate = (id: string, windows: WindowQuality[]) => ({
    id,
    rules: { windowMs: 60_000, maxTradeGapMs: 3_000, minTrades: 100 },
    sessions: ['sess'],
    datasetDigests: { sess: 'a'.repeat(64) },
    windows,
  });

  it('round-trips a gate with its windows, reasons included', async () => {
    const id = unique('dqg');
    const windows = [
      window(0, ['not-synced']),
      window(60_000_000, []),
      window(120_000_000, ['book-gap', 'not-synced']),
    ];
    await saveQualityGate(pool, gate(id, windows));
    const stored = await getQualityGate(pool, id);
    expect(stored).toMatchObject({ ...gate(id, windows), windowsTotal: 3, windowsIncluded: 1 });
    expect(stored?.windows).toEqual(windows);
  });

  it('is idempotent, and a rerun with other windows leaves exactly its own rows', async () => {
    const id = unique('dqg');
    const windows = [window(0, []), window(60_000_000, []), window(120_000_000, ['missing-trades'])];
    await saveQualityGate(pool, gate(id, windows));
    await saveQualityGate(pool, gate(id, windows));
    expect(await count('SELECT count(*) AS n FROM data_quality_windows WHERE gate_id = $1', id)).toBe(3);
    const rerun = [window(0, ['not-synced']), window(30_000_000, [])];
    await saveQualityGate(pool, gate(id, rerun));
    expect((await getQualityGate(pool, id))?.windows).toEqual(rerun);
    expect(await count('SELECT count(*) AS n FROM data_quality_gates WHERE id = $1', id)).toBe(1);
  });

  it('refuses an included window with reasons, an unknown reason and a bad digest', async () => {
    const bad = { ...window(0, ['not-synced']), included: true };
    await expect(saveQualityGate(pool, gate(unique('dqg'), [bad]))).rejects.toThrow(/reasons/);
    await expect(saveQualityGate(pool, gate(unique('dqg'), [window(0, ['sunspots'])]))).rejects.toThrow(
      /reasons/,
    );
    await expect(
      saveQualityGate(pool, { ...gate(unique('dqg'), []), datasetDigests: { sess: 'xyz' } }),
    ).rejects.toThrow(/datasetDigests/);
  });
});
