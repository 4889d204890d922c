/**
 * The pipeline interpreter on a real Temporal server, with hand-built compiled pipelines of `wait`
 * steps (durable timers): DAG order and parallelism, the concurrency limit, `when`, `forEach`,
 * parameters, the status query, and Continue-As-New. Timings come from the status query (workflow
 * time, recorded when a run takes and gives back its slot), never from sleeps in the test.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusQuery, type RunTiming } from '../../workflows/pipeline/definitions.ts';
import { pipelineWorkflow } from '../../workflows/pipeline.ts';
import { OUTCOME_KEY, PIPELINE_KEY, STEP_KEY } from '../../workflows/search-attributes.ts';
import type { PipelineInput } from '../../workflows/types.ts';
import { errorChain, pipelineOf, startHarness, step, uniqueId, waitStep, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('interpreter');
});
afterAll(async () => {
  await h?.close();
});

async function run(input: PipelineInput, name: string) {
  const workflowId = uniqueId(name);
  const handle = await h.client.workflow.start(pipelineWorkflow, {
    args: [input],
    taskQueue: h.taskQueue,
    workflowId,
  });
  const result = await handle.result();
  const status = await handle.query(statusQuery);
  return { handle, result, status, workflowId };
}

function timing(timings: { readonly [key: string]: RunTiming }, key: string): { start: number; end: number } {
  const t = timings[key];
  if (t === undefined || t.endedAtMs === null) throw new Error(`no finished run ${key}`);
  return { start: t.startedAtMs, end: t.endedAtMs };
}

/** Largest number of runs holding a slot at the same instant. */
function maxOverlap(timings: { readonly [key: string]: RunTiming }): number {
  const edges = Object.keys(timings).flatMap((k) => {
    const t = timing(timings, k);
    return [
      { at: t.start, d: 1 },
      { at: t.end, d: -1 },
    ];
  });
  edges.sort((a, b) => a.at - b.at || a.d - b.d); // an end at the same instant frees the slot first
  let now = 0;
  let max = 0;
  for (const e of edges) {
    now += e.d;
    max = Math.max(max, now);
  }
  return max;
}

