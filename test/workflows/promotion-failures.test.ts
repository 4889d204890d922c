/**
 * How the promotion workflows fail safe (issue 14 review), on the real Temporal server and PostgreSQL
 * with the real activities and the fake engines of ./promotion-engines.ts (100 ms samples):
 * - a challenger whose engine stops sampling is a `noData` breach and rolls back after the window;
 * - a slow bleed below the drawdown limit per check but above it over the step rolls back (drawdown
 *   measured from the step's start);
 * - a challenger engine that never applies its step: the canary rolls back, the champion slot returns
 *   to full capital although the pull of the dead slot is never confirmed (listed as unconfirmed);
 * - a rollback of a promoted champion with no slot named pulls the champion followers first, then
 *   puts them back on the previous champion;
 * - a canary resumed in the middle of a step's hold (Continue-As-New carry) does not apply the step again;
 * - an A/B interval whose slot was changed under the test (another revision applied) is dropped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSlot, setDesired } from '../../db/repositories/deployments.ts';
import { listEvidence } from '../../db/repositories/model-evidence.ts';
import { changeStatus } from '../../db/repositories/model-history.ts';
import { getModelVersion } from '../../db/repositories/models.ts';
import { canaryWorkflow, type CanaryCarry, type CanaryInput } from '../../workflows/promotion/canary.ts';
import { abTestWorkflow } from '../../workflows/promotion/ab-test.ts';
import { rollbackWorkflow } from '../../workflows/promotion/rollback.ts';
import { eventually, startHarness, uniqueId, type Harness } from './harness.ts';
import { failureOf, setUp, withEngines, type Setup } from './promotion-fixtures.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('promotion-failures');
});
afterAll(async () => {
  await h.close();
});

const canaryInput = (s: Setup, extra: Partial<CanaryInput> = {}): CanaryInput => ({
  challenger: s.challenger,
  challengerSlot: s.challengerSlot,
  championSlot: s.championSlot,
  guardrails: { maxDrawdownQuote: 1 },
  steps: [0.1, 1],
  hold: '60s',
  checkEvery: '1s',
  breachWindow: '2s',
  applyTimeout: '20s',
  by: 'ops-alice',
  reason: 'canary of the weekly candidate',
  ...extra,
});

/** The champion slot quotes the champion at full capital; the challenger slot is parked on the challenger. */
async function expectRolledBack(s: Setup): Promise<void> {
  expect((await getSlot(h.db, s.championSlot))?.applied).toMatchObject({
    version: s.champion,
    capitalFraction: 1,
    riskState: 'active',
  });
  expect((await getSlot(h.db, s.challengerSlot))?.desired).toMatchObject({
    model: s.challenger,
    capitalFraction: 0,
    riskState: 'halted',
  });
  expect((await getModelVersion(h.db, s.challenger))?.status).toBe('retired');
  expect((await getModelVersion(h.db, s.champion))?.status).toBe('champion');
}

