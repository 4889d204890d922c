/**
 * The A/B test workflow and pipelines/promote.yaml on the real Temporal server and PostgreSQL, with the
 * real activities and the engines played by the test (./promotion-engines.ts): the parallel design
 * decides for the better challenger; the switchback design alternates one slot in the seeded order;
 * a guardrail breach rolls back at once; the promote pipeline runs A/B → approve → canary → promote.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { repoRoot } from '../../app/paths.ts';
import { switchbackPlan } from '../../core/promotion/switchback.ts';
import { getSlot } from '../../db/repositories/deployments.ts';
import { listEvidence } from '../../db/repositories/model-evidence.ts';
import { modelHistory } from '../../db/repositories/model-history.ts';
import { getModelVersion } from '../../db/repositories/models.ts';
import { loadPipelineFile } from '../../pipeline-dsl/load.ts';
import { approveUpdate } from '../../workflows/pipeline/definitions.ts';
import { pipelineWorkflow } from '../../workflows/pipeline.ts';
import { abTestWorkflow } from '../../workflows/promotion/ab-test.ts';
import { startHarness, statusWhen as pipelineStatusWhen, uniqueId, type Harness } from './harness.ts';
import { failureOf, setUp, withEngines } from './promotion-fixtures.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('promotion-ab');
});
afterAll(async () => {
  await h.close();
});

describe('A/B test', () => {
  it('parallel design: per-interval series of both arms, the declared test decides for the better challenger', async () => {
    const s = await setUp(h.db, 'ab');
    await withEngines(h.db, s, { [s.champion]: 1, [s.challenger]: 3 }, async () => {
      const result = await h.client.workflow.execute(abTestWorkflow, {
        args: [
          {
            challenger: s.challenger,
            challengerSlot: s.challengerSlot,
            championSlot: s.championSlot,
            interval: '1s',
            intervals: 3,
            guardrails: { maxDrawdownQuote: 1 },
            comparison: { test: 'welch', minIntervals: 3, marginQuote: 0 },
            applyTimeout: '20s',
            by: 'ops-hal',
            reason: 'paper A/B',
          },
        ],
        taskQueue: h.taskQueue,
        workflowId: uniqueId('ab-parallel'),
      });
      expect(result.outcome).toBe('passed');
      expect(result.netPnl.challenger).toHaveLength(3);
      expect(result.netPnl.champion).toHaveLength(3);
      // Rates 3 and 1 quote/s over ≈1 s intervals: every difference about +2.
      for (const [i, c] of result.netPnl.challenger.entries())
        expect(c - (result.netPnl.champion[i] ?? 0)).toBeGreaterThan(1);
      expect(result.decision).toMatchObject({ decision: 'challenger-better', n: 3, passed: true });
      expect(result.decision?.lower).toBeGreaterThan(0);
      const evidence = (await listEvidence(h.db, s.challenger)).filter((e) => e.kind === 'ab-test');
      expect(evidence.map((e) => e.id)).toEqual([result.decision?.evidenceId]);
      expect((await getModelVersion(h.db, s.challenger))?.status).toBe('challenger');
    });
  });
});

describe('A/B test: switchback and guardrails', () => {
  it('switchback design: one slot alternates the arms in the seeded order, then returns to the champion', async () => {
    const s = await setUp(h.db, 'switchback');
    await withEngines(h.db, s, { [s.champion]: 1, [s.challenger]: 3 }, async (engines) => {
      const result = await h.client.workflow.execute(abTestWorkflow, {
        args: [
          {
            challenger: s.challenger,
            design: 'switchback',
            slot: s.championSlot,
            pairs: 2,
            interval: '2s',
            washout: '500ms',
            seed: 7,
            comparison: { test: 'bootstrap', minIntervals: 2, seed: 1 },
            applyTimeout: '20s',
            by: 'ops-kim',
            reason: 'switchback on one market',
          },
        ],
        taskQueue: h.taskQueue,
        workflowId: uniqueId('ab-switchback'),
      });
      const plan = switchbackPlan({ pairs: 2, intervalMs: 2_000, washoutMs: 500, seed: 7 });
      const arm = (a: string) => (a === 'challenger' ? s.challenger : s.champion);
      // Applied versions: the plan's arms in order, then the champion again (consecutive equal arms
      // need no new revision, so compare without repeats).
      const expected = [s.champion, ...plan.intervals.map((iv) => arm(iv.arm)), s.champion].filter(
        (v, i, all) => i === 0 || v !== all[i - 1],
      );
      expect((engines.applies.get(s.championSlot) ?? []).map(([, v]) => v)).toEqual(expected);
      expect(result.outcome).toBe('passed');
      // 1.5 s measured per interval: challenger ≈ 4.5, champion ≈ 1.5 per pair.
      expect(result.decision).toMatchObject({ decision: 'challenger-better', n: 2, passed: true });
      expect(result.decision?.lower).toBeGreaterThan(1);
      expect((await getSlot(h.db, s.championSlot))?.applied).toMatchObject({
        version: s.champion,
        capitalFraction: 1,
      });
    });
  });

  it('a challenger guardrail breach rolls back at once and fails the test (AbTestRejected)', async () => {
    const s = await setUp(h.db, 'ab-breach');
    await withEngines(h.db, s, { [s.champion]: 1, [s.challenger]: -50 }, async () => {
      const workflowId = uniqueId('ab-breach');
      const failure = await failureOf(
        h.client.workflow.execute(abTestWorkflow, {
          args: [
            {
              challenger: s.challenger,
              challengerSlot: s.challengerSlot,
              championSlot: s.championSlot,
              interval: '1s',
              intervals: 5,
              guardrails: { maxDrawdownQuote: 1 },
              applyTimeout: '20s',
              by: 'ops-lee',
              reason: 'paper A/B',
            },
          ],
          taskQueue: h.taskQueue,
          workflowId,
        }),
      );
      expect(failure.type).toBe('AbTestRejected');
      expect(failure.message).toMatch(
        new RegExp(`^ab-test of ${s.challenger} against ${s.champion}: rolled-back`),
      );
      expect((await getSlot(h.db, s.challengerSlot))?.applied).toMatchObject({
        capitalFraction: 0,
        riskState: 'halted',
      });
      expect((await getModelVersion(h.db, s.challenger))?.status).toBe('retired');
      const rollback = (await listEvidence(h.db, s.challenger)).filter((e) => e.kind === 'rollback');
      expect(rollback.map((e) => e.by)).toEqual(['system:ab-test']);
      expect(String((await modelHistory(h.db, s.name)).at(-1)?.reason)).toMatch(
        /^guardrail breach in interval 1: maxDrawdownQuote /,
      );
    });
  });
});

describe('pipelines/promote.yaml', () => {
  it('runs A/B → approve → canary → promote as child workflows (holdout gate left out: it backtests)', async () => {
    const s = await setUp(h.db, 'pipeline');
    const compiled = await loadPipelineFile(join(repoRoot, 'pipelines/promote.yaml'));
    const pipeline = {
      ...compiled,
      steps: compiled.steps
        .filter((x) => x.id !== 'holdout')
        .map((x) => (x.id === 'ab' ? { ...x, needs: [] } : x)),
    };
    await withEngines(h.db, s, { [s.champion]: 1, [s.challenger]: 2 }, async () => {
      const workflowId = uniqueId('pipeline-promote');
      const handle = await h.client.workflow.start(pipelineWorkflow, {
        args: [
          {
            pipeline,
            params: {
              candidate: s.challenger,
              championSlot: s.championSlot,
              challengerSlot: s.challengerSlot,
              abIntervals: 3,
              abInterval: '1s',
              canaryHold: '1s',
              canaryCheckEvery: '1s',
              breachWindow: '2s',
            },
          },
        ],
        taskQueue: h.taskQueue,
        workflowId,
      });
      // A failed step ends the run: race the gate with the result so a failure shows its cause.
      await Promise.race([
        pipelineStatusWhen(handle, 'the approve gate', (x) => x.waitingGates.length > 0, 60_000),
        handle.result().then((r) => {
          throw new Error(`the pipeline ended before its gate: ${JSON.stringify(r)}`);
        }),
      ]);
      await handle.executeUpdate(approveUpdate, {
        args: [{ stepId: 'approve', approver: 'ops-ivy', reason: 'A/B evidence reviewed' }],
      });
      const result = await handle.result();
      expect(result.outcome).toBe('completed');
      const outputs = Object.fromEntries(result.steps.map((x) => [x.id, x.outputs]));
      expect(outputs['ab']).toMatchObject({ outcome: 'passed', decision: 'challenger-better', intervals: 3 });
      expect(outputs['canary']).toEqual({ outcome: 'completed', stepsCompleted: 5, fraction: 1 });
      expect(outputs['promote']).toEqual({
        champion: s.challenger,
        retired: s.champion,
        approvedBy: 'ops-ivy',
        reason: 'canary completed at full capital; approved after the A/B test',
      });
      expect(result.steps.map((x) => [x.id, x.workflowIds])).toEqual([
        ['ab', [`${workflowId}.ab`]],
        ['approve', []],
        ['canary', [`${workflowId}.canary`]],
        ['promote', [`${workflowId}.promote`]],
      ]);
      expect((await getSlot(h.db, s.championSlot))?.applied).toMatchObject({
        version: s.challenger,
        capitalFraction: 1,
      });
      const kinds = (await listEvidence(h.db, s.challenger)).map((e) => e.kind);
      expect(kinds).toEqual([
        'ab-test',
        'canary-step',
        'canary-step',
        'canary-step',
        'canary-step',
        'canary-step',
        'promotion',
      ]);
      const history = (await modelHistory(h.db, s.name)).map((r) => [r.versionId, r.to, r.by]);
      expect(history).toEqual([
        [s.champion, 'champion', 'test'],
        [s.challenger, 'challenger', 'pipeline:promote'],
        [s.champion, 'retired', 'ops-ivy'],
        [s.challenger, 'champion', 'ops-ivy'],
      ]);
    });
  });
});
