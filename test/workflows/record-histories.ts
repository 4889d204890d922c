/**
 * Records the workflow histories replayed by test/workflows/replay.test.ts: real runs of every shipped
 * pipeline (pipelines/*.yaml) and of hand-built pipelines covering every interpreter feature (params,
 * `when`, `forEach`, `wait`, `approve` approved / rejected / timed out, `validate-market-data`, the
 * cancel Update, Continue-As-New), each with its child workflows. Writes
 * test/fixtures/histories/<name>.json (files named in FROZEN are never overwritten: they pin histories
 * recorded by an older interpreter, to prove `patched()` branches still replay).
 *
 * A shipped pipeline is recorded under its `metadata.name`, run to completion with its default params,
 * unless RECORDINGS says otherwise: `retrain-weekly` is started as the Web UI starts it (`{ file,
 * params }`) with a few trials, on the recorded sessions of the data directory (MMFLOW_DATA_DIR); it
 * registers a candidate model version and writes its ONNX artifact to the model store
 * (MMFLOW_MODEL_STORE, default <repo>/models).
 *
 * Run: `npx tsx test/workflows/record-histories.ts [name…]` (default: all). Uses DATABASE_URL /
 * TEMPORAL_ADDRESS when set, else the embedded services of `mmflow start` (MMFLOW_STATE_DIR picks
 * throwaway ones); the worker runs in-process on a task queue of its own. Re-record after an intended
 * change to the workflows' commands, and keep the old file under a FROZEN name when running histories
 * must still replay (guard with patched()).
 */
