/**
 * Replays the recorded histories in test/fixtures/histories (real runs of the shipped pipelines with
 * their child workflows, and of every interpreter feature; regenerate with
 * `npx tsx test/workflows/record-histories.ts`) against the current workflow code with
 * `Worker.runReplayHistories`, so a change that would break running workflows (a nondeterministic
 * change not guarded by `patched()`) fails CI. The shipped pipelines are listed from pipelines/*.yaml,
 * so a new one without a recorded history fails here. Needs no server.
 */
import {
  bundleWorkflowCode,
  DefaultLogger,
  Runtime,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { repoRoot, workflowsPath } from '../../app/paths.ts';
import * as registered from '../../workflows/index.ts';
import { readFixtures, shippedPipelines, type RecordedExecution } from './history-fixtures.ts';

const ignore = (): void => undefined;
const quiet = { log: ignore, trace: ignore, debug: ignore, info: ignore, warn: ignore, error: ignore };

// Read at collection time: one test per shipped pipeline and per fixture file.
const shipped = await shippedPipelines();
const fixtures = await readFixtures();
let current: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  if (Runtime._instance === undefined) Runtime.install({ logger: new DefaultLogger('ERROR') });
  current = await bundleWorkflowCode({ workflowsPath, logger: quiet });
});

/** Replays `executions`; a failure reads `<workflowId>: <error name>: <message>`. */
async function replay(bundle: WorkflowBundleWithSourceMap, executions: readonly RecordedExecution[]) {
  const failures: string[] = [];
  let replayed = 0;
  const histories = executions.map((e) => ({ workflowId: e.workflowId, history: e.history }));
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, histories)) {
    replayed += 1;
    if (result.error !== undefined)
      failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message}`);
  }
  return { replayed, failures };
}

const firstPayload = (e: RecordedExecution) => {
  const payload = e.history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  if (payload?.data == null) throw new Error(`${e.workflowId}: no start input`);
  return payload;
};

/** The JSON start input of an execution (the default data converter's `json/plain` payload). */
const startInput = (e: RecordedExecution): unknown =>
  JSON.parse(new TextDecoder().decode(firstPayload(e).data ?? undefined));

/** Which pipeline a recorded `pipelineWorkflow` run was started with: its file or its name. */
const pipelineStart = z.union([
  z.object({ file: z.string() }).transform((s) => s.file),
  z.object({ pipeline: z.object({ name: z.string() }) }).transform((s) => s.pipeline.name),
]);

const childIds = (e: RecordedExecution): string[] =>
  (e.history.events ?? []).flatMap((ev) => {
    const id = ev.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
    return typeof id === 'string' ? [id] : [];
  });

const completed = (e: RecordedExecution): boolean =>
  (e.history.events ?? []).some((ev) => ev.workflowExecutionCompletedEventAttributes != null);

describe('recorded workflow histories', () => {
  it('lists the shipped pipelines from pipelines/*.yaml', () => {
    expect(shipped.map((p) => p.name)).toEqual(expect.arrayContaining(['demo', 'retrain-weekly']));
  });

  it.each(shipped)('has a completed run of shipped pipeline $name ($file)', ({ name, file }) => {
    const executions = fixtures.get(name);
    if (executions === undefined)
      throw new Error(
        `shipped pipeline "${name}" (${file}) has no recorded history test/fixtures/histories/${name}.json: ` +
          `record one with \`npx tsx test/workflows/record-histories.ts ${name}\` and commit it`,
      );
    const runs = executions.filter((e) => {
      if (e.workflowType !== 'pipelineWorkflow') return false;
      const started = pipelineStart.safeParse(startInput(e));
      return started.success && (started.data === name || started.data === file);
    });
    expect(runs.length, `${name}.json: runs of pipelineWorkflow started with ${file}`).toBeGreaterThan(0);
    expect(runs.some(completed), `${name}.json: a completed run`).toBe(true);
  });

  it('has a history of every workflow type the worker registers', () => {
    const types = Object.entries(registered)
      .filter(([, v]) => typeof v === 'function')
      .map(([k]) => k);
    expect(types).toEqual(expect.arrayContaining(['pipelineWorkflow', 'studyWorkflow']));
    const recorded = new Set([...fixtures.values()].flat().map((e) => e.workflowType));
    expect(types.filter((t) => !recorded.has(t))).toEqual([]);
  });

  it.each([...fixtures.keys()])('%s.json holds the history of every child workflow it started', (name) => {
    const executions = fixtures.get(name) ?? [];
    const ids = new Set(executions.map((e) => e.workflowId));
    expect(executions.flatMap(childIds).filter((id) => !ids.has(id))).toEqual([]);
  });

  it('keeps the pinned histories of older interpreters and the feature recordings', () => {
    expect([...fixtures.keys()]).toEqual(
      expect.arrayContaining(['features', 'features-before-wait-zero-patch']),
    );
  });
});

