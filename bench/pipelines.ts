/**
 * Pipeline interpreter benchmark: the per-step overhead of `pipelineWorkflow` on a local Temporal
 * server. Runs pipelines that are chains of N trivial steps (`wait` 1 ms, each needing the previous
 * one; a 0 ms wait starts no timer at all, see workflows/pipeline/patches.ts) and reads each run's
 * history.
 *
 * Per-step overhead = time from a step's completion reaching the workflow (`TimerFired`) to the
 * completion of the workflow task that has started the next step (the next `WorkflowTaskCompleted`),
 * both server event times: the workflow task round trip (server → worker → server) plus the
 * interpreter's own work (readiness, `with` rendering and zod validation, status bookkeeping,
 * search-attribute upserts). The timer itself is the step's work and is excluded: on the Temporal
 * server a 1 ms timer fires about 1 s later (timer-queue granularity), which the log shows as the
 * wall time per step.
 *
 * Services: DATABASE_URL / TEMPORAL_ADDRESS when set, else the embedded PostgreSQL and Temporal dev
 * server exactly as `mmflow start` brings them up (app/services.ts). The worker runs in-process on a
 * task queue of its own.
 *
 * Run: `npm run bench:pipelines` (options: `--steps 20 --runs 5 --warmup 1`). Last stdout line:
 *   {"stepOverheadMsP50":…,"stepOverheadMsP99":…,"samples":…,"wallMsPerStep":…}
 */
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { parseArgs } from 'node:util';
import { createLogger } from '../app/logger.ts';
import { dataDir, workflowsPath } from '../app/paths.ts';
import { startServices } from '../app/services.ts';
import { createWorker } from '../app/worker.ts';
import { createPool } from '../db/pool.ts';
import type { CompiledPipeline, PlanStep } from '../pipeline-dsl/plan-types.ts';
import { tsToMs } from '@temporalio/common';
import { pipelineWorkflow } from '../workflows/pipeline.ts';

/** Figures of the last output line. */
export interface PipelineBenchResult {
  /** Median per-step overhead (step completion seen by the workflow → next step started), ms. */
  readonly stepOverheadMsP50: number;
  /** 99th percentile of the same, ms. */
  readonly stepOverheadMsP99: number;
  /** Overhead samples (steps of the timed runs). */
  readonly samples: number;
  /** Median over runs of wall time (client start → result) divided by the step count, ms (timer-bound). */
  readonly wallMsPerStep: number;
}

/** A chain of `steps` `wait` 1 ms steps. */
export function chainPipeline(steps: number): CompiledPipeline {
  const plan: PlanStep[] = Array.from({ length: steps }, (_, i) => ({
    id: `s${i}`,
    uses: 'wait',
    kind: 'wait',
    needs: i === 0 ? [] : [`s${i - 1}`],
    with: { durationMs: 1 },
  }));
  return {
    apiVersion: 'mmflow/v1',
    name: 'bench-chain',
    description: `${steps} wait-1ms steps in a chain`,
    labels: {},
    file: 'bench/pipelines.ts',
    contentHash: `bench-chain-${steps}`,
    params: {},
    schedule: undefined,
    concurrency: 4,
    steps: plan,
  };
}

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

/**
 * Per-step overhead samples of one run's history: for every `TimerFired`, the time to the next
 * `WorkflowTaskCompleted` (the task that processed it and started the next step, or completed the
 * workflow after the last step), ms.
 */
export function overheadSamples(events: readonly HistoryEvent[]): number[] {
  return stepCycles(events).map((c) => c.completedAtMs - c.firedAtMs);
}

/** Server event times around one step boundary, ms. */
interface StepCycle {
  readonly firedAtMs: number;
  /** The worker picked up the workflow task (WorkflowTaskStarted). */
  readonly startedAtMs: number;
  readonly completedAtMs: number;
}

function stepCycles(events: readonly HistoryEvent[]): StepCycle[] {
  const cycles: StepCycle[] = [];
  let firedAtMs: number | undefined;
  let startedAtMs: number | undefined;
  for (const e of events) {
    const atMs = tsToMs(e.eventTime);
    if (e.timerFiredEventAttributes) firedAtMs ??= atMs;
    else if (e.workflowTaskStartedEventAttributes && firedAtMs !== undefined) startedAtMs = atMs;
    else if (e.workflowTaskCompletedEventAttributes && firedAtMs !== undefined) {
      cycles.push({ firedAtMs, startedAtMs: startedAtMs ?? firedAtMs, completedAtMs: atMs });
      firedAtMs = undefined;
      startedAtMs = undefined;
    }
  }
  return cycles;
}

