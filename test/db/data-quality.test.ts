import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pool } from 'pg';
import { createPool } from '../../db/pool.ts';
import { getDataQualityReport, saveDataQualityReport } from '../../db/repositories/data-quality.ts';
import { countRows } from '../../db/repositories/counts.ts';
import { testServices } from '../setup/services.ts';

let pool: Pool;
beforeAll(() => {
  pool = createPool(testServices().databaseUrl);
});
afterAll(async () => {
  await pool.end();
});

const report = (id: string) => ({
  id,
  venue: 'binance-spot',
  symbol: 'BTCUSDT',
  dataset: 'ohlcv' as const,
  interval: '1m',
  rowsChecked: 66_087,
  gaps: 1,
  duplicates: 0,
  impossible: 0,
  details: { missingCandles: 79, largestGapMs: 4_800_000 },
});

describe('data-quality reports', () => {
  it('round-trips a report and overwrites it by id on a retry', async () => {
    const id = `dq:test-${Date.now()}`;
    await saveDataQualityReport(pool, report(id));
    const before = await countRows(pool, 'data_quality_reports');
    await saveDataQualityReport(pool, { ...report(id), gaps: 2 });
    expect(await countRows(pool, 'data_quality_reports')).toBe(before);
    const stored = await getDataQualityReport(pool, id);
    expect(stored).toMatchObject({ ...report(id), gaps: 2 });
  });

  it('rejects a trades report with an interval, naming the field', async () => {
    await expect(saveDataQualityReport(pool, { ...report('dq:bad'), dataset: 'trades' })).rejects.toThrow(
      /interval/,
    );
  });
});
