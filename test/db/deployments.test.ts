/**
 * Engine slots (db/repositories/deployments.ts) and their metrics samples (deployment-metrics.ts) on
 * the test run's PostgreSQL: revisions, the change log, NOTIFY on channel mmflow_deployments, the
 * engine's acknowledgements and the sample reads.
 */
import { randomUUID } from 'node:crypto';
import { Client, type Notification, type Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentError } from '../../core/errors.ts';
import { createPool } from '../../db/pool.ts';
import { insertSamples, samplesBetween, type SlotSample } from '../../db/repositories/deployment-metrics.ts';
import {
  createSlot,
  DEPLOYMENTS_CHANNEL,
  getSlot,
  heartbeatSlot,
  listSlots,
  markApplied,
  setDesired,
  touchAliasFollowers,
  type DesiredState,
  type SlotSpec,
} from '../../db/repositories/deployments.ts';
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

/** Polls `probe` until it returns true, failing after `timeoutMs`. */
async function until(what: string, probe: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const spec = (id: string, modelName = 'as-test', over: Partial<SlotSpec> = {}): SlotSpec => ({
  id,
  venue: 'binance-usdm',
  account: 'paper-1',
  symbol: 'BTCUSDT',
  mode: 'paper',
  modelName,
  ...over,
});
const champion: DesiredState = { model: 'champion', capitalFraction: 1, riskState: 'active' };
const meta = { by: 'wf', reason: 'test' };

async function changes(id: string): Promise<string[]> {
  const result = await pool.query<{ line: string }>(
    `SELECT revision || ':' || desired_model || ':' || desired_capital_fraction || ':' || desired_risk_state || ':' ||
            by || ':' || reason || ':' || coalesce(workflow_id, '-') AS line
     FROM deployment_changes WHERE deployment_id = $1 ORDER BY revision`,
    [id],
  );
  return result.rows.map((r) => r.line);
}

describe('slots', () => {
  it('createSlot starts at revision 1, is idempotent for the same spec and refuses a different one', async () => {
    const id = unique('slot');
    const slot = await createSlot(pool, spec(id), champion, 'alice', 'new slot');
    expect(slot).toMatchObject({
      ...spec(id),
      desired: { ...champion, revision: 1, by: 'alice', reason: 'new slot' },
      applied: undefined,
      engineRunId: undefined,
      heartbeatAtMs: undefined,
    });
    const again = await createSlot(pool, spec(id), { ...champion, capitalFraction: 0.5 }, 'bob', 'again');
    expect(again).toEqual(slot);
    expect(
      (await rejection(createSlot(pool, spec(id, 'as-test', { mode: 'live' }), champion, 'a', 'r'))).code,
    ).toBe('SLOT_EXISTS');
    const bad = { ...champion, model: 'other@1' };
    expect((await rejection(createSlot(pool, spec(unique('slot')), bad, 'a', 'r'))).code).toBe(
      'SLOT_DESIRED_INVALID',
    );
    expect((await rejection(createSlot(pool, spec('bad id'), champion, 'a', 'r'))).code).toBe(
      'DB_INVALID_INPUT',
    );
    expect(await changes(id)).toEqual(['1:champion:1:active:alice:new slot:-']);
    expect((await listSlots(pool)).map((s) => s.id)).toContain(id);
  });

  it('setDesired bumps the revision and NOTIFYs, but is a no-op for an identical state', async () => {
    const id = unique('slot');
    const listener = new Client({ connectionString: testServices().databaseUrl });
    await listener.connect();
    const heard: string[] = [];
    listener.on('notification', (n: Notification) => {
      if (n.channel === DEPLOYMENTS_CHANNEL && n.payload === id) heard.push(n.payload);
    });
    try {
      await listener.query(`LISTEN ${DEPLOYMENTS_CHANNEL}`);
      await createSlot(pool, spec(id), champion, 'alice', 'new');
      await until('the notification of the insert', () => heard.length === 1);
      const half = { model: 'as-test@3', capitalFraction: 0.05, riskState: 'active' as const };
      const first = await setDesired(pool, id, half, { ...meta, workflowId: 'wf-7', runId: 'run-7' });
      expect(first.changed).toBe(true);
      expect(first.slot.desired).toMatchObject({ ...half, revision: 2, by: 'wf', reason: 'test' });
      await until('the notification of revision 2', () => heard.length === 2);
      const same = await setDesired(pool, id, half, { by: 'other', reason: 'repeat' });
      expect(same.changed).toBe(false);
      expect(same.slot.desired).toMatchObject({ revision: 2, by: 'wf', reason: 'test' });
      const halted = await setDesired(pool, id, { ...half, riskState: 'halted' }, meta);
      expect(halted.slot.desired.revision).toBe(3);
      // Notifications arrive in commit order: had the no-op notified, there would be 4 by now.
      await until('the notification of revision 3', () => heard.length >= 3);
      expect(heard).toHaveLength(3);
    } finally {
      await listener.end();
    }
    expect(await changes(id)).toEqual([
      '1:champion:1:active:alice:new:-',
      '2:as-test@3:0.05:active:wf:test:wf-7',
      '3:as-test@3:0.05:halted:wf:test:-',
    ]);
    const wrong = await rejection(setDesired(pool, id, { ...champion, model: 'as-testx@1' }, meta));
    expect(wrong.code).toBe('SLOT_DESIRED_INVALID');
    expect((await rejection(setDesired(pool, unique('none'), champion, meta))).code).toBe('SLOT_NOT_FOUND');
    expect((await rejection(setDesired(pool, id, { ...champion, capitalFraction: 1.5 }, meta))).code).toBe(
      'DB_INVALID_INPUT',
    );
  });

  it('touchAliasFollowers bumps only the slots of the model that follow an alias', async () => {
    const model = unique('m');
    const [a, b, c, d] = [unique('a'), unique('b'), unique('c'), unique('d')];
    await createSlot(pool, spec(a, model), champion, 'x', 'y');
    await createSlot(pool, spec(b, model), { ...champion, model: 'challenger' }, 'x', 'y');
    await createSlot(pool, spec(c, model), { ...champion, model: `${model}@2` }, 'x', 'y');
    await createSlot(pool, spec(d, unique('other')), champion, 'x', 'y');
    const touched = await touchAliasFollowers(pool, model, {
      by: 'promote',
      reason: 'v2 promoted',
      workflowId: 'wf-p',
    });
    expect(touched).toEqual([a, b].sort());
    const revisions = await Promise.all(
      [a, b, c, d].map(async (id) => (await getSlot(pool, id))?.desired.revision),
    );
    expect(revisions).toEqual([2, 2, 1, 1]);
    expect((await changes(a))[1]).toBe('2:champion:1:active:promote:v2 promoted:wf-p');
  });

  it('touchAliasFollowers with a key bumps each slot once however often it is retried', async () => {
    const model = unique('m');
    const [a, b] = [unique('a'), unique('b')];
    await createSlot(pool, spec(a, model), champion, 'x', 'y');
    const meta = { by: 'promote', reason: 'v2 promoted', workflowId: 'wf-k', runId: 'run-k' };
    expect(await touchAliasFollowers(pool, model, meta, 'touch:wf-k:run-k')).toEqual([a]);
    // A follower created between the two attempts is touched by the retry; a is not touched twice.
    await createSlot(pool, spec(b, model), { ...champion, model: 'challenger' }, 'x', 'y');
    expect(await touchAliasFollowers(pool, model, meta, 'touch:wf-k:run-k')).toEqual([a, b].sort());
    expect(await touchAliasFollowers(pool, model, meta, 'touch:wf-k:run-k')).toEqual([a, b].sort());
    expect((await getSlot(pool, a))?.desired.revision).toBe(2);
    expect((await getSlot(pool, b))?.desired.revision).toBe(2);
    expect(await changes(a)).toHaveLength(2);
    // Another key (another workflow run) bumps again.
    await touchAliasFollowers(pool, model, meta, 'touch:wf-k:run-2');
    expect((await getSlot(pool, a))?.desired.revision).toBe(3);
  });

  it('markApplied records the acknowledgement and ignores an older revision; heartbeats update the run', async () => {
    const id = unique('slot');
    await createSlot(pool, spec(id), champion, 'x', 'y');
    await setDesired(pool, id, { ...champion, capitalFraction: 0.25 }, meta);
    const applied = { version: 'as-test@4', riskState: 'active' as const, engineRunId: 'run-a' };
    await markApplied(pool, id, { ...applied, revision: 2, capitalFraction: 0.25, atMs: 1_700_000_000_000 });
    await markApplied(pool, id, { ...applied, revision: 1, capitalFraction: 1, atMs: 1_700_000_001_000 });
    let slot = await getSlot(pool, id);
    expect(slot?.applied).toEqual({
      revision: 2,
      version: 'as-test@4',
      capitalFraction: 0.25,
      riskState: 'active',
      atMs: 1_700_000_000_000,
    });
    expect(slot?.engineRunId).toBe('run-a');
    expect(slot?.heartbeatAtMs).toBe(1_700_000_000_000);
    // The same revision again (an engine restart) is recorded.
    await markApplied(pool, id, {
      ...applied,
      engineRunId: 'run-b',
      revision: 2,
      capitalFraction: 0.25,
      atMs: 1_700_000_002_000,
    });
    await heartbeatSlot(pool, id, 'run-b', 1_700_000_003_000);
    slot = await getSlot(pool, id);
    expect([slot?.applied?.atMs, slot?.engineRunId, slot?.heartbeatAtMs]).toEqual([
      1_700_000_002_000,
      'run-b',
      1_700_000_003_000,
    ]);
    const missing = unique('none');
    const ack = { ...applied, revision: 1, capitalFraction: 1, atMs: 1 };
    expect((await rejection(markApplied(pool, missing, ack))).code).toBe('SLOT_NOT_FOUND');
    expect((await rejection(heartbeatSlot(pool, missing, 'run', 1))).code).toBe('SLOT_NOT_FOUND');
  });
});

describe('slot samples', () => {
  const sample = (deploymentId: string, engineRunId: string, seq: number, atMs: number): SlotSample => ({
    deploymentId,
    engineRunId,
    seq,
    atMs,
    appliedRevision: 2,
    appliedVersion: 'as-test@2',
    capitalFraction: 0.1,
    netPnlQuote: seq * 0.5 - 1.25,
    feesQuote: seq * 0.01,
    markout1sQuote: -seq * 0.2,
    markoutFills: seq,
    inventoryLots: -seq,
    fills: seq * 2,
    filledLots: seq * 3,
    quotesPlaced: seq * 10,
    rejects: 0,
    workingOrders: 2,
  });

  it('are stored once per (slot, run, seq) and read back in [from, to] ordered by time then seq', async () => {
    const id = unique('slot');
    await createSlot(pool, spec(id), champion, 'x', 'y');
    const rows = [
      sample(id, 'r1', 2, 3_000),
      sample(id, 'r1', 0, 1_000),
      sample(id, 'r2', 0, 2_000),
      sample(id, 'r1', 1, 2_000),
      sample(id, 'r1', 3, 4_000),
    ];
    expect(await insertSamples(pool, rows)).toBe(5);
    expect(await insertSamples(pool, [sample(id, 'r1', 0, 9_999), sample(id, 'r1', 4, 5_000)])).toBe(1);
    const read = await samplesBetween(pool, id, 1_000, 4_000);
    expect(read.map((s) => `${s.engineRunId}#${s.seq}@${s.atMs}`)).toEqual([
      'r1#0@1000',
      'r2#0@2000',
      'r1#1@2000',
      'r1#2@3000',
      'r1#3@4000',
    ]);
    expect(read[3]).toEqual(sample(id, 'r1', 2, 3_000));
    expect(await samplesBetween(pool, id, 4_001, 4_999)).toEqual([]);
    expect((await rejection(insertSamples(pool, [sample(unique('none'), 'r', 0, 1)]))).code).toBe(
      'DB_CONSTRAINT',
    );
    expect((await rejection(insertSamples(pool, [{ ...sample(id, 'r', 0, 1), seq: -1 }]))).code).toBe(
      'DB_INVALID_INPUT',
    );
  });
});
