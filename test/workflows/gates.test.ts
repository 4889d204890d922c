/**
 * Human gates and operator Updates on a real Temporal server: an `approve` step approved, rejected and
 * timed out (each `onTimeout`), Update validators refusing bad requests (which then leave no trace in
 * history), and the `cancel` Update stopping a running pipeline.
 */
import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  approveUpdate,
  cancelUpdate,
  rejectUpdate,
  statusQuery,
} from '../../workflows/pipeline/definitions.ts';
import { pipelineWorkflow } from '../../workflows/pipeline.ts';
import { OUTCOME_KEY } from '../../workflows/search-attributes.ts';
import type { PlanStep } from '../../pipeline-dsl/plan-types.ts';
import {
  errorChain,
  pipelineOf,
  startHarness,
  statusWhen,
  step,
  uniqueId,
  waitStep,
  type Harness,
} from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('gates');
});
afterAll(async () => {
  await h?.close();
});

function gate(
  timeoutMs: number,
  onTimeout: 'approve' | 'reject' | 'fail',
  fields: Partial<PlanStep> = {},
): PlanStep {
  return step('sign-off', 'approve', {
    needs: ['prepare'],
    with: { message: 'Promote the candidate?', approvers: ['alice', 'bob'], timeoutMs, onTimeout },
    ...fields,
  });
}

/** prepare → sign-off (gate) → deploy. */
function gated(timeoutMs: number, onTimeout: 'approve' | 'reject' | 'fail') {
  return pipelineOf('gated', [
    waitStep('prepare', 0),
    gate(timeoutMs, onTimeout),
    waitStep('deploy', 0, { needs: ['sign-off'] }),
  ]);
}

async function startGated(
  timeoutMs: number,
  onTimeout: 'approve' | 'reject' | 'fail',
): Promise<WorkflowHandle<typeof pipelineWorkflow>> {
  return h.client.workflow.start(pipelineWorkflow, {
    args: [{ pipeline: gated(timeoutMs, onTimeout), params: {} }],
    taskQueue: h.taskQueue,
    workflowId: uniqueId('gated'),
  });
}

const waiting = (handle: WorkflowHandle) =>
  statusWhen(handle, 'the gate to wait', (s) => s.waitingGates.length > 0);

