/**
 * `mmflow rollback` and `mmflow promote` as a user runs them, against this run's Temporal server: each
 * starts its workflow type with the documented id and input on a task queue no worker polls (the
 * workflows themselves are tested in test/workflows), then the test terminates it. Bad options are
 * refused with exit code 2 before anything starts.
 */
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promoteStepInputSchema, rollbackStepInputSchema } from '../../pipeline-dsl/promotion-steps.ts';
import { testServices } from '../setup/services.ts';
import { runCli } from './run-cli.ts';

let connection: Connection;
let client: Client;
const taskQueue = `test-promotion-cli-${process.pid}-${Date.now()}`;

const env = (): NodeJS.ProcessEnv => {
  const s = testServices();
  return { ...process.env, TEMPORAL_ADDRESS: s.temporalAddress, TEMPORAL_NAMESPACE: s.namespace };
};

beforeAll(async () => {
  const s = testServices();
  connection = await Connection.connect({ address: s.temporalAddress });
  client = new Client({ connection, namespace: s.namespace });
});
afterAll(async () => {
  await connection?.close();
});

/** Type and input of a started workflow, read from its first history event; then terminated. */
async function startedAndTerminate(
  workflowId: string,
): Promise<{ type: string; queue: string; input: unknown }> {
  const handle = client.workflow.getHandle(workflowId);
  const history = await handle.fetchHistory();
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  await handle.terminate('test: started by the CLI test, no worker');
  const payload = started?.input?.payloads?.[0];
  return {
    type: started?.workflowType?.name ?? '',
    queue: started?.taskQueue?.name ?? '',
    input: payload === undefined ? undefined : defaultPayloadConverter.fromPayload(payload),
  };
}

describe('mmflow rollback / promote', () => {
  it('rollback starts rollbackWorkflow with the version, slots, who and why', async () => {
    const before = Date.now();
    const run = await runCli(
      [
        'rollback',
        '--model',
        'as-v1.5-btcusdt-usdm@2',
        '--by',
        'alice',
        '--reason',
        'drawdown',
        '--challenger-slots',
        'paper-b',
        '--champion-slots',
        'paper-a',
        '--task-queue',
        taskQueue,
      ],
      env(),
    );
    expect(run.code).toBe(0);
    const out = run.lastJson as { workflowId: string; runId: string; workflowType: string };
    expect(out.workflowType).toBe('rollbackWorkflow');
    const ms = Number(/^rollback-as-v1\.5-btcusdt-usdm@2-(\d+)$/.exec(out.workflowId)?.[1]);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(Date.now());
    const started = await startedAndTerminate(out.workflowId);
    expect(started).toEqual({
      type: 'rollbackWorkflow',
      queue: taskQueue,
      input: {
        challenger: 'as-v1.5-btcusdt-usdm@2',
        challengerSlots: ['paper-b'],
        championSlots: ['paper-a'],
        by: 'alice',
        reason: 'drawdown',
      },
    });
    // The workflow accepts what the command sends (its own input schema).
    expect(rollbackStepInputSchema.parse(started.input)).toMatchObject({
      challenger: 'as-v1.5-btcusdt-usdm@2',
      challengerSlots: ['paper-b'],
      championSlots: ['paper-a'],
      applyTimeoutMs: 60_000,
    });
  });

  it('promote starts promoteWorkflow with the approval given', async () => {
    const run = await runCli(
      ['promote', '--model', 'as-v1@3', '--by', 'bob', '--reason', 'canary ok', '--task-queue', taskQueue],
      env(),
    );
    expect(run.code).toBe(0);
    const out = run.lastJson as { workflowId: string };
    expect(out.workflowId).toMatch(/^promote-as-v1@3-\d+$/);
    const started = await startedAndTerminate(out.workflowId);
    expect(started).toEqual({
      type: 'promoteWorkflow',
      queue: taskQueue,
      input: { challenger: 'as-v1@3', by: 'bob', reason: 'canary ok', approval: 'given' },
    });
    // The workflow accepts what the command sends (its own input schema).
    expect(promoteStepInputSchema.parse(started.input)).toMatchObject({
      challenger: 'as-v1@3',
      approval: 'given',
      by: 'bob',
    });
  });

  it('refuses bad options with exit code 2, naming the option, before starting anything', async () => {
    const promote = await runCli(['promote', '--model', 'as-v1', '--by', 'bob', '--reason', ' '], env());
    expect(promote.code).toBe(2);
    expect(promote.stdout).toBe('');
    expect(promote.stderr).toContain('mmflow promote: --model: a version id NAME@N');
    expect(promote.stderr).toContain('mmflow promote: --reason: must not be empty');
    const rollback = await runCli(
      ['rollback', '--model', 'm', '--by', 'a', '--reason', 'b', '--challenger-slots', 'ok,bad slot'],
      env(),
    );
    expect(rollback.code).toBe(2);
    expect(rollback.stderr).toContain('mmflow rollback: --model: a version id NAME@N');
    expect(rollback.stderr).toContain('mmflow rollback: --challenger-slots[1]: letters, digits');
  });
});
