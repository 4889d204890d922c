/**
 * Replays the recorded histories in test/fixtures/histories (real runs of the shipped pipelines and of
 * every interpreter feature; regenerate with `npx tsx test/workflows/record-histories.ts`) against the
 * current workflow code with `Worker.runReplayHistories`, so a change that would break running
 * workflows (a nondeterministic change not guarded by `patched()`) fails CI. Needs no server.
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
import { repoRoot, workflowsPath } from '../../app/paths.ts';
import { readFixtures, type RecordedExecution } from './history-fixtures.ts';

const ignore = (): void => undefined;
const quiet = { log: ignore, trace: ignore, debug: ignore, info: ignore, warn: ignore, error: ignore };

let fixtures: Map<string, RecordedExecution[]>;
let current: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  if (Runtime._instance === undefined) Runtime.install({ logger: new DefaultLogger('ERROR') });
  fixtures = await readFixtures();
  current = await bundleWorkflowCode({ workflowsPath, logger: quiet });
});

async function replay(bundle: WorkflowBundleWithSourceMap, executions: readonly RecordedExecution[]) {
  const failures: string[] = [];
  let replayed = 0;
  const histories = executions.map((e) => ({ workflowId: e.workflowId, history: e.history }));
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, histories)) {
    replayed += 1;
    if (result.error !== undefined) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  return { replayed, failures };
}

describe('replay of recorded workflow histories', () => {
  it('has histories of every shipped pipeline and of the interpreter features', () => {
    expect([...fixtures.keys()]).toEqual(
      expect.arrayContaining(['demo', 'ingest-binance', 'features', 'features-before-wait-zero-patch']),
    );
    const types = new Set([...fixtures.values()].flat().map((e) => e.workflowType));
    expect([...types].sort()).toEqual(['backtestWorkflow', 'ingestWorkflow', 'pipelineWorkflow']);
  });

  it('replays every recorded history against the current workflow code', async () => {
    for (const [name, executions] of fixtures) {
      const { replayed, failures } = await replay(current, executions);
      expect(failures, name).toEqual([]);
      expect(replayed, name).toBe(executions.length);
    }
  });

  it('fails on an unguarded nondeterministic change (an extra timer before anything else)', async () => {
    const altered = await bundleWorkflowCode({
      workflowsPath: resolve(repoRoot, 'test/workflows/fixtures/altered-workflows.ts'),
      logger: quiet,
    });
    const pipelines = (fixtures.get('demo') ?? []).filter((e) => e.workflowType === 'pipelineWorkflow');
    expect(pipelines).toHaveLength(1);
    const { failures } = await replay(altered, pipelines);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/[Nn]ondeterminis/);
  });
});