describe('canary failures roll back', () => {
  it('a challenger whose engine stops sampling is a noData breach, rolled back after the window', async () => {
    const s = await setUp(h.db, 'silent');
    await withEngines(h.db, s, { [s.champion]: 1, [s.challenger]: 1 }, async (engines) => {
      engines.muted.add(s.challengerSlot); // applies its revisions, writes no sample
      const failure = await failureOf(
        h.client.workflow.execute(canaryWorkflow, {
          args: [canaryInput(s)],
          taskQueue: h.taskQueue,
          workflowId: uniqueId('canary-silent'),
        }),
      );
      expect(failure.type).toBe('CanaryRolledBack');
      expect(failure.message).toMatch(
        /rolled-back by system:canary: breach sustained (\d+) ms ≥ 2000 ms at step 1 \(0\.1\): noData 0 vs 1$/,
      );
      const sustainedMs = Number(/sustained (\d+) ms/.exec(failure.message)?.[1]);
      expect(sustainedMs).toBeGreaterThanOrEqual(2_000);
      expect(sustainedMs).toBeLessThan(5_000);
      await expectRolledBack(s);
      expect((await getSlot(h.db, s.challengerSlot))?.applied).toMatchObject({ capitalFraction: 0 });
    });
  });

  it('a slow bleed below the drawdown limit per check but above it over the step rolls back', async () => {
    const s = await setUp(h.db, 'bleed');
    // At f = 0.1: −0.5 × 0.1 = −0.05 quote/s, so about 0.05 per 1-s check against a limit of
    // 1 × 0.1 = 0.1; over the step the drawdown passes 0.1 after about 2 s.
    await withEngines(h.db, s, { [s.champion]: 1, [s.challenger]: -0.5 }, async () => {
      const failure = await failureOf(
        h.client.workflow.execute(canaryWorkflow, {
          args: [canaryInput(s)],
          taskQueue: h.taskQueue,
          workflowId: uniqueId('canary-bleed'),
        }),
      );
      expect(failure.type).toBe('CanaryRolledBack');
      const m = /at step 1 \(0\.1\): maxDrawdownQuote (\S+) vs (\S+)$/.exec(failure.message);
      expect(m, failure.message).not.toBeNull();
      expect(Number(m?.[2])).toBeCloseTo(0.1, 12);
      // Sustained for ≥ 2 s after first passing 0.1 at −0.05/s: ≥ 0.2 at the rollback, well below
      // what 60 s would lose (3).
      expect(Number(m?.[1])).toBeGreaterThanOrEqual(0.19);
      expect(Number(m?.[1])).toBeLessThan(0.5);
      await expectRolledBack(s);
    });
  });

  it('a challenger engine that never applies its step: rolled back, the champion slot back at 1', async () => {
    const s = await setUp(h.db, 'deadeng');
    await withEngines(h.db, s, { [s.champion]: 1, [s.challenger]: 1 }, async (engines) => {
      engines.dead.add(s.challengerSlot);
      const workflowId = uniqueId('canary-dead');
      const failure = await failureOf(
        h.client.workflow.execute(canaryWorkflow, {
          args: [canaryInput(s, { applyTimeout: '3s' })],
          taskQueue: h.taskQueue,
          workflowId,
        }),
      );
      expect(failure.type).toBe('CanaryRolledBack');
      expect(failure.message).toMatch(
        /^canary of \S+: rolled-back by system:canary: applying the step failed at step 1 \(0\.1\): .*not applied within 3000 ms/,
      );
      await expectRolledBack(s);
      const [rollback] = (await listEvidence(h.db, s.challenger)).filter((e) => e.kind === 'rollback');
      expect(rollback?.by).toBe('system:canary');
      const unconfirmed = rollback?.payload['unconfirmed'] as { slotId: string; error: string }[];
      expect(unconfirmed.map((u) => u.slotId)).toEqual([s.challengerSlot]);
      expect(unconfirmed[0]?.error).toMatch(/not applied within 3000 ms/);
    });
  });
});

describe('rollback of a promoted champion with no slot named', () => {
  it('pulls the champion followers first, then restores them on the previous champion', async () => {
    const s = await setUp(h.db, 'promoted');
    await changeStatus(h.db, { versionId: s.challenger, to: 'challenger', by: 'test', reason: 'set up' });
    await changeStatus(h.db, { versionId: s.challenger, to: 'champion', by: 'test', reason: 'promoted' });
    await withEngines(h.db, s, {}, async (engines) => {
      const result = await h.client.workflow.execute(rollbackWorkflow, {
        args: [{ challenger: s.challenger, applyTimeout: '20s', by: 'ops-ida', reason: 'bad promotion' }],
        taskQueue: h.taskQueue,
        workflowId: uniqueId('rollback-promoted-noslots'),
      });
      expect(result).toMatchObject({
        rolledBack: s.challenger,
        champion: s.champion,
        restoredPrevious: true,
        unconfirmed: [],
      });
      for (const slotId of [s.championSlot, s.challengerSlot]) {
        // Followed the promoted version at 1, pulled (pinned at 0), then back on the old champion at 1.
        const seen = (engines.applies.get(slotId) ?? []).map(([, version, f]) => [version, f]);
        expect(seen).toEqual([
          [s.challenger, 1],
          [s.challenger, 0],
          [s.champion, 1],
        ]);
        expect((await getSlot(h.db, slotId))?.desired).toMatchObject({
          model: 'champion',
          capitalFraction: 1,
          riskState: 'active',
        });
      }
      expect((await getModelVersion(h.db, s.champion))?.status).toBe('champion');
      expect((await getModelVersion(h.db, s.challenger))?.status).toBe('retired');
    });
  });
});