/** Value at quantile `q` (nearest rank) of ascending `sorted`. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      steps: { type: 'string', default: '20' },
      runs: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1' },
    },
  });
  const steps = Number(values.steps);
  const runs = Number(values.runs);
  const warmup = Number(values.warmup);
  if (![steps, runs, warmup].every((n) => Number.isSafeInteger(n) && n >= 0) || steps < 2 || runs < 1)
    throw new Error('--steps ≥ 2, --runs ≥ 1 and --warmup ≥ 0 must be integers');

  const log = createLogger('bench-pipelines', process.env['MMFLOW_LOG_LEVEL'] ?? 'warn');
  const services = await startServices(log);
  const db = createPool(services.databaseUrl);
  const taskQueue = `bench-pipelines-${process.pid}`;
  const workflowBundle = await bundleWorkflowCode({ workflowsPath, logger: quiet });
  const { worker, connection: workerConnection } = await createWorker({
    temporalAddress: services.temporalAddress,
    namespace: services.namespace,
    db,
    dataDir: dataDir(),
    log,
    workflowBundle,
    taskQueue,
  });
  const workerRun = worker.run();
  const connection = await Connection.connect({ address: services.temporalAddress });
  try {
    const client = new Client({ connection, namespace: services.namespace });
    const pipeline = chainPipeline(steps);
    const samples: number[] = [];
    const dispatchMs: number[] = [];
    const workerMs: number[] = [];
    const wallPerStep: number[] = [];
    for (let i = 0; i < warmup + runs; i += 1) {
      const t0 = performance.now();
      const handle = await client.workflow.start(pipelineWorkflow, {
        args: [{ pipeline, params: {} }],
        taskQueue,
        workflowId: `bench-chain-${process.pid}-${Date.now()}-${i}`,
      });
      await handle.result();
      const wallMs = performance.now() - t0;
      if (i < warmup) continue;
      const cycles = stepCycles((await handle.fetchHistory()).events ?? []);
      samples.push(...cycles.map((c) => c.completedAtMs - c.firedAtMs));
      dispatchMs.push(...cycles.map((c) => c.startedAtMs - c.firedAtMs));
      workerMs.push(...cycles.map((c) => c.completedAtMs - c.startedAtMs));
      wallPerStep.push(wallMs / steps);
      process.stdout.write(
        `run ${i - warmup + 1}/${runs}: ${round2(wallMs)} ms wall, ${round2(wallMs / steps)} ms/step\n`,
      );
    }
    if (samples.length < runs * steps)
      throw new Error(`expected ${runs * steps} samples, got ${samples.length}`);
    samples.sort((a, b) => a - b);
    wallPerStep.sort((a, b) => a - b);
    const result: PipelineBenchResult = {
      stepOverheadMsP50: round2(quantile(samples, 0.5)),
      stepOverheadMsP99: round2(quantile(samples, 0.99)),
      samples: samples.length,
      wallMsPerStep: round2(quantile(wallPerStep, 0.5)),
    };
    process.stdout.write(
      `${runs} runs of ${steps} steps; per-step overhead over ${samples.length} samples: p50 ${result.stepOverheadMsP50} ms, p99 ${result.stepOverheadMsP99} ms, max ${round2(samples.at(-1) ?? 0)} ms\n`,
    );
    const median = (xs: number[]): number =>
      round2(
        quantile(
          [...xs].sort((a, b) => a - b),
          0.5,
        ),
      );
    process.stdout.write(
      `  of which: timer fired → task picked up by the worker p50 ${median(dispatchMs)} ms; picked up → completed (worker + interpreter) p50 ${median(workerMs)} ms\n`,
    );
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    // The SDK's runtime already begins shutdown on SIGINT/SIGTERM; a second shutdown() would throw.
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await workerRun;
    await workerConnection.close();
    await connection.close();
    await db.end();
    await services.stop();
  }
}

const ignore = (): void => undefined;
const quiet = { log: ignore, trace: ignore, debug: ignore, info: ignore, warn: ignore, error: ignore };

await main();