describe('approve gates', () => {
  it('waits for an approval, reports it in status, and records approver and reason', async () => {
    const handle = await startGated(600_000, 'fail');
    const status = await waiting(handle);
    expect(status.outcome).toBe('waiting-approval');
    expect(status.running).toEqual(['sign-off']);
    expect(status.completed).toEqual({ prepare: { waitedMs: 0 } });
    expect(status.waitingGates).toEqual([
      {
        stepId: 'sign-off',
        message: 'Promote the candidate?',
        deadlineMs: expect.any(Number),
        approvers: ['alice', 'bob'],
      },
    ]);
    const gateTiming = status.timings['sign-off'];
    expect(status.waitingGates[0]?.deadlineMs).toBe((gateTiming?.startedAtMs ?? 0) + 600_000);
    expect((await handle.describe()).typedSearchAttributes.get(OUTCOME_KEY)).toBe('waiting-approval');

    const decision = await handle.executeUpdate(approveUpdate, {
      args: [{ stepId: 'sign-off', approver: 'bob', reason: 'KPIs beat the champion' }],
    });
    expect(decision).toEqual({ decision: 'approved', approver: 'bob', reason: 'KPIs beat the champion' });
    const result = await handle.result();
    expect(result.outcome).toBe('completed');
    expect(result.steps.map((s) => [s.id, s.status])).toEqual([
      ['prepare', 'completed'],
      ['sign-off', 'completed'],
      ['deploy', 'completed'],
    ]);
    expect(result.steps[1]?.outputs).toEqual(decision);
  });

  it('refuses a second decision on a gate already decided', async () => {
    const pipeline = pipelineOf('decided', [
      gate(600_000, 'fail', { needs: [] }),
      waitStep('hold', 3_600_000, { needs: ['sign-off'] }),
    ]);
    const handle = await h.client.workflow.start(pipelineWorkflow, {
      args: [{ pipeline, params: {} }],
      taskQueue: h.taskQueue,
      workflowId: uniqueId('decided'),
    });
    await waiting(handle);
    await handle.executeUpdate(approveUpdate, {
      args: [{ stepId: 'sign-off', approver: 'alice', reason: 'go' }],
    });
    await statusWhen(handle, 'hold to run', (s) => s.running.includes('hold'));
    const err = await handle
      .executeUpdate(rejectUpdate, {
        args: [{ stepId: 'sign-off', approver: 'bob', reason: 'changed my mind' }],
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(errorChain(err)).toContain('gate "sign-off" is not waiting for a decision (already approved)');
    await handle.executeUpdate(cancelUpdate, { args: [{ by: 'test', reason: 'done' }] });
    expect((await handle.result()).steps[0]?.outputs).toEqual({
      decision: 'approved',
      approver: 'alice',
      reason: 'go',
    });
  });

  it('ends the pipeline as rejected when the gate is rejected; dependants do not run', async () => {
    const handle = await startGated(600_000, 'approve');
    await waiting(handle);
    await handle.executeUpdate(rejectUpdate, {
      args: [{ stepId: 'sign-off', approver: 'alice', reason: 'drawdown too deep' }],
    });
    const result = await handle.result();
    expect(result.outcome).toBe('rejected');
    expect(result.steps.map((s) => [s.id, s.status])).toEqual([
      ['prepare', 'completed'],
      ['sign-off', 'completed'],
      ['deploy', 'not-run'],
    ]);
    expect(result.steps[1]?.outputs).toEqual({
      decision: 'rejected',
      approver: 'alice',
      reason: 'drawdown too deep',
    });
    expect((await handle.describe()).typedSearchAttributes.get(OUTCOME_KEY)).toBe('rejected');
  });

  it('applies onTimeout at the deadline: approve, reject, or fail the pipeline', async () => {
    const approved = await startGated(1_500, 'approve');
    const rejected = await startGated(1_500, 'reject');
    const failed = await startGated(1_500, 'fail');

    const a = await approved.result();
    expect(a.outcome).toBe('completed');
    expect(a.steps[1]?.outputs).toEqual({
      decision: 'approved',
      approver: 'system:timeout',
      reason: 'no decision within 1500 ms (onTimeout: approve)',
    });
    const r = await rejected.result();
    expect(r.outcome).toBe('rejected');
    expect(r.steps[1]?.outputs).toMatchObject({ decision: 'rejected', approver: 'system:timeout' });
    expect(r.steps[2]?.status).toBe('not-run');

    const err = await failed.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(errorChain(err)).toContain('approval "sign-off": no decision within 1500 ms (onTimeout: fail)');
    const status = await failed.query(statusQuery);
    expect(status.outcome).toBe('failed');
    expect(status.failure?.stepId).toBe('sign-off');
    expect(status.completed['deploy']).toBeUndefined();
  });

  it('refuses invalid approvals in the validator, leaving no Update in history', async () => {
    const handle = await startGated(600_000, 'fail');
    await waiting(handle);
    const attempts: [unknown, string][] = [
      [{ stepId: 'sign-off', approver: 'alice', reason: '' }, '"reason" is required'],
      [{ stepId: 'sign-off', approver: 'alice' }, '"reason" is required'],
      [{ stepId: 'sign-off', approver: '  ', reason: 'ok' }, '"approver" is required'],
      [
        { stepId: 'sign-off', approver: 'mallory', reason: 'ok' },
        '"mallory" may not decide gate "sign-off" (approvers: alice, bob)',
      ],
      [
        { stepId: 'deploy', approver: 'alice', reason: 'ok' },
        'no approve step "deploy" (approve steps: sign-off)',
      ],
      [{ stepId: 'nope', approver: 'alice', reason: 'ok' }, 'no approve step "nope"'],
    ];
    for (const [arg, message] of attempts) {
      const err = await handle.executeUpdate('approve', { args: [arg] }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, JSON.stringify(arg)).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(errorChain(err)).toContain(message);
    }
    const rejectEarly = await handle
      .executeUpdate(rejectUpdate, { args: [{ stepId: 'prepare', approver: 'alice', reason: 'x' }] })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(errorChain(rejectEarly)).toContain('no approve step "prepare"');

    // Still waiting, and nothing of the refused requests reached the history.
    expect((await handle.query(statusQuery)).waitingGates).toHaveLength(1);
    const history = await handle.fetchHistory();
    expect(history.events?.some((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toBe(false);

    await handle.executeUpdate(approveUpdate, {
      args: [{ stepId: 'sign-off', approver: 'alice', reason: 'fine' }],
    });
    expect((await handle.result()).outcome).toBe('completed');
  });

  it('refuses a decision on a gate that has not opened yet', async () => {
    const pipeline = pipelineOf('gate-later', [waitStep('prepare', 600_000), gate(600_000, 'fail')]);
    const handle = await h.client.workflow.start(pipelineWorkflow, {
      args: [{ pipeline, params: {} }],
      taskQueue: h.taskQueue,
      workflowId: uniqueId('gate-later'),
    });
    await statusWhen(handle, 'prepare to run', (s) => s.running.includes('prepare'));
    const err = await handle
      .executeUpdate(approveUpdate, { args: [{ stepId: 'sign-off', approver: 'alice', reason: 'early' }] })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(errorChain(err)).toContain('gate "sign-off" is not waiting for a decision (pending)');
    await handle.executeUpdate(cancelUpdate, { args: [{ by: 'test', reason: 'done' }] });
    expect((await handle.result()).outcome).toBe('cancelled');
  });
});

describe('cancel', () => {
  it('stops the pipeline: running steps are cancelled, later steps never run, outcome cancelled', async () => {
    const pipeline = pipelineOf('to-cancel', [
      waitStep('long', 3_600_000),
      waitStep('also-long', 3_600_000),
      waitStep('after', 0, { needs: ['long'] }),
    ]);
    const handle = await h.client.workflow.start(pipelineWorkflow, {
      args: [{ pipeline, params: {} }],
      taskQueue: h.taskQueue,
      workflowId: uniqueId('to-cancel'),
    });
    await statusWhen(handle, 'both waits to run', (s) => s.running.length === 2);

    const bad = await handle.executeUpdate('cancel', { args: [{ by: 'ops' }] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(errorChain(bad)).toContain('cancel: "reason" is required');

    const accepted = await handle.executeUpdate(cancelUpdate, {
      args: [{ by: 'ops', reason: 'maintenance window' }],
    });
    expect(accepted).toEqual({ cancelling: ['long', 'also-long'] });
    const result = await handle.result();
    expect(result.outcome).toBe('cancelled');
    expect(result.cancelledBy).toEqual({ by: 'ops', reason: 'maintenance window' });
    expect(result.steps.map((s) => s.status)).toEqual(['not-run', 'not-run', 'not-run']);
    const history = await handle.fetchHistory();
    expect(history.events?.filter((e) => e.timerCanceledEventAttributes)).toHaveLength(2);
    expect((await handle.describe()).typedSearchAttributes.get(OUTCOME_KEY)).toBe('cancelled');

    const late = await handle.executeUpdate(cancelUpdate, { args: [{ by: 'ops', reason: 'again' }] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(late).toBeDefined();
  });

  it('ends as cancelled when the workflow itself is cancelled through Temporal', async () => {
    const pipeline = pipelineOf('temporal-cancel', [waitStep('long', 3_600_000)]);
    const handle = await h.client.workflow.start(pipelineWorkflow, {
      args: [{ pipeline, params: {} }],
      taskQueue: h.taskQueue,
      workflowId: uniqueId('temporal-cancel'),
    });
    await statusWhen(handle, 'the wait to run', (s) => s.running.length === 1);
    await handle.cancel();
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const description = await handle.describe();
    expect(description.status.name).toBe('CANCELLED');
    expect(description.typedSearchAttributes.get(OUTCOME_KEY)).toBe('cancelled');
  });
});