describe('canary resumed within a step (Continue-As-New carry)', () => {
  it('holds the rest of the step without applying it again', async () => {
    const s = await setUp(h.db, 'resume');
    await changeStatus(h.db, { versionId: s.challenger, to: 'challenger', by: 'test', reason: 'canary' });
    const step = { by: 'test', reason: 'canary step 1' };
    await setDesired(
      h.db,
      s.challengerSlot,
      { model: s.challenger, capitalFraction: 1, riskState: 'active' },
      step,
    );
    await setDesired(
      h.db,
      s.championSlot,
      { model: 'champion', capitalFraction: 0, riskState: 'active' },
      step,
    );
    await withEngines(h.db, s, { [s.champion]: 1, [s.challenger]: 1 }, async (engines) => {
      const nowMs = Date.now();
      const carry: CanaryCarry = {
        stepIndex: 0,
        champion: s.champion,
        breachWindow: { since: null, lastAtMs: null, breaches: [] },
        versusChampionSince: null,
        paused: null,
        decisions: [],
        hold: {
          elapsedMs: 57_000,
          stepStartMs: nowMs - 57_000,
          lastCheckMs: nowMs - 1_000,
          stepPnl: { pnlQuote: 0, peakQuote: 0 },
        },
      };
      const started = Date.now();
      const result = await h.client.workflow.execute(canaryWorkflow, {
        args: [canaryInput(s, { steps: [1] }), carry],
        taskQueue: h.taskQueue,
        workflowId: uniqueId('canary-resume'),
      });
      expect(result).toMatchObject({ outcome: 'completed', stepsCompleted: 1, fraction: 1 });
      expect(Date.now() - started).toBeLessThan(30_000); // 3 s left of a 60-s hold
      // Applied once each, before the run (revision 2 of the set-up); the run applied nothing.
      expect((engines.applies.get(s.challengerSlot) ?? []).map(([r]) => r)).toEqual([2]);
      expect((engines.applies.get(s.championSlot) ?? []).map(([r]) => r)).toEqual([2]);
      const steps = (await listEvidence(h.db, s.challenger)).filter((e) => e.kind === 'canary-step');
      expect(steps.map((e) => [e.payload['step'], e.payload['fromMs']])).toEqual([[1, nowMs - 57_000]]);
    });
  });
});

describe('A/B test intervals carry the applied revision', () => {
  it('drops the intervals of a slot changed under the test (another revision applied)', async () => {
    const s = await setUp(h.db, 'abrev');
    await withEngines(h.db, s, { [s.champion]: 1, [s.challenger]: 3 }, async () => {
      const handle = await h.client.workflow.start(abTestWorkflow, {
        args: [
          {
            challenger: s.challenger,
            challengerSlot: s.challengerSlot,
            championSlot: s.championSlot,
            interval: '2s',
            intervals: 2,
            comparison: { test: 'welch', minIntervals: 2, marginQuote: 0 },
            applyTimeout: '20s',
            failOnReject: false,
            by: 'ops-hal',
            reason: 'paper A/B',
          },
        ],
        taskQueue: h.taskQueue,
        workflowId: uniqueId('ab-revision'),
      });
      // Once the test's own revision is applied, someone else changes the challenger slot.
      await eventually('the A/B revision applied', async () => {
        const slot = await getSlot(h.db, s.challengerSlot);
        return slot?.desired.model === s.challenger && slot.applied?.revision === slot.desired.revision
          ? slot
          : undefined;
      });
      await setDesired(
        h.db,
        s.challengerSlot,
        { model: s.challenger, capitalFraction: 0.5, riskState: 'active' },
        { by: 'ops-other', reason: 'manual change during the test' },
      );
      const result = await handle.result();
      expect(result.netPnl.challenger).toEqual([]);
      expect(result.netPnl.champion).toEqual([]);
      expect(result.decision).toMatchObject({ decision: 'insufficient-data', n: 0, passed: false });
      expect(result.outcome).toBe('failed');
    });
  });
});
