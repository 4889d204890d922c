/** db/repositories/risk-state.ts against this run's PostgreSQL (the kill-switch latch and risk events). */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../db/pool.ts';
import { startEngineRun } from '../../db/repositories/engine-runs.ts';
import {
  getKillSwitch,
  insertRiskEvents,
  killEngine,
  listRiskEvents,
  resumeEngine,
} from '../../db/repositories/risk-state.ts';
import { testServices } from '../setup/services.ts';

let db: Pool;

beforeAll(() => {
  db = createPool(testServices().databaseUrl);
});

afterAll(async () => {
  await db.end();
});

describe('kill switch latch', () => {
  it('a second kill keeps the first; resume lifts it once; a new kill after a resume latches again', async () => {
    const engineId = `repo-${randomUUID().slice(0, 8)}`;
    expect(await getKillSwitch(db, engineId)).toBeUndefined();
    expect(await resumeEngine(db, { engineId, by: 'a', reason: 'r', atMs: 1_000 })).toEqual({
      resumed: false,
    });
    expect(await killEngine(db, { engineId, by: 'alice', reason: 'first', atMs: 1_000_000 })).toEqual({
      created: true,
    });
    expect(await killEngine(db, { engineId, by: 'bob', reason: 'second', atMs: 2_000_000 })).toEqual({
      created: false,
    });
    expect(await getKillSwitch(db, engineId)).toEqual({
      engineId,
      killed: true,
      killedAtMs: 1_000_000,
      killedBy: 'alice',
      reason: 'first',
      resumedAtMs: undefined,
      resumedBy: undefined,
      resumeReason: undefined,
    });
    // A resume stamped before the kill (another host's clock) is clamped to the kill time.
    expect(await resumeEngine(db, { engineId, by: 'carol', reason: 'ok', atMs: 500_000 })).toEqual({
      resumed: true,
    });
    expect(await getKillSwitch(db, engineId)).toMatchObject({
      killed: false,
      resumedAtMs: 1_000_000,
      resumedBy: 'carol',
    });
    expect(await resumeEngine(db, { engineId, by: 'carol', reason: 'ok', atMs: 3_000_000 })).toEqual({
      resumed: false,
    });
    expect(await killEngine(db, { engineId, by: 'dave', reason: 'third', atMs: 4_000_000 })).toEqual({
      created: true,
    });
    expect(await getKillSwitch(db, engineId)).toMatchObject({
      killed: true,
      killedBy: 'dave',
      resumedAtMs: undefined,
    });
  });

  it('rejects an empty engine id, by or reason at the boundary', async () => {
    await expect(killEngine(db, { engineId: '', by: 'a', reason: 'r', atMs: 1 })).rejects.toThrow();
    await expect(killEngine(db, { engineId: 'e', by: '', reason: 'r', atMs: 1 })).rejects.toThrow();
  });
});

describe('risk events', () => {
  it('are stored once per (run, seq) and listed per engine in order', async () => {
    const runId = `risk-run-${randomUUID().slice(0, 8)}`;
    const engineId = `repo-${randomUUID().slice(0, 8)}`;
    await startEngineRun(db, {
      id: runId,
      mode: 'replay',
      venue: 'binance-spot',
      symbol: 'BTCUSDT',
      startedAtMs: 1,
    });
    const events = [
      { seq: 0, atUs: 10, from: 'active', to: 'halted', reason: 'ack-latency', value: 250, limit: 200 },
      { seq: 1, atUs: 20, from: 'halted', to: 'active', reason: 'normal' },
    ] as const;
    expect(await insertRiskEvents(db, runId, engineId, events)).toBe(2);
    expect(await insertRiskEvents(db, runId, engineId, events)).toBe(0);
    expect(await listRiskEvents(db, engineId)).toEqual(events.map((e) => ({ ...e, runId, engineId })));
  });
});
