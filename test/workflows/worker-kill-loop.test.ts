/**
 * SIGKILL loop over `retrain-weekly`: the worker (its own process, `mmflow worker`) is killed at seeded
 * random points of several runs (a step, then a delay into it), and a new worker starts 5 s later.
 * Every run completes, each kill costing at most about 2 min (the step activities' heartbeat
 * timeouts notice the dead worker in 30–60 s, not after their start-to-close timeout), and each run
 * produces the same gate windows, calibration, trials, candidate and rows as a clean run.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Pool } from 'pg';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../app/paths.ts';
import { ensureBuiltInModels } from '../../app/seed-models.ts';
import { createStream } from '../../core/random/xoshiro.ts';
import { listStudyTrials } from '../../db/repositories/studies.ts';
import { loadPipelineFile } from '../../pipeline-dsl/load.ts';
import type { CompiledPipeline } from '../../pipeline-dsl/plan-types.ts';
import { runningActivities, type RunningActivity } from '../../cli/pipeline-ops.ts';
import { statusQuery, type RunningRun } from '../../workflows/pipeline/definitions.ts';
import { pipelineWorkflow } from '../../workflows/pipeline.ts';
import type { PipelineResult } from '../../workflows/types.ts';
import { exited, workerProcesses, type WorkerProcesses } from './worker-processes.ts';
import { uniqueId } from './harness.ts';

const SEED = 20261207;
/** Kills wanted in all; runs are added (up to MAX_RUNS) while a run ends before its last kill point. */
const MIN_KILLS = 10;
const MAX_RUNS = 5;
const KILLS_PER_RUN = 4;
/** Steps of retrain-weekly in the order they start (study and alpha run side by side). */
const STEPS = ['quality', 'calibrate', 'study', 'alpha', 'evaluate', 'register'] as const;
const RESTART_DELAY_MS = 5_000;
/** What one kill may cost the run: the 5 s restart plus 2 min. */
const PER_KILL_BUDGET_MS = RESTART_DELAY_MS + 120_000;

let w: WorkerProcesses;
let client: Client;
let db: Pool;
let taskQueue: string;
let worker: ChildProcess;
let store: string;
const previousStore = process.env['MMFLOW_MODEL_STORE'];

beforeAll(async () => {
  store = await mkdtemp(join(tmpdir(), 'mmflow-models-'));
  process.env['MMFLOW_MODEL_STORE'] = store; // inherited by the worker processes
  w = await workerProcesses('kill-loop');
  ({ client, db, taskQueue } = w);
  await ensureBuiltInModels(db);
  pipeline = await loadPipelineFile(resolve(repoRoot, 'pipelines/retrain-weekly.yaml'));
  worker = w.start();
});

afterAll(async () => {
  await w?.close();
  if (previousStore === undefined) delete process.env['MMFLOW_MODEL_STORE'];
  else process.env['MMFLOW_MODEL_STORE'] = previousStore;
  await rm(store, { recursive: true, force: true });
});

/** What `mmflow audit` would have shown: activities in a later attempt, with the last failure. */
const retriedSeen: RunningActivity[] = [];
/** The status query's running activity runs, by step type. */
const runsSeen = new Map<string, RunningRun>();

interface KillPoint {
  readonly step: (typeof STEPS)[number];
  /** How long the step has been seen running before the kill, ms. */
  readonly intoStepMs: number;
}

/** Seeded kill points of run `run`: distinct steps in start order, each with a delay into it. */
function killPoints(run: number): KillPoint[] {
  const rng = createStream(SEED, run);
  const order = [...STEPS.keys()];
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order
    .slice(0, KILLS_PER_RUN)
    .sort((a, b) => a - b)
    .map((i) => ({ step: STEPS[i]!, intoStepMs: Math.round(rng.uniform(0, 3_000)) }));
}

/** retrain-weekly compiled once, so that every run (clean or killed) runs the same plan. */
let pipeline: CompiledPipeline;
const start = (workflowId: string): Promise<WorkflowHandle<typeof pipelineWorkflow>> =>
  client.workflow.start(pipelineWorkflow, {
    args: [{ pipeline, params: { nTrials: 4, parallelism: 2 } }],
    taskQueue,
    workflowId,
  });

