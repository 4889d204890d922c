/**
 * The promotion workflows (workflows/promotion/*) on the real Temporal server and PostgreSQL of the
 * global setup, with the real activities (activities/promotion/*). The engines are played by the test
 * (./promotion-engines.ts): they apply each desired revision with markApplied and write one
 * deployment_metrics sample per slot every 100 ms, whose PnL rate per version makes a good or a bad
 * challenger. Covered: a canary of a good challenger through its steps (Continue-As-New between them)
 * then a promotion; a bad challenger rolled back automatically once its breach lasted the window;
 * pause/resume/abort validation; a manual promotion by Update; a rollback of a promoted version
 * restoring the previous champion. The A/B tests and the promote pipeline: ./promotion-ab.test.ts.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSlot, setDesired } from '../../db/repositories/deployments.ts';
import { listEvidence } from '../../db/repositories/model-evidence.ts';
import { changeStatus, modelHistory } from '../../db/repositories/model-history.ts';
import { getModelVersion } from '../../db/repositories/models.ts';
import {
  abortUpdate,
  approvePromotionUpdate,
  canaryStatusQuery,
  pauseUpdate,
  resumeUpdate,
  type CanaryStatus,
} from '../../workflows/promotion/definitions.ts';
import { canaryWorkflow, type CanaryInput } from '../../workflows/promotion/canary.ts';
import { promoteWorkflow } from '../../workflows/promotion/promote.ts';
import { rollbackWorkflow } from '../../workflows/promotion/rollback.ts';
import { eventually, startHarness, uniqueId, type Harness } from './harness.ts';
import { failureOf, refusal, setUp, withEngines, type Setup } from './promotion-fixtures.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('promotion');
});
afterAll(async () => {
  await h.close();
});

const canaryInput = (s: Setup, extra: Partial<CanaryInput> = {}): CanaryInput => ({
  challenger: s.challenger,
  challengerSlot: s.challengerSlot,
  championSlot: s.championSlot,
  guardrails: { maxDrawdownQuote: 1 },
  applyTimeout: '20s',
  by: 'ops-alice',
  reason: 'canary of the weekly candidate',
  ...extra,
});

const status = (id: string) => h.client.workflow.getHandle(id).query(canaryStatusQuery);
const statusWhen = (id: string, what: string, ok: (s: CanaryStatus) => boolean, timeoutMs = 30_000) =>
  eventually(
    what,
    async () => {
      const s = await status(id);
      return ok(s) ? s : undefined;
    },
    timeoutMs,
  );

describe('canary', () => {
  it('ramps a good challenger through its steps (one run per step), then promote makes it champion', async () => {
    const s = await setUp(h.db, 'good');
    await withEngines(h.db, s, { [s.champion]: 1, [s.challenger]: 2 }, async (engines) => {
      const workflowId = uniqueId('canary-good');
      const handle = await h.client.workflow.start(canaryWorkflow, {
        args: [canaryInput(s, { steps: [0.25, 1], hold: '2s', checkEvery: '1s', breachWindow: '2s' })],
        taskQueue: h.taskQueue,
        workflowId,
      });
      const result = await handle.result();
      expect(result).toMatchObject({
        outcome: 'completed',
        challenger: s.challenger,
        champion: s.champion,
        stepsCompleted: 2,
        fraction: 1,
        by: 'ops-alice',
        rollback: null,
      });
      // Challenger slot at 0.25 then 1; champion slot at 0.75 then 0 (1 − f), each applied by the engine.
      expect((engines.applies.get(s.challengerSlot) ?? []).slice(1).map(([, v, f]) => [v, f])).toEqual([
        [s.challenger, 0.25],
        [s.challenger, 1],
      ]);
      expect((engines.applies.get(s.championSlot) ?? []).slice(1).map(([, v, f]) => [v, f])).toEqual([
        [s.champion, 0.75],
        [s.champion, 0],
      ]);
      // Two runs: Continue-As-New between the steps.
      const described = await h.client.workflow.getHandle(workflowId).describe();
      expect(described.runId).not.toBe(handle.firstExecutionRunId);
      const first = await h.client.workflow.getHandle(workflowId, handle.firstExecutionRunId).describe();
      expect(first.status.name).toBe('CONTINUED_AS_NEW');
      const evidence = await listEvidence(h.db, s.challenger);
      expect(
        evidence
          .filter((e) => e.kind === 'canary-step')
          .map((e) => [e.payload['step'], e.payload['fraction']]),
      ).toEqual([
        [1, 0.25],
        [2, 1],
      ]);
      expect((await getModelVersion(h.db, s.challenger))?.status).toBe('challenger');

      const promoted = await h.client.workflow.execute(promoteWorkflow, {
        args: [
          {
            challenger: s.challenger,
            approval: 'given',
            by: 'ops-bob',
            reason: 'canary clean at full capital',
            championSlots: [s.championSlot],
            challengerSlots: [s.challengerSlot],
            applyTimeout: '20s',
          },
        ],
        taskQueue: h.taskQueue,
        workflowId: uniqueId('promote-given'),
      });
      expect(promoted).toMatchObject({
        champion: s.challenger,
        retired: s.champion,
        approvedBy: 'ops-bob',
        reason: 'canary clean at full capital',
      });
      expect(promoted.slots.map((x) => [x.slotId, x.version, x.capitalFraction])).toEqual([
        [s.challengerSlot, s.challenger, 0],
        [s.championSlot, s.challenger, 1],
      ]);
      expect((await getModelVersion(h.db, s.champion))?.status).toBe('retired');
      const history = await modelHistory(h.db, s.name);
      expect(history.map((r) => [r.versionId, r.from, r.to, r.by])).toEqual([
        [s.champion, 'candidate', 'champion', 'test'],
        [s.challenger, 'candidate', 'challenger', 'ops-alice'],
        [s.champion, 'champion', 'retired', 'ops-bob'],
        [s.challenger, 'challenger', 'champion', 'ops-bob'],
      ]);
    });
  });

  it('rolls a bad challenger back once its breach lasted the window; the champion quotes on at full capital', async () => {
    const s = await setUp(h.db, 'bad');
    await withEngines(h.db, s, { [s.champion]: 1, [s.challenger]: -50 }, async () => {
      const workflowId = uniqueId('canary-bad');
      const failure = await failureOf(
        h.client.workflow.execute(canaryWorkflow, {
          args: [canaryInput(s, { steps: [0.1, 1], hold: '60s', checkEvery: '1s', breachWindow: '2s' })],
          taskQueue: h.taskQueue,
          workflowId,
        }),
      );
      expect(failure.type).toBe('CanaryRolledBack');
      expect(failure.message).toMatch(
        /^canary of promo-bad-\S+@2: rolled-back by system:canary: breach sustained (\d+) ms ≥ 2000 ms at step 1 \(0\.1\): maxDrawdownQuote /,
      );
      const sustainedMs = Number(/sustained (\d+) ms/.exec(failure.message)?.[1]);
      expect(sustainedMs).toBeGreaterThanOrEqual(2_000);
      expect(sustainedMs).toBeLessThan(5_000); // checks every second: at most about one check late

      const challengerSlot = await getSlot(h.db, s.challengerSlot);
      expect(challengerSlot?.desired).toMatchObject({
        model: s.challenger,
        capitalFraction: 0,
        riskState: 'halted',
      });
      expect(challengerSlot?.applied).toMatchObject({
        version: s.challenger,
        capitalFraction: 0,
        riskState: 'halted',
      });
      expect(challengerSlot?.applied?.revision).toBe(challengerSlot?.desired.revision);
      const championSlot = await getSlot(h.db, s.championSlot);
      expect(championSlot?.applied).toMatchObject({
        version: s.champion,
        capitalFraction: 1,
        riskState: 'active',
      });
      expect((await getModelVersion(h.db, s.challenger))?.status).toBe('retired');
      expect((await getModelVersion(h.db, s.champion))?.status).toBe('champion');
      const last = (await modelHistory(h.db, s.name)).at(-1);
      expect(last).toMatchObject({
        versionId: s.challenger,
        from: 'challenger',
        to: 'retired',
        by: 'system:canary',
      });
      expect(last?.workflowId).toBe(`${workflowId}.rollback`);
      const rollback = (await listEvidence(h.db, s.challenger)).filter((e) => e.kind === 'rollback');
      expect(rollback.map((e) => [e.by, e.payload['champion'], e.payload['restoredPrevious']])).toEqual([
        ['system:canary', s.champion, false],
      ]);
    });
  });

  it('validates pause, resume and abort; abort rolls back with who and why', async () => {
    const s = await setUp(h.db, 'control');
    await withEngines(h.db, s, { [s.champion]: 1, [s.challenger]: 1 }, async () => {
      const workflowId = uniqueId('canary-control');
      const handle = await h.client.workflow.start(canaryWorkflow, {
        args: [canaryInput(s, { steps: [0.05, 1], hold: '10m', checkEvery: '1s' })],
        taskQueue: h.taskQueue,
        workflowId,
      });
      const control: WorkflowHandle = h.client.workflow.getHandle(workflowId);
      await statusWhen(workflowId, 'holding', (x) => x.phase === 'holding');
      expect(
        await refusal(control.executeUpdate(resumeUpdate, { args: [{ by: 'ops-carol', reason: 'go' }] })),
      ).toBe('resume: the canary is not paused');
      expect(await refusal(control.executeUpdate(pauseUpdate, { args: [{ by: ' ', reason: 'look' }] }))).toBe(
        'pause: "by" is required (a non-empty string)',
      );
      expect(
        await control.executeUpdate(pauseUpdate, { args: [{ by: 'ops-carol', reason: 'market open' }] }),
      ).toEqual({
        phase: 'holding',
      });
      expect(
        await refusal(control.executeUpdate(pauseUpdate, { args: [{ by: 'ops-dan', reason: 'x' }] })),
      ).toBe('pause: already paused by ops-carol');
      const paused = await statusWhen(workflowId, 'paused', (x) => x.phase === 'paused');
      expect(paused).toMatchObject({
        paused: { by: 'ops-carol', reason: 'market open' },
        stepIndex: 0,
        fraction: 0.05,
      });
      await control.executeUpdate(resumeUpdate, { args: [{ by: 'ops-carol', reason: 'market calm' }] });
      await statusWhen(workflowId, 'holding again', (x) => x.phase === 'holding' && x.paused === null);
      expect(await refusal(control.executeUpdate('abort', { args: [{ by: 'ops-erin' }] }))).toBe(
        'abort: "reason" is required (a non-empty string)',
      );
      await control.executeUpdate(abortUpdate, { args: [{ by: 'ops-erin', reason: 'venue incident' }] });
      const failure = await failureOf(handle.result());
      expect(failure.type).toBe('CanaryRolledBack');
      expect(failure.message).toBe(`canary of ${s.challenger}: aborted by ops-erin: venue incident`);
      // The canary has ended: Temporal refuses any further Update.
      await expect(control.executeUpdate(pauseUpdate, { args: [{ by: 'a', reason: 'b' }] })).rejects.toThrow(
        'workflow execution already completed',
      );
      expect((await getSlot(h.db, s.challengerSlot))?.applied).toMatchObject({
        capitalFraction: 0,
        riskState: 'halted',
      });
      expect((await modelHistory(h.db, s.name)).at(-1)).toMatchObject({
        versionId: s.challenger,
        to: 'retired',
        by: 'ops-erin',
        reason: 'venue incident',
      });
    });
  });
});

describe('canary approval between steps', () => {
  it('waits for approve {by, reason} before the next step; the decision is kept across Continue-As-New', async () => {
    const s = await setUp(h.db, 'gate');
    await withEngines(h.db, s, { [s.champion]: 1, [s.challenger]: 1 }, async () => {
      const workflowId = uniqueId('canary-gate');
      const handle = await h.client.workflow.start(canaryWorkflow, {
        args: [
          canaryInput(s, {
            steps: [0.5, 1],
            hold: '1s',
            checkEvery: '1s',
            approveBetweenSteps: true,
            approvers: ['ops-jo'],
          }),
        ],
        taskQueue: h.taskQueue,
        workflowId,
      });
      const control = h.client.workflow.getHandle(workflowId);
      const approve = (arg: { by: string; reason: string }) =>
        control.executeUpdate(approvePromotionUpdate, { args: [arg] });
      expect(await refusal(approve({ by: 'ops-jo', reason: 'early' }))).toBe(
        'approve: no decision is awaited now',
      );
      await statusWhen(workflowId, 'the gate', (x) => x.phase === 'waiting-approval');
      expect(await refusal(approve({ by: 'ops-kai', reason: 'ok' }))).toBe(
        'approve: "ops-kai" may not decide (approvers: ops-jo)',
      );
      expect(await approve({ by: 'ops-jo', reason: 'step 1 clean' })).toMatchObject({
        decision: 'approved',
        by: 'ops-jo',
        reason: 'step 1 clean',
      });
      const result = await handle.result();
      expect(result).toMatchObject({ outcome: 'completed', stepsCompleted: 2 });
      expect(result.decisions.map((d) => [d.decision, d.by, d.reason])).toEqual([
        ['approved', 'ops-jo', 'step 1 clean'],
      ]);
    });
  });
});

describe('promote and rollback', () => {
  it('manual promotion waits for approve {by, reason}; a rollback of it restores the previous champion', async () => {
    const s = await setUp(h.db, 'manual');
    await changeStatus(h.db, { versionId: s.challenger, to: 'challenger', by: 'test', reason: 'set up' });
    await withEngines(h.db, s, {}, async () => {
      const workflowId = uniqueId('promote-manual');
      const handle = await h.client.workflow.start(promoteWorkflow, {
        args: [
          {
            challenger: s.challenger,
            approval: 'manual',
            approvalTimeout: '5m',
            approvers: ['ops-frank'],
            championSlots: [s.championSlot],
          },
        ],
        taskQueue: h.taskQueue,
        workflowId,
      });
      const approve = (arg: unknown) =>
        handle.executeUpdate(approvePromotionUpdate, { args: [arg as { by: string; reason: string }] });
      expect(await refusal(approve({ by: 'ops-frank', reason: '' }))).toBe(
        'approve: "reason" is required (a non-empty string)',
      );
      expect(await refusal(approve({ by: 'ops-gus', reason: 'ok' }))).toBe(
        'approve: "ops-gus" may not decide (approvers: ops-frank)',
      );
      const decision = await eventually('approval accepted', () =>
        approve({ by: 'ops-frank', reason: 'evidence reviewed' }).catch(() => undefined),
      );
      expect(decision).toMatchObject({ decision: 'approved', by: 'ops-frank', reason: 'evidence reviewed' });
      const promoted = await handle.result();
      expect(promoted).toMatchObject({
        champion: s.challenger,
        retired: s.champion,
        approvedBy: 'ops-frank',
      });
      expect((await getSlot(h.db, s.championSlot))?.applied).toMatchObject({
        version: s.challenger,
        capitalFraction: 1,
      });

      const rolledBack = await h.client.workflow.execute(rollbackWorkflow, {
        args: [
          {
            challenger: s.challenger,
            challengerSlots: [s.challengerSlot],
            championSlots: [s.championSlot],
            applyTimeout: '20s',
            by: 'ops-frank',
            reason: 'post-promotion drawdown',
          },
        ],
        taskQueue: h.taskQueue,
        workflowId: uniqueId('rollback-promoted'),
      });
      expect(rolledBack).toMatchObject({
        rolledBack: s.challenger,
        champion: s.champion,
        restoredPrevious: true,
      });
      expect((await getModelVersion(h.db, s.champion))?.status).toBe('champion');
      expect((await getModelVersion(h.db, s.challenger))?.status).toBe('retired');
      expect((await getSlot(h.db, s.championSlot))?.applied).toMatchObject({
        version: s.champion,
        capitalFraction: 1,
      });
      expect((await getSlot(h.db, s.challengerSlot))?.applied).toMatchObject({
        version: s.challenger,
        riskState: 'halted',
      });
      const tail = (await modelHistory(h.db, s.name))
        .slice(-2)
        .map((r) => [r.versionId, r.from, r.to, r.by, r.reason]);
      expect(tail).toEqual([
        [
          s.challenger,
          'champion',
          'retired',
          'ops-frank',
          `replaced by ${s.champion}: post-promotion drawdown`,
        ],
        [s.champion, 'retired', 'champion', 'ops-frank', 'post-promotion drawdown'],
      ]);
    });
  });

  it('a rollback started with no slot named (Web UI, mmflow rollback) finds the affected slots', async () => {
    const s = await setUp(h.db, 'noslots');
    await changeStatus(h.db, { versionId: s.challenger, to: 'challenger', by: 'test', reason: 'set up' });
    // Mid-canary: the challenger pinned at 25 %, the champion follower at 75 %.
    await setDesired(
      h.db,
      s.challengerSlot,
      { model: s.challenger, capitalFraction: 0.25, riskState: 'active' },
      { by: 'test', reason: 'canary step' },
    );
    await setDesired(
      h.db,
      s.championSlot,
      { model: 'champion', capitalFraction: 0.75, riskState: 'active' },
      { by: 'test', reason: 'canary step' },
    );
    await withEngines(h.db, s, {}, async () => {
      const result = await h.client.workflow.execute(rollbackWorkflow, {
        args: [{ challenger: s.challenger, applyTimeout: '20s', by: 'ops-ida', reason: 'pager: drawdown' }],
        taskQueue: h.taskQueue,
        workflowId: uniqueId('rollback-noslots'),
      });
      expect(result).toMatchObject({
        rolledBack: s.challenger,
        champion: s.champion,
        restoredPrevious: false,
      });
      expect((await getSlot(h.db, s.challengerSlot))?.applied).toMatchObject({
        version: s.challenger,
        capitalFraction: 0,
        riskState: 'halted',
      });
      expect((await getSlot(h.db, s.championSlot))?.applied).toMatchObject({
        version: s.champion,
        capitalFraction: 1,
        riskState: 'active',
      });
      expect((await getModelVersion(h.db, s.challenger))?.status).toBe('retired');
      const last = (await modelHistory(h.db, s.name)).at(-1);
      expect(last).toMatchObject({
        versionId: s.challenger,
        to: 'retired',
        by: 'ops-ida',
        reason: 'pager: drawdown',
      });
    });
  });
});
