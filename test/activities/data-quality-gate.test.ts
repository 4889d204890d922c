// The data-quality gate activity on the recorded sessions and the run's PostgreSQL: every window is
// stored with its reasons, a rerun leaves the same rows, an empty gate or an included list too large to
// pass on fails after saving.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataQualityGate, MAX_INCLUDED_WINDOWS_BYTES } from '../../activities/data-quality-gate.ts';
import { clearSessionCache } from '../../activities/session-cache.ts';
import { createLogger } from '../../app/logger.ts';
import type { PermanentError } from '../../core/errors.ts';
import { createPool } from '../../db/pool.ts';
import { getQualityGate } from '../../db/repositories/data-quality-windows.ts';
import { DATA_DIR, dataPath } from '../venues/binance/data.ts';
import { testServices } from '../setup/services.ts';

const SPOT = 'binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z';
const USDM = 'binance-usdm_BTCUSDT_20230404T2358Z-20230405T0007Z';
const NOSNAP = 'binance-spot_BTCUSDT_20230405T0000Z-20230405T0007Z_nosnapshot';
const RULES = { windowMs: 60_000, maxTradeGapMs: 3_000, minTrades: 100 };

let db: Pool;
const log = createLogger('test', 'error');
const deps = () => ({ db, dataDir: DATA_DIR, log });
beforeAll(() => {
  db = createPool(testServices().databaseUrl);
  clearSessionCache();
});
afterAll(async () => {
  await db?.end();
});

const unique = (): string => `dqg:test-${Date.now()}-${Math.random().toString(36).slice(2)}`;
const windowRows = async (gateId: string): Promise<unknown[]> =>
  (
    await db.query(
      `SELECT session_id, start_us, end_us, depth_events, trades, gaps, resyncs, crossed, max_trade_gap_ms,
              included, reasons FROM data_quality_windows WHERE gate_id = $1 ORDER BY session_id, start_us`,
      [gateId],
    )
  ).rows;

describe('dataQualityGate', () => {
  it('grades and stores every window of the sessions, and returns the included ones', async () => {
    const gateId = unique();
    const result = await dataQualityGate(deps(), { gateId, sessions: [SPOT, USDM, NOSNAP], rules: RULES });
    // Hand-checked in test/core/dataset/windows.real-data.test.ts: 12 + 9 + 8 windows; 11 + 7 + 0 included.
    expect(result.windowCount).toBe(29);
    expect(result.included).toHaveLength(18);
    expect(result.excludedCount).toBe(11);
    // The first window of each session is not synced, and all 8 of NOSNAP; USDM's second window and
    // NOSNAP's first (1 ms long) miss trades; NOSNAP's first has no depth event either.
    expect(result.excludedByReason).toEqual({
      'book-gap': 0,
      resync: 0,
      'crossed-book': 0,
      'not-synced': 10,
      'no-depth-events': 1,
      'missing-trades': 2,
      'recorder-gap': 0,
    });
    // Digest = sha256 of the depth file's bytes then the trades file's bytes.
    const expected = createHash('sha256')
      .update(readFileSync(dataPath(`depth/${SPOT}.depth.jsonl.gz`)))
      .update(readFileSync(dataPath(`trades/${SPOT}.trades.jsonl.gz`)))
      .digest('hex');
    expect(result.datasetDigests[SPOT]).toBe(expected);
    expect(Object.keys(result.datasetDigests).sort()).toEqual([SPOT, USDM, NOSNAP].sort());

    const stored = await getQualityGate(db, gateId);
    expect(stored).toMatchObject({
      rules: RULES,
      windowsTotal: 29,
      windowsIncluded: 18,
      datasetDigests: result.datasetDigests,
    });
    const byKey = (w: { sessionId: string; startUs: number }) => `${w.sessionId} ${w.startUs}`;
    expect(stored?.windows).toHaveLength(29);
    expect(stored?.windows.filter((w) => w.included).map(byKey)).toEqual(result.included.map(byKey));
    const excluded = stored?.windows.filter((w) => !w.included) ?? [];
    expect(excluded).toHaveLength(11);
    expect(excluded.every((w) => w.reasons.length > 0)).toBe(true);
  });

  it('is idempotent: a rerun of the same gate leaves the same rows', async () => {
    const gateId = unique();
    const first = await dataQualityGate(deps(), { gateId, sessions: [USDM], rules: RULES });
    const before = await windowRows(gateId);
    const second = await dataQualityGate(deps(), { gateId, sessions: [USDM], rules: RULES });
    expect(second).toEqual(first);
    expect(await windowRows(gateId)).toEqual(before);
    expect(before).toHaveLength(9);
  });

  it('saves, then fails with NO_INCLUDED_WINDOWS, when no window passes', async () => {
    const gateId = unique();
    await expect(dataQualityGate(deps(), { gateId, sessions: [NOSNAP], rules: RULES })).rejects.toMatchObject(
      {
        code: 'NO_INCLUDED_WINDOWS',
        retryable: false,
      },
    );
    expect(await windowRows(gateId)).toHaveLength(8);
  });

  it('saves, then fails with TOO_MANY_WINDOWS naming a window length that fits, when the included list is too large', async () => {
    const gateId = unique();
    const rules = { windowMs: 50, maxTradeGapMs: 600_000, minTrades: 0 };
    const err = await dataQualityGate(deps(), { gateId, sessions: [USDM], rules }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TOO_MANY_WINDOWS', retryable: false });
    const { included, includedBytes, fitsWindowMs } = (err as PermanentError).details as {
      included: number;
      includedBytes: number;
      fitsWindowMs: number;
    };
    expect(includedBytes).toBeGreaterThan(MAX_INCLUDED_WINDOWS_BYTES);
    // Every entry has the same length (16-digit µs times): `[` + n entries joined by `,` + `]`.
    const entryBytes = Buffer.byteLength(
      JSON.stringify({ sessionId: USDM, startUs: 1_680_652_680_000_000, endUs: 1_680_652_680_050_000 }),
    );
    expect(entryBytes).toBe(118);
    expect(includedBytes).toBe(2 + included * entryBytes + (included - 1));
    expect(fitsWindowMs).toBe(50 * Math.ceil(includedBytes / MAX_INCLUDED_WINDOWS_BYTES));
    expect((err as Error).message).toContain(`use windowMs ≥ ${fitsWindowMs}`);
    // Every window is on record, included or not (9 min of market time in 50 ms windows).
    const rows = await windowRows(gateId);
    expect(rows.length).toBeGreaterThan(included);
    expect(rows.length).toBeGreaterThan(9 * 60 * 20 * 0.95);
  });

  it('refuses bad input, unknown sessions and invalid rules', async () => {
    await expect(
      dataQualityGate(deps(), { gateId: unique(), sessions: [], rules: RULES }),
    ).rejects.toMatchObject({
      code: 'BAD_INPUT',
    });
    await expect(
      dataQualityGate(deps(), {
        gateId: unique(),
        sessions: ['binance-spot_NOPE_20240101T0000Z-20240101T0001Z'],
        rules: RULES,
      }),
    ).rejects.toMatchObject({ code: 'UNKNOWN_SESSION' });
    await expect(
      dataQualityGate(deps(), { gateId: unique(), sessions: [USDM], rules: { ...RULES, windowMs: 0 } }),
    ).rejects.toThrow(/windowMs/);
  });
});
