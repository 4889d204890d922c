/**
 * The audit trail read from real workflow history: a gated pipeline approved by a named approver shows
 * what ran (steps, timers), who approved, when and why; all three output formats carry it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAuditTrail } from '../../app/audit.ts';
import { renderAudit } from '../../cli/audit.ts';
import { approveUpdate } from '../../workflows/pipeline/definitions.ts';
import { pipelineWorkflow } from '../../workflows/pipeline.ts';
import {
  pipelineOf,
  startHarness,
  statusWhen,
  step,
  uniqueId,
  waitStep,
  type Harness,
} from '../workflows/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('audit');
});
afterAll(async () => {
  await h?.close();
});

describe('mmflow audit', () => {
  it('reports what ran, who approved it, when and why', async () => {
    const pipeline = pipelineOf('audited', [
      waitStep('prepare', 10),
      step('signoff', 'approve', {
        needs: ['prepare'],
        with: { message: 'Promote?', approvers: ['alice'], timeoutMs: 600_000, onTimeout: 'fail' },
      }),
      waitStep('deploy', 0, { needs: ['signoff'] }),
    ]);
    const workflowId = uniqueId('audited');
    const handle = await h.client.workflow.start(pipelineWorkflow, {
      args: [{ pipeline, params: {} }],
      taskQueue: h.taskQueue,
      workflowId,
    });
    await statusWhen(handle, 'the gate to wait', (s) => s.waitingGates.length > 0);
    await handle.executeUpdate(approveUpdate, {
      args: [{ stepId: 'signoff', approver: 'alice', reason: 'KPIs within limits' }],
    });
    await handle.result();

    const trail = await readAuditTrail(h.client, workflowId);
    const started = trail.find((e) => e.event === 'workflow-started');
    expect(started?.name).toBe('pipelineWorkflow');
    expect(JSON.stringify(started?.data)).toContain('"name":"audited"');

    const approval = trail.find((e) => e.event === 'update-accepted' && e.name === 'approve');
    expect(approval).toMatchObject({ actor: 'alice', reason: 'KPIs within limits', workflowId });
    expect(trail.some((e) => e.event === 'update-completed' && e.name === 'approve')).toBe(true);
    expect(trail.filter((e) => e.event === 'timer-started').length).toBeGreaterThanOrEqual(1);
    expect(trail.at(-1)?.event).toBe('workflow-completed');
    // Oldest first.
    expect(trail.map((e) => e.timeMs)).toEqual([...trail.map((e) => e.timeMs)].sort((a, b) => a - b));

    const json = JSON.parse(renderAudit(trail, 'json')) as unknown[];
    expect(json).toHaveLength(trail.length);
    const markdown = renderAudit(trail, 'markdown').split('\n');
    expect(markdown[0]).toBe('| time (UTC) | workflow | event | name | who | why | input / result |');
    expect(
      markdown.some((line) => line.includes('| update-accepted | approve | alice | KPIs within limits |')),
    ).toBe(true);
    expect(renderAudit(trail, 'table')).toContain('alice');
  });

  it('fails clearly for an unknown workflow id', async () => {
    await expect(readAuditTrail(h.client, 'no-such-workflow-id')).rejects.toThrow(
      /no-such-workflow-id|not found/i,
    );
  });
});
