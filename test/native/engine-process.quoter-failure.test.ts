/**
 * The engine process survives a quoter that throws (docs/adr/0010-quote-bounds.md): a replay run over
 * the real spot session against the test run's PostgreSQL, whose quoter (the model's own, wrapped via a
 * module mock of the factory every driver uses) throws an InvariantViolation on a block of decisions.
 * The run completes, quoting resumes after the block, the count is in the summary and the error is
 * logged (throttled; fields only, no log text). The pull itself is pinned by the engine's unit test
 * (test/core/engine/quoting-engine.test.ts).
 */
import { dataDir } from '../../app/paths.ts';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../core/ports.ts';
import { InvariantViolation } from '../../core/errors.ts';
import { DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT } from '../../core/quoting/model-params.ts';
import type { Quoter } from '../../core/quoting/quoter.ts';
import { createPool } from '../../db/pool.ts';
import { registerModelVersion } from '../../db/repositories/models.ts';
import { silentLog, type Log } from '../../infra/log.ts';
import { parseEngineConfig } from '../../native/config.ts';
import { runQuotingEngine } from '../../native/engine-process.ts';
import { testServices } from '../setup/services.ts';

/** Decisions (1-based, per quoter) that throw. */
const FIRST_FAILING = 3_000;
const FAILING = 40;

vi.mock('../../core/quoting/factory.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../core/quoting/factory.ts')>();
  return {
    createQuoter: (...args: Parameters<typeof original.createQuoter>): Quoter => {
      const inner = original.createQuoter(...args);
      let n = 0;
      return {
        readsDepthImbalance: inner.readsDepthImbalance ?? true,
        decide: (view) => {
          n++;
          if (n >= FIRST_FAILING && n < FIRST_FAILING + FAILING) {
            throw new InvariantViolation('QUOTER_INPUT', 'test: view.ofi must be finite, got NaN');
          }
          return inner.decide(view);
        },
      };
    },
  };
});

const DATA_DIR = dataDir();
const SESSION = 'binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z';

let db: Pool;
let databaseUrl: string;
let modelId: string;

beforeAll(async () => {
  databaseUrl = testServices().databaseUrl;
  db = createPool(databaseUrl);
  const version = await registerModelVersion(db, {
    name: 'native-engine-quoter-failure-test',
    kind: 'avellaneda-stoikov',
    params: { ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT },
  });
  modelId = version.id;
});

afterAll(async () => {
  await db.end();
});

describe('engine process: a quoter failure', () => {
  it('pulls quotes, counts, logs and goes on; the run completes', async () => {
    const errors: { fields: Record<string, unknown> }[] = [];
    const log: Log = { ...silentLog, error: (fields) => errors.push({ fields: { ...fields } }) };
    const config = parseEngineConfig(
      {
        mode: 'replay',
        session: SESSION,
        model: modelId,
        dbUrl: databaseUrl,
        dataDir: DATA_DIR,
        port: 0,
        pace: 'fast',
        orderLatencyUs: 5_000,
        cancelLatencyUs: 5_000,
      },
      {},
    );
    const summary = await runQuotingEngine(config, {
      db,
      log,
      clock: new ManualClock(1_800_000_000_000_000),
    });

    expect(summary.status).toBe('completed');
    expect(summary.counters.invariantViolations).toBe(FAILING);
    expect(summary.counters.decisions).toBeGreaterThan(FIRST_FAILING + FAILING); // it went on deciding
    expect(summary.kpis.events).toBe(26_400); // every event of the session was processed
    expect(summary.kpis.quotes).toBeGreaterThan(0);
    expect(summary.workingOrdersAtEnd).toBe(0);
    // The wall clock is frozen (ManualClock): one log at the first failure; the shutdown logs the rest.
    const violationLogs = errors.filter((e) => e.fields['invariantViolations'] !== undefined);
    expect(violationLogs.map((e) => [e.fields['invariantViolations'], e.fields['sinceLastLog']])).toEqual([
      [1, 1],
      [FAILING, FAILING - 1],
    ]);
    expect(violationLogs[0]?.fields['err']).toMatchObject({
      name: 'InvariantViolation',
      code: 'QUOTER_INPUT',
    });
  });
});
