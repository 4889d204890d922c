// The registry activities of the promotion workflows against this run's PostgreSQL: a status change
// retried under the same key writes its history once, a promotion retires the old champion, the
// previous champion and the aliases resolve from the registry, evidence lands once per key, the slots
// following an alias get a new revision, and the A/B decision is stored with its figures.
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideAbTest, type DecideAbTestInput } from '../../activities/promotion/decide.ts';
import {
  changeModelStatus,
  previousChampion,
  recordEvidence,
  resolveAlias,
  touchAliasFollowers,
} from '../../activities/promotion/registry.ts';
import { createLogger } from '../../app/logger.ts';
import { DEFAULT_AS_V15_BTCUSDT_USDM } from '../../core/quoting/model-params.ts';
import { createPool } from '../../db/pool.ts';
import { createSlot } from '../../db/repositories/deployments.ts';
import { listEvidence } from '../../db/repositories/model-evidence.ts';
import { modelHistory } from '../../db/repositories/model-history.ts';
import { registerModelVersion } from '../../db/repositories/models.ts';
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

const unique = (p: string): string => `${p}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

/** A fresh model name with versions 1..n registered as candidates. */
async function model(n: number): Promise<{ name: string; v: (i: number) => string }> {
  const name = unique('promo-reg');
  for (let version = 1; version <= n; version++)
    await registerModelVersion(db, {
      name,
      version,
      kind: DEFAULT_AS_V15_BTCUSDT_USDM.model,
      params: { ...DEFAULT_AS_V15_BTCUSDT_USDM, minSpreadTicks: 1 + version },
    });
  return { name, v: (i) => `${name}@${i}` };
}

describe('changeModelStatus', () => {
  it('writes one history row per change, once per key however often it is retried', async () => {
    const { name, v } = await model(2);
    const wf = { workflowId: 'promote-wf', runId: 'run-1' };
    const first = {
      versionId: v(1),
      to: 'champion' as const,
      by: 'alice',
      reason: 'first champion',
      idempotencyKey: 'k1',
      ...wf,
    };
    const r1 = await changeModelStatus(deps(), first);
    expect(r1.changed.map((r) => [r.versionId, r.from, r.to, r.by, r.reason, r.workflowId])).toEqual([
      [v(1), 'candidate', 'champion', 'alice', 'first champion', 'promote-wf'],
    ]);
    expect((await changeModelStatus(deps(), first)).changed).toEqual(r1.changed); // the retry: stored rows
    expect(await modelHistory(db, name)).toHaveLength(1);

    await changeModelStatus(deps(), {
      versionId: v(2),
      to: 'challenger',
      by: 'ab',
      reason: 'a/b test',
      idempotencyKey: 'k2',
    });
    const promote = {
      versionId: v(2),
      to: 'champion' as const,
      by: 'bob',
      reason: 'won the canary',
      idempotencyKey: 'k3',
      ...wf,
    };
    const r3 = await changeModelStatus(deps(), promote);
    expect(r3.changed.map((r) => [r.versionId, r.from, r.to]).sort()).toEqual([
      [v(1), 'champion', 'retired'],
      [v(2), 'challenger', 'champion'],
    ]);
    expect((await changeModelStatus(deps(), promote)).changed).toEqual(r3.changed);
    const history = await modelHistory(db, name);
    expect(history).toHaveLength(4);
    expect(history.filter((h) => h.to === 'champion').map((h) => h.versionId)).toEqual([v(1), v(2)]);

    expect(await previousChampion(deps(), { modelName: name })).toEqual({ versionId: v(1) });
    expect(await resolveAlias(deps(), { modelName: name, alias: 'champion' })).toEqual({ versionId: v(2) });
    expect(await resolveAlias(deps(), { modelName: name, alias: 'challenger' })).toEqual({ versionId: null });
  });

  it('refuses a bad input naming the field, and an unknown version with MODEL_NOT_FOUND', async () => {
    await expect(
      changeModelStatus(deps(), {
        versionId: 'nope',
        to: 'boss',
        by: 'a',
        reason: 'b',
        idempotencyKey: '',
      } as never),
    ).rejects.toMatchObject({
      code: 'PROMOTION_INVALID_INPUT',
      details: { fields: ['versionId', 'to', 'idempotencyKey'] },
    });
    await expect(
      changeModelStatus(deps(), {
        versionId: `${unique('none')}@1`,
        to: 'champion',
        by: 'a',
        reason: 'b',
        idempotencyKey: unique('k'),
      }),
    ).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
    expect(await previousChampion(deps(), { modelName: unique('never') })).toEqual({ versionId: null });
  });
});

describe('touchAliasFollowers', () => {
  it('bumps the revision of the slots following an alias, not of a slot pinned to a version', async () => {
    const { name, v } = await model(1);
    const spec = {
      venue: 'binance-usdm',
      account: 'paper-1',
      symbol: 'BTCUSDT',
      mode: 'paper',
      modelName: name,
    } as const;
    const follower = unique('follow');
    const pinned = unique('pinned');
    await createSlot(
      db,
      { ...spec, id: follower },
      { model: 'champion', capitalFraction: 1, riskState: 'active' },
      't',
      'r',
    );
    await createSlot(
      db,
      { ...spec, id: pinned },
      { model: v(1), capitalFraction: 1, riskState: 'active' },
      't',
      'r',
    );
    const r = await touchAliasFollowers(deps(), {
      modelName: name,
      by: 'promote',
      reason: 'champion changed',
    });
    expect(r).toEqual({ slots: [{ slotId: follower, revision: 2 }] });
  });
});

describe('recordEvidence', () => {
  it('stores the payload once per key', async () => {
    const { v } = await model(1);
    const input = {
      versionId: v(1),
      kind: 'decision' as const,
      payload: { approved: true, note: 'ok' },
      by: 'carol',
      idempotencyKey: unique('ev'),
    };
    const a = await recordEvidence(deps(), input);
    expect(await recordEvidence(deps(), input)).toEqual(a);
    const rows = await listEvidence(db, v(1));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: a.id,
      kind: 'decision',
      payload: { approved: true, note: 'ok' },
      by: 'carol',
    });
  });
});

describe('decideAbTest', () => {
  // Per-interval net PnL, quote: d = challenger − champion = [2, 3, 3, 4]: mean 3, s² = 2/3,
  // se = √(s²/4) = 0.408248; paired t interval 3 ± t(0.975, 3)·se = 3 ± 3.182446·0.408248 =
  // [1.700772, 4.299228]; t = 7.348469, two-sided p = 0.005208 (t with 3 df has a closed-form CDF).
  const base = (over: Partial<DecideAbTestInput> = {}): DecideAbTestInput => ({
    challenger: 'x@2',
    champion: 'x@1',
    series: { challenger: [3, 5, 4, 6], champion: [1, 2, 1, 2] },
    spec: { metric: 'netPnlQuote', test: 'paired-t', alpha: 0.05, minIntervals: 4, marginQuote: 0.5 },
    guardrailBreaches: [],
    by: 'ab-test',
    workflowId: unique('ab'),
    ...over,
  });

  it('stores the decision and every figure it rests on as ab-test evidence on the challenger', async () => {
    const { v } = await model(2);
    const input = base({ challenger: v(2), champion: v(1) });
    const r = await decideAbTest(deps(), input);
    expect(r).toMatchObject({
      n: 4,
      test: 'paired-t',
      decision: 'challenger-better',
      passed: true,
      guardrailBreaches: 0,
    });
    expect(r.meanDiff).toBeCloseTo(3, 12);
    expect(r.lower).toBeCloseTo(1.700772, 6);
    expect(r.upper).toBeCloseTo(4.299228, 6);
    expect(r.pValue).toBeCloseTo(0.005208, 6);
    expect(await decideAbTest(deps(), input)).toEqual(r); // retried: same result, same row
    const rows = await listEvidence(db, v(2));
    expect(rows).toHaveLength(1);
    const { evidenceId: _id, passed: _p, guardrailBreaches: _g, ...result } = r;
    expect(rows[0]).toMatchObject({
      id: r.evidenceId,
      kind: 'ab-test',
      by: 'ab-test',
      payload: {
        challenger: v(2),
        champion: v(1),
        series: input.series,
        spec: input.spec,
        result,
        guardrailBreaches: [],
        passed: true,
      },
    });
  });

  it('does not pass with too few intervals or with a guardrail breach', async () => {
    const { v } = await model(2);
    const few = await decideAbTest(
      deps(),
      base({ challenger: v(2), champion: v(1), spec: { ...base().spec, minIntervals: 10 } }),
    );
    expect(few).toMatchObject({ decision: 'insufficient-data', passed: false });
    const breach = { guardrail: 'maxDrawdownQuote', value: 12.5, limit: 10, interval: 3 };
    const breached = await decideAbTest(
      deps(),
      base({ challenger: v(2), champion: v(1), guardrailBreaches: [breach] }),
    );
    expect(breached).toMatchObject({ decision: 'challenger-better', passed: false, guardrailBreaches: 1 });
    // A breach of the champion is stored, not held against the challenger.
    const champions = await decideAbTest(
      deps(),
      base({ challenger: v(2), champion: v(1), guardrailBreaches: [{ ...breach, arm: 'champion' }] }),
    );
    expect(champions).toMatchObject({ passed: true, guardrailBreaches: 0 });
    const stored = await listEvidence(db, v(2));
    expect(stored.map((e) => e.payload['passed'])).toEqual([false, false, true]);
    expect(stored[1]?.payload['guardrailBreaches']).toEqual([breach]);
    await expect(
      decideAbTest(deps(), { ...base({ challenger: v(2), champion: v(1) }), workflowId: undefined } as never),
    ).rejects.toMatchObject({
      code: 'PROMOTION_INVALID_INPUT',
      message: expect.stringContaining('idempotencyKey'),
    });
  });
});
