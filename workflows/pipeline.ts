/**
 * The pipeline interpreter: one deterministic workflow that runs any compiled pipeline
 * (pipeline-dsl/plan-types.ts). The compiled pipeline, its content hash and the parameter values are
 * the input, and the name, hash and file its memo, so the history records exactly what ran.
 *
 * - Steps run as a DAG (workflows/pipeline/scheduler.ts) with `when`, `forEach`, a concurrency limit,
 *   and per-step retry/timeout; kinds are child workflows, activities, timers and human gates
 *   (workflows/pipeline/execute.ts).
 * - Operators use the `status` query and the `approve` / `reject` / `cancel` Updates
 *   (workflows/pipeline/definitions.ts); the Web UI filters on the search attributes `MmflowPipeline`,
 *   `MmflowStep`, `MmflowOutcome`, `MmflowModelVersion`, and shows `setCurrentDetails`' summary.
 * - Long pipelines Continue-As-New between steps (never while a step runs), carrying the completed
 *   steps' outputs in `resume`.
 *
 * Step `with` templates are rendered and re-validated against the step type's zod schema here, in the
 * workflow: rendering and zod parsing are pure and deterministic, and validating before scheduling
 * keeps a bad input out of the child/activity and names the step in the failure (no extra activity
 * round trip per step).
 *
 * Patch ids (`patched()`), one per behaviour change that would alter the commands of histories
 * already running, are listed and explained in workflows/pipeline/patches.ts:
 *   - `wait-zero-without-timer` — a 0 ms `wait` completes without a timer (2026-11).
 *
 * Activity timeouts and retry policies (workflows/pipeline/activity-options.ts) are not commands a
 * replay compares, so changing them needs no patch (checked by test/workflows/replay.test.ts).
 */
import {
  ApplicationFailure,
  continueAsNew,
  condition,
  allHandlersFinished,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Json } from '../pipeline-dsl/plan-types.ts';
import { NON_RETRYABLE_ERROR_TYPES } from './pipeline/activity-options.ts';
import { installHandlers } from './pipeline/gates.ts';
import { resolveParams } from './pipeline/params.ts';
import { runSteps, STEP_FAILED } from './pipeline/scheduler.ts';
import { RunState } from './pipeline/state.ts';
import { MODEL_VERSION_KEY, OUTCOME_KEY, PIPELINE_KEY, STEP_KEY } from './search-attributes.ts';
import type { Activities } from '../activities/index.ts';
import type { PipelineFileInput, PipelineInput, PipelineResult, StepReport } from './types.ts';

/** Default history length after which the interpreter continues as new (Temporal warns at 10 240 events). */
export const DEFAULT_HISTORY_LENGTH_LIMIT = 8_000;

/**
 * A file input compiled by the `loadPipeline` activity (no retries: a file that does not compile will
 * not compile on a retry either; its error lists every `file:line:column: path: message`).
 */
async function compiledFromFile(start: PipelineFileInput): Promise<PipelineInput> {
  const { loadPipeline } = proxyActivities<Activities>({
    startToCloseTimeout: '1 minute',
    retry: { maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE_ERROR_TYPES },
    summary: `compile ${start.file}`,
  });
  const pipeline = await loadPipeline({ file: start.file });
  return {
    pipeline,
    ...(start.params === undefined ? {} : { params: start.params }),
    ...(start.historyLengthLimit === undefined ? {} : { historyLengthLimit: start.historyLengthLimit }),
  };
}

/** Keeps search attributes and the UI summary in step with the state (commands only on change). */
function attributeSync(state: RunState): () => void {
  const last = new Map<string, string>();
  return () => {
    const wanted: [typeof STEP_KEY | typeof OUTCOME_KEY | typeof MODEL_VERSION_KEY, string | undefined][] = [
      [OUTCOME_KEY, state.liveOutcome()],
      [STEP_KEY, state.runningSteps().join(',') || undefined],
      [MODEL_VERSION_KEY, state.modelVersion],
    ];
    const changes = wanted.filter(
      (w): w is [(typeof w)[0], string] => w[1] !== undefined && last.get(w[0].name) !== w[1],
    );
    if (changes.length > 0) {
      upsertSearchAttributes(changes.map(([key, value]) => ({ key, value })));
      for (const [key, value] of changes) last.set(key.name, value);
    }
    setCurrentDetails(describe(state));
  };
}