/** Polls (no worker needed for describe; the status query needs one) until the kill point is reached. */
async function reach(handle: WorkflowHandle, point: KillPoint, deadlineMs: number): Promise<boolean> {
  let seenAt: number | undefined;
  for (;;) {
    if (Date.now() > deadlineMs) throw new Error(`kill point ${point.step} not reached in time`);
    const described = await handle.describe();
    if (described.status.name !== 'RUNNING') return false;
    const status = await handle.query(statusQuery).catch(() => undefined);
    for (const a of await runningActivities(client, handle.workflowId).catch(() => []))
      if (a.attempt > 1 && a.lastFailure !== undefined) retriedSeen.push(a);
    for (const r of status?.runs ?? []) if (r.kind === 'activity') runsSeen.set(r.uses, r);
    if (status !== undefined) {
      if (point.step in status.completed) return true; // the step ended first: kill right after it
      if (status.running.includes(point.step)) seenAt ??= Date.now();
      if (seenAt !== undefined && Date.now() - seenAt >= point.intoStepMs) return true;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Polls until a worker polls the task queue for workflow tasks (a new process bundles first). */
async function workerReady(): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const { pollers } = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    if ((pollers ?? []).length > 0) return;
    if (Date.now() > deadline) throw new Error('no worker polls the task queue');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function killAndRestart(): Promise<void> {
  worker.kill('SIGKILL');
  await exited(worker);
  await new Promise((r) => setTimeout(r, RESTART_DELAY_MS)); // the scenario: a new worker 5 s later
  worker = w.start();
}

type Outputs = Record<string, unknown>;
function outputsOf(result: PipelineResult, id: string): Outputs {
  const s = result.steps.find((x) => x.id === id);
  if (s === undefined || s.outputs === null || typeof s.outputs !== 'object') throw new Error(`no ${id}`);
  return s.outputs as Outputs;
}
const pick = (o: Outputs, keys: readonly string[]): Outputs => Object.fromEntries(keys.map((k) => [k, o[k]]));
const withoutAlphaFile = (params: unknown): unknown => {
  const p = params as { alpha?: Record<string, unknown> };
  if (p.alpha === undefined) return p;
  const { sha256: _sha, artifactPath: _path, ...alpha } = p.alpha;
  return { ...p, alpha };
};

/** What must not change with kills: every step's figures, the stored trials and gate windows. */
async function fingerprint(result: PipelineResult, workflowId: string): Promise<unknown> {
  const quality = outputsOf(result, 'quality');
  const evaluate = outputsOf(result, 'evaluate');
  const trials = await listStudyTrials(db, `${workflowId}.study`);
  const { rows } = await db.query<{ n: string }>(
    'SELECT count(*) AS n FROM data_quality_windows WHERE gate_id = $1',
    [quality['gateId']],
  );
  return {
    outcome: result.outcome,
    quality: pick(quality, ['windows', 'includedCount', 'excludedCount', 'included', 'datasetDigests']),
    calibrate: pick(outputsOf(result, 'calibrate'), ['kPerTick', 'aPerSec', 'r2', 'params']),
    study: pick(outputsOf(result, 'study'), [
      'trials',
      'complete',
      'pruned',
      'infeasible',
      'failed',
      'bestTrial',
      'bestValue',
      'bestParams',
      'outOfSampleValue',
      'holdout',
    ]),
    trials: trials.map((t) => ({ number: t.number, state: t.state, value: t.value, params: t.params })),
    alpha: pick(outputsOf(result, 'alpha'), ['datasetDigest', 'valR2', 'valHitRatio']),
    candidate: {
      ...pick(evaluate, ['kpis', 'value', 'feasible', 'refittedKPerTick']),
      params: withoutAlphaFile(evaluate['params']),
    },
    register: pick(outputsOf(result, 'register'), ['name', 'status', 'model']),
    gateWindowRows: rows[0]?.n,
  };
}

describe('retrain-weekly under repeated worker SIGKILLs', () => {
  it(
    'completes every run within 2 min per kill of a clean run, with the same results',
    async () => {
      const suiteStart = Date.now();
      await workerReady(); // the clean run's time must not include the first worker's start-up
      const cleanId = uniqueId('kill-clean');
      const cleanStart = Date.now();
      const clean = await (await start(cleanId)).result();
      const cleanMs = Date.now() - cleanStart;
      const expected = await fingerprint(clean, cleanId);

      let kills = 0;
      const report: string[] = [`clean run ${cleanMs} ms`];
      for (let run = 0; kills < MIN_KILLS && run < MAX_RUNS; run++) {
        const workflowId = uniqueId(`kill-${run}`);
        const runStart = Date.now();
        const handle = await start(workflowId);
        let runKills = 0;
        for (const point of killPoints(run)) {
          const alive = await reach(handle, point, runStart + cleanMs + (runKills + 1) * PER_KILL_BUDGET_MS);
          if (!alive) break;
          await killAndRestart();
          runKills++;
        }
        const result = await handle.result();
        const runMs = Date.now() - runStart;
        kills += runKills;
        report.push(`run ${run}: ${runKills} kill(s) at ${JSON.stringify(killPoints(run))}, ${runMs} ms`);
        expect(runMs).toBeLessThanOrEqual(cleanMs + runKills * PER_KILL_BUDGET_MS);
        expect(await fingerprint(result, workflowId)).toEqual(expected);
      }
      report.push(`${kills} kills, total ${Date.now() - suiteStart} ms`);
      process.stderr.write(`[worker-kill-loop] ${report.join('\n[worker-kill-loop] ')}\n`);
      expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);
      // The status query gave the step types' timeouts; describe() showed retried attempts and why.
      expect(runsSeen.get('data-quality-gate')).toMatchObject({
        startToCloseMs: 600_000,
        heartbeatTimeoutMs: 30_000,
        maximumAttempts: 10,
      });
      expect(runsSeen.get('train-alpha')).toMatchObject({
        startToCloseMs: 3_600_000,
        heartbeatTimeoutMs: 60_000,
      });
      expect(retriedSeen.some((a) => /heartbeat/i.test(a.lastFailure ?? ''))).toBe(true);
    },
    40 * 60_000,
  );
});
