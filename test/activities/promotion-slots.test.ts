// The slot activities against this run's PostgreSQL, the engine side simulated with the repository's
// markApplied / heartbeatSlot: setSlotDesired is idempotent, awaitSlotApplied returns only once the
// row shows the awaited revision and times out with the slot's state in the reason, and inputs are
// refused naming the field. The waits run on an injected clock (no sleeps), one on the wall clock.
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  affectedSlots,
  awaitSlotApplied,
  setSlotDesired,
  SYSTEM_TIMING,
  type WaitTiming,
} from '../../activities/promotion/slots.ts';
import { createLogger } from '../../app/logger.ts';
import { createPool } from '../../db/pool.ts';
import { createSlot, heartbeatSlot, markApplied } from '../../db/repositories/deployments.ts';
import { recordSlotApplyError } from '../../db/repositories/slot-apply-errors.ts';
import { changeStatus } from '../../db/repositories/model-history.ts';
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

const T0 = 1_760_000_000_000;
const ignore = (): void => {};
/** The mock activity environment's logger, silenced (an activity failure is expected here). */
const quietLogger = { log: ignore, trace: ignore, debug: ignore, info: ignore, warn: ignore, error: ignore };
const unique = (p: string): string => `${p}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

/** A paper slot of a fresh model name following the champion at full capital (revision 1). */
async function newSlot(): Promise<{ slotId: string; modelName: string }> {
  const slotId = unique('slot');
  const modelName = unique('promo-slots');
  await createSlot(
    db,
    { id: slotId, venue: 'binance-usdm', account: 'paper-1', symbol: 'BTCUSDT', mode: 'paper', modelName },
    { model: 'champion', capitalFraction: 1, riskState: 'active' },
    'test',
    'slot created',
  );
  return { slotId, modelName };
}

/** A clock that only moves when the wait sleeps; `onSleep(k)` runs at the k-th sleep (1-based). */
function fakeTiming(startMs: number, onSleep: (k: number) => Promise<void> = async () => {}) {
  const t = { now: startMs, sleeps: [] as number[] };
  const timing: WaitTiming = {
    nowMs: () => t.now,
    sleep: async (ms) => {
      t.sleeps.push(ms);
      t.now += ms;
      await onSleep(t.sleeps.length);
    },
  };
  return { t, timing };
}

const CANARY = { model: 'challenger', capitalFraction: 0.05, riskState: 'active' } as const;

describe('setSlotDesired', () => {
  it('bumps the revision once; the same desired state again changes nothing', async () => {
    const { slotId } = await newSlot();
    const input = { slotId, desired: CANARY, by: 'canary', reason: 'step 1: 5 %', workflowId: 'wf-1' };
    expect(await setSlotDesired(deps(), input)).toEqual({ revision: 2, changed: true });
    expect(await setSlotDesired(deps(), input)).toEqual({ revision: 2, changed: false });
    const changes = await db.query<{ revision: string; workflow_id: string | null }>(
      'SELECT revision, workflow_id FROM deployment_changes WHERE deployment_id = $1 ORDER BY revision',
      [slotId],
    );
    expect(changes.rows.map((r) => [Number(r.revision), r.workflow_id])).toEqual([
      [1, null],
      [2, 'wf-1'],
    ]);
  });

  it('refuses a bad input naming the field', async () => {
    const { slotId } = await newSlot();
    await expect(
      setSlotDesired(deps(), {
        slotId,
        desired: { ...CANARY, capitalFraction: 1.5 },
        by: 'x',
        reason: 'y',
        extra: 1,
      } as never),
    ).rejects.toMatchObject({
      code: 'PROMOTION_INVALID_INPUT',
      message: expect.stringMatching(/^setSlotDesired: .*desired\.capitalFraction: .*extra/),
    });
    await expect(
      setSlotDesired(deps(), { slotId, desired: { ...CANARY, model: 'latest' }, by: 'x', reason: ' ' }),
    ).rejects.toMatchObject({
      code: 'PROMOTION_INVALID_INPUT',
      details: { fields: ['desired.model', 'reason'] },
    });
  });
});

describe('awaitSlotApplied', () => {
  it('returns once the row shows the revision, not before (engine applies rev 1, then rev 2)', async () => {
    const { slotId, modelName } = await newSlot();
    const { revision } = await setSlotDesired(deps(), { slotId, desired: CANARY, by: 't', reason: 'r' });
    const engine = { engineRunId: 'run-a', riskState: 'active' } as const;
    const { t, timing } = fakeTiming(T0, async (k) => {
      if (k === 1)
        await markApplied(db, slotId, {
          ...engine,
          revision: 1,
          version: `${modelName}@1`,
          capitalFraction: 1,
          atMs: T0 + 100,
        });
      if (k === 2)
        await markApplied(db, slotId, {
          ...engine,
          revision,
          version: `${modelName}@2`,
          capitalFraction: 0.05,
          atMs: T0 + 1_200,
        });
    });
    const applied = await awaitSlotApplied(
      deps(),
      { slotId, revision, timeoutMs: 10_000, pollIntervalMs: 1_000 },
      timing,
    );
    expect(applied).toEqual({
      revision: 2,
      version: `${modelName}@2`,
      capitalFraction: 0.05,
      riskState: 'active',
      appliedAtMs: T0 + 1_200,
    });
    expect(t.sleeps).toEqual([1_000, 1_000]); // polled three times: nothing, rev 1, rev 2
  });

  it('returns on the wall clock when the engine applies concurrently', async () => {
    const { slotId, modelName } = await newSlot();
    const { revision } = await setSlotDesired(deps(), { slotId, desired: CANARY, by: 't', reason: 'r' });
    const waiting = awaitSlotApplied(
      deps(),
      { slotId, revision, timeoutMs: 60_000, pollIntervalMs: 10 },
      SYSTEM_TIMING,
    );
    const atMs = Date.now();
    await markApplied(db, slotId, {
      revision,
      version: `${modelName}@7`,
      capitalFraction: 0.05,
      riskState: 'active',
      engineRunId: 'run-b',
      atMs,
    });
    await expect(waiting).resolves.toMatchObject({ revision, version: `${modelName}@7`, appliedAtMs: atMs });
  });

  it('times out naming the slot, the heartbeat age and what the engine applied', async () => {
    const { slotId, modelName } = await newSlot();
    await markApplied(db, slotId, {
      revision: 1,
      version: `${modelName}@1`,
      capitalFraction: 1,
      riskState: 'active',
      engineRunId: 'run-c',
      atMs: T0,
    });
    await heartbeatSlot(db, slotId, 'run-c', T0 + 200);
    const { revision } = await setSlotDesired(deps(), { slotId, desired: CANARY, by: 't', reason: 'r' });
    // Starts 500 ms after the heartbeat; polls at 0, 1000, 2000, 3000 ms; fails at 3000 ms → age 500 + 3000 = 3500 ms.
    const { t, timing } = fakeTiming(T0 + 700);
    await expect(
      awaitSlotApplied(deps(), { slotId, revision, timeoutMs: 3_000, pollIntervalMs: 1_000 }, timing),
    ).rejects.toMatchObject({
      code: 'SLOT_APPLY_TIMEOUT',
      message:
        `slot ${slotId}: revision 2 (challenger, capital 0.05, active) not applied within 3000 ms; ` +
        `last engine heartbeat 3500 ms ago (engine run run-c); applied revision 1 = ${modelName}@1 (capital 1, active)`,
      details: {
        slotId,
        revision: 2,
        waitedMs: 3_000,
        heartbeatAgeMs: 3_500,
        appliedRevision: 1,
        appliedVersion: `${modelName}@1`,
      },
    });
    expect(t.sleeps).toEqual([1_000, 1_000, 1_000]);
  });

  it("fails at once with the engine's reason when the engine could not apply the revision", async () => {
    const { slotId, modelName } = await newSlot();
    await markApplied(db, slotId, {
      revision: 1,
      version: `${modelName}@1`,
      capitalFraction: 1,
      riskState: 'active',
      engineRunId: 'run-e',
      atMs: T0,
    });
    const { revision } = await setSlotDesired(deps(), { slotId, desired: CANARY, by: 't', reason: 'r' });
    await recordSlotApplyError(db, slotId, { revision, error: 'SLOT_ALIAS_EMPTY: no challenger', atMs: T0 });
    const { t, timing } = fakeTiming(T0 + 700);
    await expect(
      awaitSlotApplied(deps(), { slotId, revision, timeoutMs: 60_000, pollIntervalMs: 1_000 }, timing),
    ).rejects.toMatchObject({
      code: 'SLOT_APPLY_FAILED',
      message:
        `slot ${slotId}: the engine could not apply revision 2 (challenger, capital 0.05, active) and quotes ` +
        `on with revision 1 = ${modelName}@1: SLOT_ALIAS_EMPTY: no challenger`,
    });
    expect(t.sleeps).toEqual([]); // no wait at all
  });

  it('heartbeats its progress, and a retried attempt resumes the deadline from the last heartbeat', async () => {
    const { slotId } = await newSlot();
    const { revision } = await setSlotDesired(deps(), { slotId, desired: CANARY, by: 't', reason: 'r' });
    const beats: unknown[] = [];
    const first = new MockActivityEnvironment({ attempt: 1 }, { logger: quietLogger });
    first.on('heartbeat', (d: unknown) => beats.push(d));
    const input = { slotId, revision, timeoutMs: 3_000, pollIntervalMs: 1_000 };
    await expect(first.run(awaitSlotApplied, deps(), input, fakeTiming(T0).timing)).rejects.toMatchObject({
      code: 'SLOT_APPLY_TIMEOUT',
    });
    expect(beats).toHaveLength(4);
    expect(beats[1]).toEqual({
      slotId,
      revision,
      startedAtMs: T0,
      waitedMs: 1_000,
      appliedRevision: null,
      engineHeartbeatAgeMs: null,
    });
    // Attempt 2 starts 2.5 s after attempt 1 started: 0.5 s of the 3 s are left, not 3 s again.
    const retry = new MockActivityEnvironment(
      { attempt: 2, heartbeatDetails: beats[1] },
      { logger: quietLogger },
    );
    const { t, timing } = fakeTiming(T0 + 2_500);
    await expect(retry.run(awaitSlotApplied, deps(), input, timing)).rejects.toMatchObject({
      code: 'SLOT_APPLY_TIMEOUT',
      details: { waitedMs: 3_000 },
    });
    expect(t.sleeps).toEqual([500]);
  });

  it('says so when no engine ever followed the slot; refuses unknown slots and revisions', async () => {
    const { slotId } = await newSlot();
    const { timing } = fakeTiming(T0);
    await expect(
      awaitSlotApplied(deps(), { slotId, revision: 1, timeoutMs: 500, pollIntervalMs: 250 }, timing),
    ).rejects.toMatchObject({
      code: 'SLOT_APPLY_TIMEOUT',
      message: expect.stringContaining(
        'not applied within 500 ms; no engine heartbeat ever (no engine follows the slot?); nothing applied yet',
      ),
    });
    await expect(
      awaitSlotApplied(deps(), { slotId, revision: 5, timeoutMs: 500 }, timing),
    ).rejects.toMatchObject({ code: 'SLOT_REVISION_UNKNOWN' });
    await expect(
      awaitSlotApplied(deps(), { slotId: 'no-such-slot', revision: 1, timeoutMs: 500 }, timing),
    ).rejects.toMatchObject({ code: 'SLOT_NOT_FOUND' });
    await expect(
      awaitSlotApplied(deps(), { slotId, revision: 0, timeoutMs: 500 }, timing),
    ).rejects.toMatchObject({
      code: 'PROMOTION_INVALID_INPUT',
      details: { fields: ['revision'] },
    });
  });
});

describe('affectedSlots', () => {
  it('finds the slots quoting the version and the champion followers of its model only', async () => {
    const name = unique('promo-affected');
    for (const version of [1, 2])
      await registerModelVersion(db, { name, version, kind: 'avellaneda-stoikov', params: { gamma: 0.1 } });
    await changeStatus(db, { versionId: `${name}@1`, to: 'champion', by: 't', reason: 'first' });
    await changeStatus(db, { versionId: `${name}@2`, to: 'challenger', by: 't', reason: 'canary' });
    const spec = (id: string, modelName = name) =>
      ({
        id,
        venue: 'binance-usdm',
        account: 'paper-1',
        symbol: 'BTCUSDT',
        mode: 'paper',
        modelName,
      }) as const;
    const make = async (
      id: string,
      model: string,
      modelName = name,
      capitalFraction = 1,
    ): Promise<string> => {
      const slotId = `${name}-${id}`;
      await createSlot(
        db,
        spec(slotId, modelName),
        { model, capitalFraction, riskState: 'active' },
        't',
        'r',
      );
      return slotId;
    };
    const a = await make('a', 'champion');
    const b = await make('b', `${name}@2`);
    const c = await make('c', 'challenger');
    const d = await make('d', `${name}@1`);
    await make('e', 'champion', `${name}-other`);
    await make('f', 'champion', name, 0); // parked: stays parked
    expect(await affectedSlots(deps(), { versionId: `${name}@2` })).toEqual({
      challengerSlots: [b, c],
      championSlots: [a],
    });
    // The champion rolled back (promoted by mistake): the slots pinned to it and its active followers
    // (they quote it: pulled first), and the followers again to be restored on the previous champion.
    expect(await affectedSlots(deps(), { versionId: `${name}@1` })).toEqual({
      challengerSlots: [a, d],
      championSlots: [a],
    });
    await expect(affectedSlots(deps(), { versionId: name })).rejects.toMatchObject({
      code: 'PROMOTION_INVALID_INPUT',
    });
  });
});