describe('replay against the current workflow code', () => {
  it.each([...fixtures.keys()])('replays every execution of %s.json', async (name) => {
    const executions = fixtures.get(name) ?? [];
    const { replayed, failures } = await replay(current, executions);
    expect(failures).toEqual([]);
    expect(replayed).toBe(executions.length);
  });
});

/** An edited copy of one recorded execution, as code whose commands differ would have recorded it. */
interface Edit {
  readonly what: string;
  readonly fixture: string;
  readonly workflowType: string;
  readonly edit: (e: RecordedExecution) => void;
}

const EDITS: readonly Edit[] = [
  {
    what: 'a study whose trials call another activity',
    fixture: 'retrain-weekly',
    workflowType: 'studyWorkflow',
    edit: (e) => {
      const ev = e.history.events?.find(
        (x) => x.activityTaskScheduledEventAttributes?.activityType?.name === 'evaluateStudyFold',
      );
      const type = ev?.activityTaskScheduledEventAttributes?.activityType;
      if (type == null) throw new Error('no evaluateStudyFold scheduled');
      type.name = 'evaluateStudyFoldV0';
    },
  },
  {
    what: 'a study that ran two trials at once replayed with parallelism 1',
    fixture: 'retrain-weekly',
    workflowType: 'studyWorkflow',
    edit: (e) => {
      const input = z.looseObject({ parallelism: z.literal(2) }).parse(startInput(e));
      firstPayload(e).data = new TextEncoder().encode(JSON.stringify({ ...input, parallelism: 1 }));
    },
  },
  {
    what: 'a pipeline whose study step starts another child workflow type',
    fixture: 'retrain-weekly',
    workflowType: 'pipelineWorkflow',
    edit: (e) => {
      const ev = e.history.events?.find(
        (x) => x.startChildWorkflowExecutionInitiatedEventAttributes?.workflowType?.name === 'studyWorkflow',
      );
      const type = ev?.startChildWorkflowExecutionInitiatedEventAttributes?.workflowType;
      if (type == null) throw new Error('no study child started');
      type.name = 'backtestWorkflow';
    },
  },
];

describe('replay catches nondeterministic changes', () => {
  it('fails every shipped pipeline run on an unguarded new command (an extra timer before anything else)', async () => {
    const altered = await bundleWorkflowCode({
      workflowsPath: resolve(repoRoot, 'test/workflows/fixtures/altered-workflows.ts'),
      logger: quiet,
    });
    const runs = shipped.flatMap((p) =>
      (fixtures.get(p.name) ?? []).filter((e) => e.workflowType === 'pipelineWorkflow'),
    );
    expect(runs.length).toBeGreaterThanOrEqual(shipped.length);
    const { failures } = await replay(altered, runs);
    expect(failures).toHaveLength(runs.length);
    for (const f of failures) expect(f).toMatch(/DeterminismViolationError: .*[Nn]ondeterminis/);
  });

  it.each(EDITS)('fails on $what', async ({ fixture, workflowType, edit }) => {
    // A fresh copy: the edit must not leak into the histories replayed above.
    const execution = ((await readFixtures()).get(fixture) ?? []).find(
      (e) => e.workflowType === workflowType,
    );
    if (execution === undefined) throw new Error(`${fixture}.json has no ${workflowType} execution`);
    expect(await replay(current, [execution])).toEqual({ replayed: 1, failures: [] });
    edit(execution);
    const { failures } = await replay(current, [execution]);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/DeterminismViolationError: .*[Nn]ondeterminis/);
  });
});