/** One-line (Markdown) summary shown as the workflow's current details in the Web UI. */
function describe(state: RunState): string {
  const s = state.status();
  const total = state.pipeline.steps.length;
  const done = Object.keys(s.completed).length + s.skipped.length;
  const parts = [`**${s.pipeline}** ${s.outcome}: ${done}/${total} steps done`];
  if (s.running.length > 0) parts.push(`running ${s.running.join(', ')}`);
  for (const g of s.waitingGates)
    parts.push(`gate "${g.stepId}" waits for ${g.approvers?.join(' or ') ?? 'anyone'}: ${g.message}`);
  if (s.failure !== null) parts.push(`failed at "${s.failure.stepId}": ${s.failure.message}`);
  return parts.join(' · ');
}

function report(state: RunState): StepReport[] {
  return state.pipeline.steps.map((step) => {
    const done = state.completed.get(step.id);
    const phase = state.phase(step.id);
    return {
      id: step.id,
      uses: step.uses,
      kind: step.kind,
      forEach: step.forEach !== undefined,
      status: done !== undefined ? 'completed' : phase === 'skipped' ? 'skipped' : 'not-run',
      inputs: done?.inputs ?? [],
      outputs: done?.outputs ?? null,
      workflowIds: done?.workflowIds ?? [],
    };
  });
}

/**
 * Runs a compiled pipeline.
 * @returns the outcome (`completed`, `rejected` by a gate, or `cancelled` by the cancel Update) and
 *   every step's inputs and outputs
 * @throws ApplicationFailure (non-retryable) for bad parameters (type BadPipelineParam) or a failed
 *   step (type PipelineStepFailed, naming the step, the step's failure as cause); the workflow ends as
 *   cancelled when it is cancelled through Temporal
 */
export async function pipelineWorkflow(start: PipelineInput | PipelineFileInput): Promise<PipelineResult> {
  const input = 'file' in start ? await compiledFromFile(start) : start;
  const { pipeline } = input;
  const state = new RunState(pipeline, input.resume);
  installHandlers(state);
  const info = workflowInfo();
  const memo = { pipeline: pipeline.name, contentHash: pipeline.contentHash, pipelineFile: pipeline.file };
  if (Object.entries(memo).some(([k, v]) => info.memo?.[k] !== v)) upsertMemo(memo);
  if (info.typedSearchAttributes.get(PIPELINE_KEY) !== pipeline.name)
    upsertSearchAttributes([{ key: PIPELINE_KEY, value: pipeline.name }]);
  const sync = attributeSync(state);
  const finish = (outcome: RunState['outcome']): void => {
    state.outcome = outcome;
    state.bump();
    sync();
  };

  let params: { [name: string]: Json };
  try {
    params = resolveParams(pipeline.params, input.params ?? {});
  } catch (err) {
    finish('failed');
    throw err;
  }
  let stop;
  try {
    stop = await runSteps({
      state,
      params,
      historyLengthLimit: input.historyLengthLimit ?? DEFAULT_HISTORY_LENGTH_LIMIT,
      onChange: sync,
    });
  } catch (err) {
    finish(isCancellation(err) ? 'cancelled' : 'failed');
    throw err;
  }
  const continuedAsNew = input.resume?.continuedAsNew ?? 0;
  switch (stop.reason) {
    case 'continue-as-new': {
      await condition(allHandlersFinished);
      const next: PipelineInput = {
        pipeline,
        params,
        resume: state.resumeState(continuedAsNew + 1),
        ...(input.historyLengthLimit === undefined ? {} : { historyLengthLimit: input.historyLengthLimit }),
      };
      return continueAsNew<typeof pipelineWorkflow>(next);
    }
    case 'failed': {
      finish('failed');
      const failure = state.failure;
      throw ApplicationFailure.create({
        message: `pipeline ${pipeline.name}: step "${failure?.stepId ?? '?'}" failed: ${failure?.message ?? ''}`,
        type: STEP_FAILED,
        nonRetryable: true,
        details: [failure?.stepId ?? null],
        ...(stop.error instanceof Error ? { cause: stop.error } : {}),
      });
    }
    case 'completed':
    case 'rejected':
    case 'cancelled': {
      finish(stop.reason);
      await condition(allHandlersFinished);
      return {
        pipeline: pipeline.name,
        contentHash: pipeline.contentHash,
        file: pipeline.file,
        outcome: stop.reason,
        params,
        steps: report(state),
        cancelledBy: state.cancelRequest ?? null,
        continuedAsNew,
      };
    }
    default: {
      const never: never = stop.reason;
      return never;
    }
  }
}
