/**
 * Status changes with history (db/repositories/model-history.ts) and evidence (model-evidence.ts) on the
 * test run's PostgreSQL: aliases are exclusive, a swap writes both rows, keys make retries land once,
 * "champion at T" and "previous champion" read the history. Times are injected (epoch ms 1 000…5 000)
 * so the figures are exact.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentError } from '../../core/errors.ts';
import { createPool } from '../../db/pool.ts';
import { addEvidence, listEvidence } from '../../db/repositories/model-evidence.ts';
import {
  championAt,
  changeStatus,
  modelHistory,
  previousChampion,
} from '../../db/repositories/model-history.ts';
import {
  getModelVersion,
  registerModelVersion,
  setStatus,
  type ModelVersion,
} from '../../db/repositories/models.ts';
import { repoRoot } from '../../app/paths.ts';
import { testServices } from '../setup/services.ts';

let pool: Pool;
beforeAll(() => {
  pool = createPool(testServices().databaseUrl);
});
afterAll(async () => {
  await pool.end();
});

const unique = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

async function rejection(promise: Promise<unknown>): Promise<PermanentError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof PermanentError)) throw new Error(`expected a PermanentError, got ${String(err)}`);
  return err;
}

async function versions(name: string, n: number): Promise<ModelVersion[]> {
  const out: ModelVersion[] = [];
  for (let i = 0; i < n; i++) out.push(await registerModelVersion(pool, { name, kind: 'k', params: { i } }));
  return out;
}

const ids = (vs: readonly ModelVersion[]): string[] => vs.map((v) => v.id);

describe('changeStatus', () => {
  it('keeps one challenger: a new challenger sends the previous one back to candidate, with both rows', async () => {
    const name = unique('ch');
    const [a, b] = ids(await versions(name, 2)) as [string, string];
    const first = await changeStatus(pool, {
      versionId: a,
      to: 'challenger',
      by: 'alice',
      reason: 'r1',
      atMs: 1_000,
    });
    expect(first.version.status).toBe('challenger');
    expect(first.changed.map((r) => [r.versionId, r.from, r.to, r.atMs, r.reason])).toEqual([
      [a, 'candidate', 'challenger', 1_000, 'r1'],
    ]);
    const second = await changeStatus(pool, {
      versionId: b,
      to: 'challenger',
      by: 'bob',
      reason: 'r2',
      workflowId: 'wf-1',
      runId: 'run-1',
      atMs: 2_000,
    });
    expect(second.changed).toMatchObject([
      {
        versionId: a,
        from: 'challenger',
        to: 'candidate',
        by: 'bob',
        reason: `replaced by ${b}: r2`,
        atMs: 2_000,
      },
      {
        versionId: b,
        from: 'candidate',
        to: 'challenger',
        by: 'bob',
        reason: 'r2',
        workflowId: 'wf-1',
        runId: 'run-1',
      },
    ]);
    expect((await getModelVersion(pool, a))?.status).toBe('candidate');
    const raw = pool.query(`UPDATE model_versions SET status = 'challenger' WHERE id = $1`, [a]);
    await expect(raw).rejects.toThrow(/model_versions_one_challenger/);
  });

  it('a champion swap retires the old champion and writes both rows; championAt and previousChampion read them', async () => {
    const name = unique('sw');
    const [v1, v2, v3] = ids(await versions(name, 3)) as [string, string, string];
    const change = (versionId: string, to: 'champion' | 'retired', atMs: number) =>
      changeStatus(pool, { versionId, to, by: 'pipeline', reason: `step ${atMs}`, atMs });
    expect(await previousChampion(pool, name)).toBeUndefined();
    await change(v1, 'champion', 1_000);
    expect(await previousChampion(pool, name)).toBeUndefined();
    const swap = await change(v2, 'champion', 2_000);
    expect(swap.changed.map((r) => [r.versionId, r.from, r.to, r.atMs])).toEqual([
      [v1, 'champion', 'retired', 2_000],
      [v2, 'candidate', 'champion', 2_000],
    ]);
    expect(swap.changed[0]?.reason).toBe(`replaced by ${v2}: step 2000`);
    expect((await getModelVersion(pool, v1))?.status).toBe('retired');
    await change(v3, 'champion', 3_000);
    expect(await previousChampion(pool, name)).toBe(v2);

    const at = async (ms: number) => championAt(pool, name, ms);
    expect(await at(999)).toBeUndefined();
    expect(await at(1_000)).toBe(v1);
    expect(await at(1_999)).toBe(v1);
    expect(await at(2_000)).toBe(v2);
    expect(await at(2_500)).toBe(v2);
    expect(await at(3_000)).toBe(v3);
    expect(await at(Date.now())).toBe(v3);

    // Retired without a successor: no champion from 4 000; the previous one is then the last champion.
    await change(v3, 'retired', 4_000);
    expect(await at(4_000)).toBeUndefined();
    expect(await at(3_999)).toBe(v3);
    expect(await previousChampion(pool, name)).toBe(v3);
    // Rollback-style restore of v2: the champion before it was v3.
    await change(v2, 'champion', 5_000);
    expect(await at(5_000)).toBe(v2);
    expect(await previousChampion(pool, name)).toBe(v3);

    const history = await modelHistory(pool, name);
    expect(history.map((r) => `${r.versionId.split('@')[1]}:${r.from}>${r.to}@${r.atMs}`)).toEqual([
      '1:candidate>champion@1000',
      '1:champion>retired@2000',
      '2:candidate>champion@2000',
      '2:champion>retired@3000',
      '3:candidate>champion@3000',
      '3:champion>retired@4000',
      '2:retired>champion@5000',
    ]);
    expect((await modelHistory(pool, name, { versionId: v2 })).map((r) => r.atMs)).toEqual([
      2_000, 3_000, 5_000,
    ]);
    expect((await modelHistory(pool, name, { limit: 2 })).map((r) => r.atMs)).toEqual([4_000, 5_000]);
  });

  it('is idempotent on its key, a no-op when the status is already set, and refuses bad changes', async () => {
    const name = unique('idem');
    const [v1, v2] = ids(await versions(name, 2)) as [string, string];
    await changeStatus(pool, { versionId: v1, to: 'champion', by: 'a', reason: 'seed' });
    const change = {
      versionId: v2,
      to: 'champion' as const,
      by: 'wf',
      reason: 'promote',
      idempotencyKey: unique('k'),
    };
    const first = await changeStatus(pool, change);
    expect(first.changed.map((r) => [r.versionId, r.to])).toEqual([
      [v1, 'retired'],
      [v2, 'champion'],
    ]);
    const again = await changeStatus(pool, change);
    expect(again.changed).toEqual(first.changed);
    expect(again.version.status).toBe('champion');
    expect(await modelHistory(pool, name)).toHaveLength(3);

    const noop = await changeStatus(pool, { versionId: v2, to: 'champion', by: 'a', reason: 'again' });
    expect(noop.changed).toEqual([]);
    expect(await modelHistory(pool, name)).toHaveLength(3);

    const reused = await rejection(changeStatus(pool, { ...change, to: 'retired' }));
    expect(reused.code).toBe('IDEMPOTENCY_KEY_CONFLICT');
    const demote = await rejection(
      changeStatus(pool, { versionId: v2, to: 'candidate', by: 'a', reason: 'x' }),
    );
    expect(demote.code).toBe('MODEL_STATUS_INVALID');
    const missing = await rejection(
      changeStatus(pool, { versionId: `${name}@9`, to: 'retired', by: 'a', reason: 'x' }),
    );
    expect(missing.code).toBe('MODEL_NOT_FOUND');
    const empty = await rejection(
      changeStatus(pool, { versionId: v1, to: 'candidate', by: '', reason: 'x' }),
    );
    expect(empty.code).toBe('DB_INVALID_INPUT');
    expect(await modelHistory(pool, name)).toHaveLength(3);
  });

  it('concurrent promotions end with one champion and a consistent history', async () => {
    const name = unique('race');
    const all = ids(await versions(name, 4));
    const [v1, ...rest] = all as [string, ...string[]];
    await changeStatus(pool, { versionId: v1, to: 'champion', by: 'a', reason: 'seed' });
    await Promise.all(
      rest.map((versionId) => changeStatus(pool, { versionId, to: 'champion', by: 'a', reason: 'race' })),
    );
    const statuses = await Promise.all(all.map(async (id) => (await getModelVersion(pool, id))?.status));
    expect(statuses.filter((s) => s === 'champion')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'retired')).toHaveLength(3);
    const history = await modelHistory(pool, name);
    expect(history).toHaveLength(1 + 2 * rest.length);
    // Replaying the rows from all-candidate reproduces the final statuses: every `from` was true.
    const replay = new Map<string, string>(all.map((id) => [id, 'candidate']));
    for (const row of history) {
      expect(replay.get(row.versionId)).toBe(row.from);
      replay.set(row.versionId, row.to);
    }
    expect(all.map((id) => replay.get(id))).toEqual(statuses);
  });
});

describe('setStatus (models.ts)', () => {
  it('writes history too, so a champion set by the seed is seen by championAt', async () => {
    const name = unique('seed');
    const [v1, v2] = ids(await versions(name, 2)) as [string, string];
    await setStatus(pool, v1, 'champion');
    await setStatus(pool, v2, 'champion', { by: 'alice', reason: 'manual' });
    const history = await modelHistory(pool, name);
    expect(history.map((r) => [r.versionId, r.from, r.to, r.by, r.reason])).toEqual([
      [v1, 'candidate', 'champion', 'mmflow', 'set to champion'],
      [v1, 'champion', 'retired', 'alice', `replaced by ${v2}: manual`],
      [v2, 'candidate', 'champion', 'alice', 'manual'],
    ]);
    expect(await championAt(pool, name, (history[0]?.atMs ?? 0) - 1)).toBeUndefined();
    expect(await championAt(pool, name, Date.now())).toBe(v2);
    expect(await previousChampion(pool, name)).toBe(v1);
  });
});

describe('evidence', () => {
  it('is stored once per key and listed oldest first; an unknown version or a reused key is refused', async () => {
    const name = unique('ev');
    const [v1] = ids(await versions(name, 1)) as [string];
    const key = unique('ev-key');
    const gate = {
      versionId: v1,
      kind: 'holdout-gate' as const,
      payload: { diff: 1.5, passed: true },
      by: 'wf',
    };
    const first = await addEvidence(pool, { ...gate, idempotencyKey: key, workflowId: 'wf-9', runId: 'r-9' });
    expect(first.created).toBe(true);
    expect(await addEvidence(pool, { ...gate, idempotencyKey: key })).toEqual({
      id: first.id,
      created: false,
    });
    const second = await addEvidence(pool, {
      versionId: v1,
      kind: 'decision',
      payload: { approved: true },
      by: 'alice',
    });
    const listed = await listEvidence(pool, v1);
    expect(listed.map((e) => [e.id, e.kind, e.payload, e.by, e.workflowId, e.runId])).toEqual([
      [first.id, 'holdout-gate', { diff: 1.5, passed: true }, 'wf', 'wf-9', 'r-9'],
      [second.id, 'decision', { approved: true }, 'alice', undefined, undefined],
    ]);
    expect((await rejection(addEvidence(pool, { ...gate, versionId: `${name}@7` }))).code).toBe(
      'MODEL_NOT_FOUND',
    );
    const reused = await rejection(addEvidence(pool, { ...gate, kind: 'ab-test', idempotencyKey: key }));
    expect(reused.code).toBe('IDEMPOTENCY_KEY_CONFLICT');
    expect(await listEvidence(pool, v1)).toHaveLength(2);
  });
});

describe('migration 0015: statuses set before the history began', () => {
  it('back-fills one row per version so championAt sees them, once', async () => {
    const name = unique('backfill');
    for (const version of [1, 2, 3])
      await registerModelVersion(pool, { name, version, kind: 'avellaneda-stoikov', params: {} });
    const at = (iso: string) => new Date(iso).getTime();
    // As before 0013: statuses written without history rows (v1 champion, v2 challenger, v3 candidate).
    await pool.query(
      `UPDATE model_versions SET status = 'champion', created_at = '2026-01-01T00:00:00Z', updated_at = '2026-01-01T00:00:00Z' WHERE id = $1`,
      [`${name}@1`],
    );
    await pool.query(
      `UPDATE model_versions SET status = 'challenger', updated_at = '2026-02-01T00:00:00Z' WHERE id = $1`,
      [`${name}@2`],
    );
    expect(await championAt(pool, name, at('2026-03-01T00:00:00Z'))).toBeUndefined();
    const upSql = readFileSync(
      resolve(repoRoot, 'infra/migrations/0015_status-history-backfill.sql'),
      'utf8',
    ).split('-- Down Migration')[0]!;
    await pool.query(upSql);
    await pool.query(upSql); // idempotent
    const rows = (await modelHistory(pool, name)).map((r) => [r.versionId, r.from, r.to, r.atMs, r.by]);
    expect(rows).toEqual([
      [`${name}@1`, 'candidate', 'champion', at('2026-01-01T00:00:00Z'), 'migration 0015'],
      [`${name}@2`, 'candidate', 'challenger', at('2026-02-01T00:00:00Z'), 'migration 0015'],
    ]);
    expect(await championAt(pool, name, at('2025-12-31T00:00:00Z'))).toBeUndefined();
    expect(await championAt(pool, name, at('2026-03-01T00:00:00Z'))).toBe(`${name}@1`);
  });

  it('back-fills the starting status of a version whose first row is not from candidate', async () => {
    const name = unique('backfill2');
    const at = (iso: string) => new Date(iso).getTime();
    for (const version of [1, 2])
      await registerModelVersion(pool, { name, version, kind: 'avellaneda-stoikov', params: {} });
    await pool.query(
      `UPDATE model_versions SET status = 'champion', created_at = '2026-01-01T00:00:00Z' WHERE id = $1`,
      [`${name}@1`],
    );
    // After 0013, v2 replaces v1: v1's first row starts from champion.
    await changeStatus(pool, {
      versionId: `${name}@2`,
      to: 'champion',
      by: 'ops',
      reason: 'promoted',
      atMs: at('2026-02-01T00:00:00Z'),
    });
    const upSql = readFileSync(
      resolve(repoRoot, 'infra/migrations/0015_status-history-backfill.sql'),
      'utf8',
    ).split('-- Down Migration')[0]!;
    await pool.query(upSql);
    expect(await championAt(pool, name, at('2026-01-15T00:00:00Z'))).toBe(`${name}@1`);
    expect(await championAt(pool, name, at('2026-02-15T00:00:00Z'))).toBe(`${name}@2`);
  });
});