import { Client, Connection, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { readdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createLogger } from '../../app/logger.ts';
import { dataDir, repoRoot, workflowsPath } from '../../app/paths.ts';
import { ensureBuiltInModels } from '../../app/seed-models.ts';
import { startServices } from '../../app/services.ts';
import { createWorker } from '../../app/worker.ts';
import { createPool } from '../../db/pool.ts';
import type { Pool } from 'pg';
import { loadPipelineFile } from '../../pipeline-dsl/load.ts';
import type { CompiledPipeline } from '../../pipeline-dsl/plan-types.ts';
import {
  approveUpdate,
  cancelUpdate,
  rejectUpdate,
  statusQuery,
} from '../../workflows/pipeline/definitions.ts';
import { killEngineWorkflow, resumeEngineWorkflow } from '../../workflows/kill-engine.ts';
import { pipelineWorkflow } from '../../workflows/pipeline.ts';
import type { PipelineFileInput, PipelineInput } from '../../workflows/types.ts';
import { HISTORIES_DIR, shippedPipelines, writeFixture, type RecordedExecution } from './history-fixtures.ts';
import { pipelineOf, step, waitStep } from './plans.ts';
import { PROMOTION_RECORDING_DESCRIPTION, recordPromotion } from './record-promotion.ts';

/** Fixture files recorded by an older interpreter version: kept as they are (see the module doc). */
export const FROZEN: readonly string[] = ['features-before-wait-zero-patch'];

type Recorder = (ctx: RecordContext) => Promise<RecordedExecution[]>;

interface RecordContext {
  readonly client: Client;
  readonly taskQueue: string;
  readonly db: Pool;
}

/** Every execution of `workflowId`: its runs (Continue-As-New) and, recursively, its children. */
async function executionsOf(client: Client, workflowId: string): Promise<RecordedExecution[]> {
  const out: RecordedExecution[] = [];
  for await (const info of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    const history = await client.workflow.getHandle(workflowId, info.runId).fetchHistory();
    out.push({ workflowId, runId: info.runId, workflowType: info.type, history });
    for (const event of history.events ?? []) {
      const child = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId;
      if (typeof child === 'string') out.push(...(await executionsOf(client, child)));
    }
  }
  // Oldest run first, so replay order follows the chain.
  return out.reverse();
}

async function start(
  ctx: RecordContext,
  name: string,
  input: PipelineInput | PipelineFileInput,
): Promise<WorkflowHandle<typeof pipelineWorkflow>> {
  return ctx.client.workflow.start(pipelineWorkflow, {
    args: [input],
    taskQueue: ctx.taskQueue,
    workflowId: `record-${name}-${Date.now()}`,
  });
}

async function untilGate(handle: WorkflowHandle): Promise<void> {
  for (let i = 0; i < 600; i += 1) {
    if ((await handle.query(statusQuery)).waitingGates.length > 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${handle.workflowId}: the gate never opened`);
}

function shipped(file: string): Recorder {
  return async (ctx) => {
    const pipeline = await loadPipelineFile(resolve(repoRoot, file));
    const handle = await start(ctx, pipeline.name, { pipeline, params: {} });
    await handle.result();
    return executionsOf(ctx.client, handle.workflowId);
  };
}

/**
 * pipelines/retrain-weekly.yaml started from its file, with 6 trials (2 at a time) instead of 40 so
 * recording takes minutes: the pipeline workflow (loadPipeline, gate, calibration, alpha training,
 * evaluation, registration activities) and its study child workflow (trials, folds, pruning, holdout).
 */
const retrainWeekly: Recorder = async (ctx) => {
  const handle = await start(ctx, 'retrain-weekly', {
    file: 'pipelines/retrain-weekly.yaml',
    params: { nTrials: 6, parallelism: 2 },
  });
  const result = await handle.result();
  const study = result.steps.find((s) => s.id === 'study');
  if (result.outcome !== 'completed' || study?.status !== 'completed')
    throw new Error(
      `${handle.workflowId}: ended ${result.outcome}, study step ${study?.status ?? 'missing'}`,
    );
  return executionsOf(ctx.client, handle.workflowId);
};

/** Hand-built pipelines exercising every interpreter feature. */
function featurePipelines(): {
  readonly approved: CompiledPipeline;
  readonly rejected: CompiledPipeline;
  readonly timedOut: CompiledPipeline;
  readonly cancelled: CompiledPipeline;
  readonly continued: CompiledPipeline;
} {
  const gate = (onTimeout: 'approve' | 'reject' | 'fail', timeoutMs: number) =>
    step('sign-off', 'approve', {
      needs: ['fan-out', 'check'],
      with: { message: 'Go on?', approvers: ['alice'], timeoutMs, onTimeout },
    });
  const body = (onTimeout: 'approve' | 'reject' | 'fail', timeoutMs: number) => [
    waitStep('first', 0),
    waitStep('skipped', 0, { needs: ['first'], when: 'params.deep' }),
    waitStep('fan-out', 0, {
      needs: ['skipped'],
      forEach: 'params.delays',
      with: { durationMs: '${{ item }}' },
    }),
    step('check', 'validate-market-data', {
      needs: ['first'],
      retry: { maximumAttempts: 2, initialIntervalMs: 500, backoffCoefficient: 2, maximumIntervalMs: 1_000 },
      timeoutMs: 60_000,
      with: {
        venue: 'binance-spot',
        symbol: 'BTCUSDT',
        kind: 'klines',
        interval: '1m',
        failOnImpossible: true,
      },
    }),
    gate(onTimeout, timeoutMs),
    waitStep('after', 0, {
      needs: ['sign-off'],
      with: { durationMs: '${{ steps["fan-out"].outputs.count }}' },
    }),
  ];
  const params = {
    deep: { type: 'boolean' as const, default: false },
    delays: { type: 'number[]' as const, default: [10, 20] },
  };
  return {
    approved: pipelineOf('features-approved', body('fail', 600_000), { params, concurrency: 2 }),
    rejected: pipelineOf('features-rejected', body('fail', 600_000), { params }),
    timedOut: pipelineOf('features-timed-out', body('approve', 1_000), { params }),
    cancelled: pipelineOf('features-cancelled', [
      waitStep('long', 3_600_000),
      waitStep('later', 0, { needs: ['long'] }),
    ]),
    continued: pipelineOf(
      'features-continued',
      ['c1', 'c2', 'c3', 'c4'].map((id, i, all) =>
        waitStep(id, 1, i === 0 ? {} : { needs: [all[i - 1] ?? ''] }),
      ),
    ),
  };
}

const features: Recorder = async (ctx) => {
  const p = featurePipelines();
  const approved = await start(ctx, 'approved', { pipeline: p.approved, params: { delays: [5, 10, 15] } });
  await untilGate(approved);
  await approved.executeUpdate(approveUpdate, {
    args: [{ stepId: 'sign-off', approver: 'alice', reason: 'recorded' }],
  });
  const rejected = await start(ctx, 'rejected', { pipeline: p.rejected, params: { deep: true } });
  await untilGate(rejected);
  await rejected.executeUpdate(rejectUpdate, {
    args: [{ stepId: 'sign-off', approver: 'alice', reason: 'recorded' }],
  });
  const timedOut = await start(ctx, 'timed-out', { pipeline: p.timedOut, params: {} });
  const cancelled = await start(ctx, 'cancelled', { pipeline: p.cancelled, params: {} });
  for (let i = 0; (await cancelled.query(statusQuery)).running.length === 0; i += 1) {
    if (i > 600) throw new Error('the long wait never started');
    await new Promise((r) => setTimeout(r, 100));
  }
  await cancelled.executeUpdate(cancelUpdate, { args: [{ by: 'recorder', reason: 'recorded' }] });
  const continued = await start(ctx, 'continued', {
    pipeline: p.continued,
    params: {},
    historyLengthLimit: 12,
  });
  const handles = [approved, rejected, timedOut, cancelled, continued];
  for (const h of handles) await h.result();
  const out: RecordedExecution[] = [];
  for (const h of handles) out.push(...(await executionsOf(ctx.client, h.workflowId)));
  return out;
};

/**
 * The kill switch from workflows: killEngineWorkflow then resumeEngineWorkflow on a throwaway engine
 * id, and a resumeEngineWorkflow of a never-killed engine (fails with a non-retryable PermanentError).
 */
const killSwitch: Recorder = async (ctx) => {
  const stamp = Date.now();
  const engineId = `record-engine-${stamp}`;
  const run = async (
    workflow: typeof killEngineWorkflow | typeof resumeEngineWorkflow,
    workflowId: string,
    input: { engineId: string; reason: string; by: string },
  ): Promise<string> => {
    await ctx.client.workflow.execute(workflow, { args: [input], taskQueue: ctx.taskQueue, workflowId });
    return workflowId;
  };
  const ids = [
    await run(killEngineWorkflow, `record-kill-${stamp}`, {
      engineId,
      reason: 'recorded kill',
      by: 'recorder',
    }),
    await run(resumeEngineWorkflow, `record-resume-${stamp}`, {
      engineId,
      reason: 'recorded',
      by: 'recorder',
    }),
  ];
  const never = `record-resume-never-killed-${stamp}`;
  const failed = await run(resumeEngineWorkflow, never, {
    engineId: `${engineId}-never-killed`,
    reason: 'recorded',
    by: 'recorder',
  }).then(
    () => false,
    (err: unknown) => err instanceof WorkflowFailedError,
  );
  if (!failed) throw new Error(`${never}: the resume of a never-killed engine did not fail`);
  const out: RecordedExecution[] = [];
  for (const id of [...ids, never]) out.push(...(await executionsOf(ctx.client, id)));
  return out;
};

interface Recording {
  readonly description: string;
  readonly record: Recorder;
}

/** Recordings other than "a shipped pipeline run with its default params", by fixture name. */
const RECORDINGS: Record<string, Recording> = {
  demo: {
    description: 'pipelines/demo.yaml run to completion (pipeline, ingest and backtest workflows).',
    record: shipped('pipelines/demo.yaml'),
  },
  'ingest-binance': {
    description: 'pipelines/ingest-binance.yaml run to completion (pipeline and both ingest workflows).',
    record: shipped('pipelines/ingest-binance.yaml'),
  },
  'retrain-weekly': {
    description:
      'pipelines/retrain-weekly.yaml started as { file, params: { nTrials: 6, parallelism: 2 } } on the recorded sessions, run to completion (pipeline and study workflows).',
    record: retrainWeekly,
  },
  'kill-engine': {
    description:
      'killEngineWorkflow and resumeEngineWorkflow on a throwaway engine id, and a resume of a never-killed engine (failed).',
    record: killSwitch,
  },
  promote: {
    description: PROMOTION_RECORDING_DESCRIPTION,
    record: (ctx) => recordPromotion({ ...ctx, executionsOf }),
  },
  features: {
    description:
      'Hand-built pipelines (test/workflows/record-histories.ts featurePipelines): approve gate approved, rejected, timed out; when, forEach, wait, validate-market-data; cancel Update; Continue-As-New.',
    record: features,
  },
};

/** RECORDINGS, plus every other shipped pipeline run with its default params. */
async function allRecordings(): Promise<Map<string, Recording>> {
  const out = new Map<string, Recording>();
  for (const p of await shippedPipelines())
    out.set(p.name, {
      description: `${p.file} run to completion with its default params (pipeline and child workflows).`,
      record: shipped(p.file),
    });
  for (const [name, recording] of Object.entries(RECORDINGS)) out.set(name, recording);
  return out;
}

async function main(): Promise<void> {
  const recordings = await allRecordings();
  const wanted = process.argv.slice(2);
  const names = wanted.length > 0 ? wanted : [...recordings.keys()];
  const unknown = names.filter((n) => !recordings.has(n));
  if (unknown.length > 0)
    throw new Error(
      `unknown recording(s) ${unknown.join(', ')}; known: ${[...recordings.keys()].join(', ')}`,
    );
  const log = createLogger('record-histories', 'warn');
  const services = await startServices(log);
  const db = createPool(services.databaseUrl);
  await ensureBuiltInModels(db);
  const taskQueue = `record-histories-${process.pid}`;
  const ignore = (): void => undefined;
  const quiet = { log: ignore, trace: ignore, debug: ignore, info: ignore, warn: ignore, error: ignore };
  const { worker, connection: workerConnection } = await createWorker({
    temporalAddress: services.temporalAddress,
    namespace: services.namespace,
    db,
    dataDir: dataDir(),
    log,
    workflowBundle: await bundleWorkflowCode({ workflowsPath, logger: quiet }),
    taskQueue,
  });
  const workerRun = worker.run();
  const connection = await Connection.connect({ address: services.temporalAddress });
  try {
    const client = new Client({ connection, namespace: services.namespace });
    const existing = await readdir(HISTORIES_DIR);
    for (const name of names) {
      if (FROZEN.includes(name)) throw new Error(`${name} is frozen`);
      const recording = recordings.get(name);
      if (recording === undefined) continue;
      const executions = await recording.record({ client, taskQueue, db });
      const path = await writeFixture(name, recording.description, executions);
      process.stdout.write(
        `${path}: ${executions.length} execution(s)${existing.includes(`${name}.json`) ? ' (replaced)' : ''}\n`,
      );
    }
  } finally {
    worker.shutdown();
    await workerRun;
    await workerConnection.close();
    await connection.close();
    await db.end();
    await services.stop();
  }
}

await main();