describe('pipeline interpreter', () => {
  it('runs independent steps in parallel and dependants after their needs', async () => {
    const pipeline = pipelineOf('dag', [
      waitStep('a', 1_000),
      waitStep('b', 1_500),
      waitStep('c', 0, { needs: ['a', 'b'] }),
      waitStep('d', 200, { needs: ['a'] }),
      waitStep('e', 0, { needs: ['c', 'd'] }),
    ]);
    const { result, status, handle } = await run({ pipeline, params: {} }, 'dag');

    expect(result.outcome).toBe('completed');
    expect(result.steps.map((s) => [s.id, s.status])).toEqual([
      ['a', 'completed'],
      ['b', 'completed'],
      ['c', 'completed'],
      ['d', 'completed'],
      ['e', 'completed'],
    ]);
    const [a, b, c, d, e] = ['a', 'b', 'c', 'd', 'e'].map((k) => timing(status.timings, k));
    if (!a || !b || !c || !d || !e) throw new Error('missing timings');
    expect(a.start).toBe(b.start); // started in the same workflow task
    expect(a.end - a.start).toBeGreaterThanOrEqual(1_000);
    expect(b.end - b.start).toBeGreaterThanOrEqual(1_500);
    expect(c.start).toBeGreaterThanOrEqual(Math.max(a.end, b.end));
    expect(d.start).toBeGreaterThanOrEqual(a.end);
    expect(d.start).toBeLessThan(b.end); // d needs only a: it runs while b still waits
    expect(e.start).toBeGreaterThanOrEqual(Math.max(c.end, d.end));
    expect(status.completed['a']).toEqual({ waitedMs: 1_000 });
    expect(status.outcome).toBe('completed');
    expect(status.running).toEqual([]);

    const description = await handle.describe();
    expect(description.typedSearchAttributes.get(PIPELINE_KEY)).toBe('dag');
    expect(description.typedSearchAttributes.get(OUTCOME_KEY)).toBe('completed');
    expect(description.typedSearchAttributes.get(STEP_KEY)).toBe('e');
    expect(description.memo).toMatchObject({
      pipeline: 'dag',
      contentHash: 'hash-of-dag',
      pipelineFile: 'test/dag.yaml',
    });
  });

  it('never lets more than `concurrency` steps run at once', async () => {
    const steps = ['s1', 's2', 's3', 's4', 's5'].map((id) => waitStep(id, 400));
    const { result, status } = await run(
      { pipeline: pipelineOf('limit', steps, { concurrency: 2 }), params: {} },
      'limit',
    );

    expect(result.outcome).toBe('completed');
    expect(maxOverlap(status.timings)).toBe(2);
    // Plan order among ready steps: s1, s2 first; s5 last, alone.
    const s5 = timing(status.timings, 's5');
    const s1 = timing(status.timings, 's1');
    expect(s5.start).toBeGreaterThanOrEqual(s1.end + 400);
  });

  it('skips a step whose `when` is false; its dependants still run, a true `when` runs', async () => {
    const pipeline = pipelineOf(
      'when',
      [
        waitStep('first', 0),
        waitStep('only-if-deep', 0, {
          needs: ['first'],
          when: 'params.deep && steps.first.outputs.waitedMs == 0',
        }),
        waitStep('only-if-shallow', 0, { needs: ['first'], when: '!params.deep' }),
        waitStep('after', 0, { needs: ['only-if-deep', 'only-if-shallow'] }),
      ],
      { params: { deep: { type: 'boolean', default: false } } },
    );
    const shallow = await run({ pipeline, params: {} }, 'when-false');
    expect(shallow.result.steps.map((s) => [s.id, s.status])).toEqual([
      ['first', 'completed'],
      ['only-if-deep', 'skipped'],
      ['only-if-shallow', 'completed'],
      ['after', 'completed'],
    ]);
    expect(shallow.status.skipped).toEqual(['only-if-deep']);
    expect(shallow.result.steps[1]?.outputs).toBeNull();

    const deep = await run({ pipeline, params: { deep: true } }, 'when-true');
    expect(deep.result.params).toEqual({ deep: true });
    expect(deep.result.steps.map((s) => s.status)).toEqual([
      'completed',
      'completed',
      'skipped',
      'completed',
    ]);
  });

  it('fails naming the skipped step when a later step refers to its outputs', async () => {
    const pipeline = pipelineOf('skipped-ref', [
      waitStep('never', 0, { when: 'false' }),
      waitStep('uses-it', 0, {
        needs: ['never'],
        with: { durationMs: '${{ steps.never.outputs.waitedMs }}' },
      }),
    ]);
    const handle = await h.client.workflow.start(pipelineWorkflow, {
      args: [{ pipeline, params: {} }],
      taskQueue: h.taskQueue,
      workflowId: uniqueId('skipped-ref'),
    });
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(errorChain(err)).toContain('step "never" was skipped');
    expect(errorChain(err)).toContain('"with" of step "uses-it"');
    const status = await handle.query(statusQuery);
    expect(status.outcome).toBe('failed');
    expect(status.failure?.stepId).toBe('uses-it');
  });

  it('fans out `forEach` items, one run each, within the concurrency limit', async () => {
    const pipeline = pipelineOf(
      'fanout',
      [
        waitStep('each', 0, { forEach: 'params.delays', with: { durationMs: '${{ item }}' } }),
        waitStep('sum', 0, {
          needs: ['each'],
          with: {
            durationMs: '${{ steps.each.outputs.items[0].waitedMs + steps.each.outputs.items[2].waitedMs }}',
          },
        }),
      ],
      { concurrency: 2, params: { delays: { type: 'number[]', default: [300, 100, 200] } } },
    );
    const { result, status } = await run({ pipeline, params: {} }, 'fanout');

    const each = result.steps[0];
    expect(each?.outputs).toEqual({
      count: 3,
      items: [{ waitedMs: 300 }, { waitedMs: 100 }, { waitedMs: 200 }],
    });
    expect(each?.inputs).toEqual([{ durationMs: 300 }, { durationMs: 100 }, { durationMs: 200 }]);
    expect(result.steps[1]?.outputs).toEqual({ waitedMs: 500 });
    expect(Object.keys(status.timings).sort()).toEqual(['each.0', 'each.1', 'each.2', 'sum']);
    expect(maxOverlap(status.timings)).toBe(2);
    // Item 2 takes the slot item 1 gives back (item 1 ends first).
    expect(timing(status.timings, 'each.2').start).toBe(timing(status.timings, 'each.1').end);
  });

  it('fails non-retryably naming a bad or missing parameter', async () => {
    const pipeline = pipelineOf('params', [step('w', 'wait', { with: { durationMs: '${{ params.ms }}' } })], {
      params: { ms: { type: 'integer' }, label: { type: 'string', default: 'x' } },
    });
    for (const [given, expected] of [
      [{}, 'parameter "ms" is required'],
      [{ ms: 1.5 }, 'parameter "ms" must be integer, got 1.5'],
      [{ ms: 1, colour: 'red' }, 'unknown parameter "colour"'],
    ] as const) {
      const handle = await h.client.workflow.start(pipelineWorkflow, {
        args: [{ pipeline, params: given }],
        taskQueue: h.taskQueue,
        workflowId: uniqueId('bad-param'),
      });
      const err = await handle.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect(errorChain(err)).toContain(expected);
    }
  });

  it('continues as new between steps when the history grows, carrying completed outputs', async () => {
    const steps = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6'].map((id, i, all) =>
      waitStep(id, 10, i === 0 ? {} : { needs: [all[i - 1] ?? ''] }),
    );
    const { result, status } = await run(
      { pipeline: pipelineOf('can', steps), params: {}, historyLengthLimit: 12 },
      'can',
    );
    expect(result.outcome).toBe('completed');
    expect(result.continuedAsNew).toBeGreaterThanOrEqual(2);
    expect(result.steps.map((s) => s.status)).toEqual(Array(6).fill('completed'));
    expect(Object.keys(status.completed)).toEqual(['w1', 'w2', 'w3', 'w4', 'w5', 'w6']);
    // The last run only ran what was left.
    expect(Object.keys(status.timings).length).toBeLessThan(6);
  });
});
