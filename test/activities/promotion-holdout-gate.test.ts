// The holdout gate on one recorded USDⓈ-M minute and this run's PostgreSQL: both versions are measured
// by the evaluate-model path (figures equal to evaluateModel's own), the verdict follows the margin
// rule netPnl(candidate) − netPnl(champion) ≥ −margin, the evidence lands on the candidate once per key,
// and a name without a champion passes with that reason.
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateModel } from '../../activities/evaluate-model.ts';
import { holdoutGate, type HoldoutGateInput } from '../../activities/promotion/holdout-gate.ts';
import { clearSessionCache, loadSessionCached } from '../../activities/session-cache.ts';
import { createLogger } from '../../app/logger.ts';
import { assessWindows, includedWindows, type SessionWindow } from '../../core/dataset/windows.ts';
import { DEFAULT_AS_V15_BTCUSDT_USDM } from '../../core/quoting/model-params.ts';
import { createPool } from '../../db/pool.ts';
import { listEvidence } from '../../db/repositories/model-evidence.ts';
import { registerModelVersion, setStatus } from '../../db/repositories/models.ts';
import { testServices } from '../setup/services.ts';
import { DATA_DIR } from '../venues/binance/data.ts';

const USDM = 'binance-usdm_BTCUSDT_20240718T2357Z-20240719T0005Z';
const RULES = { windowMs: 60_000, maxTradeGapMs: 3_000, minTrades: 100 };
/** The two versions: the default parameters, and the same with a minimum spread 6 ticks wider. */
const PARAMS_A = { ...DEFAULT_AS_V15_BTCUSDT_USDM };
const PARAMS_B = {
  ...DEFAULT_AS_V15_BTCUSDT_USDM,
  minSpreadTicks: DEFAULT_AS_V15_BTCUSDT_USDM.minSpreadTicks + 6,
};

let db: Pool;
const log = createLogger('test', 'error');
const deps = () => ({ db, dataDir: DATA_DIR, log });
let window: SessionWindow;
let name: string;
const a = (): string => `${name}@1`;
const b = (): string => `${name}@2`;

beforeAll(async () => {
  db = createPool(testServices().databaseUrl);
  clearSessionCache();
  const s = await loadSessionCached(DATA_DIR, USDM);
  window = includedWindows(assessWindows(s.events, USDM, s.market, RULES))[4]!; // test/activities/evaluate-model.test.ts
  name = `promo-gate-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  for (const [version, params] of [
    [1, PARAMS_A],
    [2, PARAMS_B],
  ] as const)
    await registerModelVersion(db, { name, version, kind: params.model, params });
});
afterAll(async () => {
  clearSessionCache();
  await db?.end();
});

const gate = (over: Partial<HoldoutGateInput>): HoldoutGateInput => ({
  candidate: b(),
  windows: [window],
  marginQuote: 0,
  by: 'promote-pipeline',
  workflowId: 'wf-gate',
  ...over,
});

describe('holdoutGate', () => {
  it('passes a name without a champion, saying so', async () => {
    const r = await holdoutGate(deps(), gate({ idempotencyKey: `${name}:no-champion` }));
    expect(r).toMatchObject({ passed: true, champion: null, diffQuote: null, candidate: { versionId: b() } });
    expect(r.reason).toMatch(/^no champion to compare with/);
  });

  it('backtests both on the same windows through evaluateModel and applies the margin rule', async () => {
    await setStatus(db, a(), 'champion');
    const evaluated = async (params: Record<string, unknown>) =>
      (
        await evaluateModel(deps(), {
          evaluationId: 'direct',
          windows: [window],
          params,
          entryLatencyUs: 5_000,
          cancelLatencyUs: 5_000,
        })
      ).kpis;
    const [kA, kB] = [await evaluated(PARAMS_A), await evaluated(PARAMS_B)];
    // Pinned figures of the minute (37 fills each): the wider spread loses 0.0110022 quote more.
    expect(kA.netPnlQuote).toBeCloseTo(-0.98234566, 8);
    expect(kB.netPnlQuote).toBeCloseTo(-0.99334786, 8);
    const diff = kB.netPnlQuote - kA.netPnlQuote;
    expect(diff).toBeCloseTo(-0.0110022, 7);

    // B against the champion A (resolved from the registry), margin 0: fails.
    const r = await holdoutGate(deps(), gate({ idempotencyKey: `${name}:b-vs-a` }));
    expect(r.candidate).toEqual({ versionId: b(), netPnlQuote: kB.netPnlQuote, fills: kB.fills, kpis: kB });
    expect(r.champion).toEqual({ versionId: a(), netPnlQuote: kA.netPnlQuote, fills: kA.fills, kpis: kA });
    expect(r.diffQuote).toBeCloseTo(diff, 12);
    expect(r.passed).toBe(false);
    // A against B given explicitly passes …
    const reverse = await holdoutGate(
      deps(),
      gate({ candidate: a(), champion: b(), idempotencyKey: `${name}:a-vs-b` }),
    );
    expect(reverse.passed).toBe(true);
    // … and B passes once the margin covers its shortfall |diff|, not below it.
    const loser = { candidate: b() };
    const covered = await holdoutGate(
      deps(),
      gate({ ...loser, marginQuote: Math.abs(diff), idempotencyKey: `${name}:m1` }),
    );
    const short = await holdoutGate(
      deps(),
      gate({ ...loser, marginQuote: Math.abs(diff) * 0.99, idempotencyKey: `${name}:m2` }),
    );
    expect([covered.passed, short.passed]).toEqual([true, false]);
    expect(short.reason).toMatch(/ fails: net PnL .* < −margin /);

    // The evidence on B: the no-champion pass and the b-vs-a gate; a retry of the same key adds nothing.
    const again = await holdoutGate(deps(), gate({ idempotencyKey: `${name}:b-vs-a` }));
    expect(again.evidenceId).toBe(r.evidenceId);
    const rows = (await listEvidence(db, b())).filter((e) => e.kind === 'holdout-gate');
    const row = rows.find((e) => e.id === r.evidenceId);
    expect(row?.payload).toMatchObject({
      metric: 'netPnlQuote',
      passed: false,
      marginQuote: 0,
      windows: [window],
      candidate: { versionId: b(), netPnlQuote: kB.netPnlQuote },
      champion: { versionId: a(), netPnlQuote: kA.netPnlQuote },
    });
  });

  it('refuses the candidate as its own champion, unknown versions and bad windows', async () => {
    await expect(holdoutGate(deps(), gate({ champion: b() }))).rejects.toMatchObject({
      code: 'PROMOTION_INVALID_INPUT',
      details: { fields: ['champion'] },
    });
    await expect(holdoutGate(deps(), gate({ candidate: `${name}@9` }))).rejects.toMatchObject({
      code: 'MODEL_NOT_FOUND',
    });
    await expect(holdoutGate(deps(), gate({ windows: [] }))).rejects.toMatchObject({
      code: 'PROMOTION_INVALID_INPUT',
      details: { fields: ['windows'] },
    });
  });
});
