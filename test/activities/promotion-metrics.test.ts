// slotIntervalMetrics against this run's PostgreSQL: engine samples stored with the repository, the
// interval measured from the last sample before its start (read through the look-back), figures
// checked against a hand computation; an earlier engine run is ignored; the applied-revision
// restriction and an empty interval give null.
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slotIntervalMetrics } from '../../activities/promotion/metrics.ts';
import { createLogger } from '../../app/logger.ts';
import { createPool } from '../../db/pool.ts';
import { insertSamples, type SlotSample } from '../../db/repositories/deployment-metrics.ts';
import { createSlot } from '../../db/repositories/deployments.ts';
import { testServices } from '../setup/services.ts';

let db: Pool;
const log = createLogger('test', 'error');
const deps = () => ({ db, log });
beforeAll(() => {
  db = createPool(testServices().databaseUrl);
});
afterAll(async () => {
  await db?.end();
});

const F = 1_760_000_100_000;

describe('slotIntervalMetrics', () => {
  it('measures the interval from the last sample before it, as computed by hand', async () => {
    const slotId = `metrics-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    const modelName = `promo-metrics-${Date.now()}`;
    await createSlot(
      db,
      { id: slotId, venue: 'binance-usdm', account: 'paper-1', symbol: 'BTCUSDT', mode: 'paper', modelName },
      { model: 'challenger', capitalFraction: 0.05, riskState: 'active' },
      't',
      'r',
    );
    const sample = (engineRunId: string, seq: number, atMs: number, v: Partial<SlotSample>): SlotSample => ({
      deploymentId: slotId,
      engineRunId,
      seq,
      atMs,
      appliedRevision: 2,
      appliedVersion: `${modelName}@2`,
      capitalFraction: 0.05,
      netPnlQuote: 0,
      feesQuote: 0,
      markout1sQuote: 0,
      markoutFills: 0,
      inventoryLots: 0,
      fills: 0,
      filledLots: 0,
      quotesPlaced: 0,
      rejects: 0,
      workingOrders: 2,
      ...v,
    });
    // Cumulative counters of run r1 (a sample each second); r0 is an earlier run of the engine.
    const rows = [
      sample('r0', 40, F - 4_000, { netPnlQuote: 9, fills: 99, quotesPlaced: 999 }),
      ...[
        // at (ms from F), net, markout, markout fills, inventory, fills, quotes, rejects
        [-2_000, 0, 0, 0, 0, 0, 0, 0],
        [-1_000, 0.5, 0.1, 1, 1, 1, 10, 0],
        [0, 1.0, 0.2, 2, 2, 3, 20, 1],
        [1_000, 0.8, 0.1, 3, -2, 4, 30, 1],
        [2_000, 1.5, 0.4, 4, 4, 6, 40, 2],
        [3_000, 1.2, 0.5, 6, 0, 7, 50, 4],
      ].map(([at, net, mo, mf, inv, fills, quotes, rejects], seq) =>
        sample('r1', seq, F + at!, {
          netPnlQuote: net!,
          markout1sQuote: mo!,
          markoutFills: mf!,
          inventoryLots: inv!,
          fills: fills!,
          filledLots: fills!,
          quotesPlaced: quotes!,
          rejects: rejects!,
        }),
      ),
    ];
    await insertSamples(db, rows);

    // [F + 500, F + 3000]: baseline = the sample at F (before the start, found by the look-back).
    const m = await slotIntervalMetrics(deps(), { slotId, fromMs: F + 500, toMs: F + 3_000 });
    expect(m).not.toBeNull();
    // Δ net 1.2 − 1.0; Δ mark-out 0.5 − 0.2 over 6 − 2 fills; RMS of inventories −2, 4, 0 inside;
    // drawdown on 1.0, 0.8, 1.5, 1.2 = max(0.2, 0.3); rejects (4 − 1) / quotes (50 − 20).
    expect(m!.netPnlQuote).toBeCloseTo(0.2, 12);
    expect(m!.markout1sQuote).toBeCloseTo(0.3, 12);
    expect(m!.markoutPerFillQuote).toBeCloseTo(0.075, 12);
    expect(m!.rmsInventoryLots).toBeCloseTo(Math.sqrt(20 / 3), 12);
    expect(m!.maxDrawdownQuote).toBeCloseTo(0.3, 12);
    expect(m!.rejectRate).toBeCloseTo(0.1, 12);
    expect(m!.capitalFraction).toBeCloseTo(0.05, 12); // mean of the three samples inside
    expect(m).toMatchObject({
      fills: 4,
      filledLots: 4,
      quotesPlaced: 30,
      samples: 3,
      engineRunId: 'r1',
      fromAtMs: F,
      toAtMs: F + 3_000,
    });

    // Restricted to revision 2 (what every sample carries) the same; to revision 3, not measurable.
    expect(
      await slotIntervalMetrics(deps(), { slotId, fromMs: F + 500, toMs: F + 3_000, appliedRevision: 2 }),
    ).toEqual(m);
    expect(
      await slotIntervalMetrics(deps(), { slotId, fromMs: F + 500, toMs: F + 3_000, appliedRevision: 3 }),
    ).toBeNull();
    // An interval after the last sample has nothing to measure.
    expect(await slotIntervalMetrics(deps(), { slotId, fromMs: F + 10_000, toMs: F + 20_000 })).toBeNull();
  });

  it('refuses an unknown slot and an interval that ends before it starts', async () => {
    await expect(
      slotIntervalMetrics(deps(), { slotId: 'no-such-slot', fromMs: F, toMs: F + 1 }),
    ).rejects.toMatchObject({ code: 'SLOT_NOT_FOUND' });
    await expect(slotIntervalMetrics(deps(), { slotId: 'x', fromMs: F, toMs: F })).rejects.toMatchObject({
      code: 'PROMOTION_INVALID_INPUT',
      details: { fields: ['toMs'] },
    });
  });
});
