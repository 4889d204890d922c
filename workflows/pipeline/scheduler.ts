/**
 * The DAG scheduler of the interpreter. Starts every step whose `needs` are completed or skipped
 * (plan order among them), decides `when`, expands `forEach`, and lets at most `concurrency` runs hold
 * a slot at once (a fan-out item, a timer and a waiting gate each count as one run). Stops at the first
 * failure, a rejected gate or a cancel request, cancelling what still runs; and stops starting steps
 * when Continue-As-New is due, so that the next run starts from a quiet point.
 */
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  workflowInfo,
} from '@temporalio/workflow';
import type { Json, PlanStep } from '../../pipeline-dsl/plan-types.ts';
import { executeRun } from './execute.ts';
import { EXPRESSION_ERROR, evaluateIn, renderIn, type EvalScope } from './expressions.ts';
import type { CompletedStep, RunState } from './state.ts';
import { Slots } from './slots.ts';
import { isJsonObject, toJson } from './json.ts';
import { parseStepCall } from './step-call.ts';

/** Why the scheduler returned. */
export type StopReason = 'completed' | 'rejected' | 'cancelled' | 'failed' | 'continue-as-new';

/** Inputs of the scheduler. */
export interface SchedulerContext {
  readonly state: RunState;
  readonly params: { readonly [name: string]: Json };
  /** Continue-As-New once the history has more events than this (or the server suggests it). */
  readonly historyLengthLimit: number;
  /** Called after every state change (search attributes, current details). */
  readonly onChange: () => void;
}

/** Error type a failed step's error is wrapped in. */
export const STEP_FAILED = 'PipelineStepFailed';

function messageOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const causes: string[] = [];
  for (let e: unknown = err; e instanceof Error && causes.length < 6; e = e.cause) causes.push(e.message);
  return causes.filter((m, i) => m !== '' && m !== causes[i - 1]).join(': ');
}

function scopeOf(ctx: SchedulerContext, item?: Json): EvalScope {
  return item === undefined
    ? { params: ctx.params, state: ctx.state }
    : { params: ctx.params, state: ctx.state, item };
}

/** Runs one run of `step` inside a slot. */
async function runOne(
  ctx: SchedulerContext,
  slots: Slots,
  step: PlanStep,
  runKey: string,
  item?: Json,
): Promise<{ input: Json; outputs: Json; workflowId: string | undefined }> {
  const rendered = renderIn(step.with, scopeOf(ctx, item), `"with" of step "${runKey}"`);
  const call = parseStepCall(step, rendered, runKey);
  await Promise.race([slots.acquire(), CancellationScope.current().cancelRequested]);
  ctx.state.runStarted(runKey, step.id);
  if (call.uses === 'backtest') ctx.state.modelVersion = call.input.model;
  ctx.onChange();
  try {
    const done = await executeRun({ state: ctx.state, step, runKey }, call);
    return { input: toJson(call.input, `input of step "${runKey}"`), ...done };
  } finally {
    ctx.state.runEnded(runKey);
    slots.release();
  }
}

/** Runs a whole step (every item of a fan-out); @returns what it leaves behind. */
async function runStep(ctx: SchedulerContext, slots: Slots, step: PlanStep): Promise<CompletedStep> {
  if (step.forEach === undefined) {
    const run = await runOne(ctx, slots, step, step.id);
    return {
      outputs: run.outputs,
      inputs: [run.input],
      workflowIds: run.workflowId === undefined ? [] : [run.workflowId],
    };
  }
  const items = evaluateIn(step.forEach, scopeOf(ctx), `"forEach" of step "${step.id}"`);
  if (!Array.isArray(items))
    throw ApplicationFailure.nonRetryable(
      `"forEach" of step "${step.id}" must yield an array, got ${JSON.stringify(items)}`,
      EXPRESSION_ERROR,
    );
  const runs = await Promise.all(
    items.map((item: Json, index) => runOne(ctx, slots, step, `${step.id}.${index}`, item)),
  );
  return {
    outputs: { count: runs.length, items: runs.map((r) => r.outputs) },
    inputs: runs.map((r) => r.input),
    workflowIds: runs.flatMap((r) => (r.workflowId === undefined ? [] : [r.workflowId])),
  };
}

/** Whether `when` lets `step` run. @throws ApplicationFailure when it is not a boolean. */
function shouldRun(ctx: SchedulerContext, step: PlanStep): boolean {
  if (step.when === undefined) return true;
  const value = evaluateIn(step.when, scopeOf(ctx), `"when" of step "${step.id}"`);
  if (typeof value !== 'boolean')
    throw ApplicationFailure.nonRetryable(
      `"when" of step "${step.id}" must be true or false, got ${JSON.stringify(value)}`,
      EXPRESSION_ERROR,
    );
  return value;
}

/** Whether a gate decision in `outputs` (one run or every item of a fan-out) rejected. */
function rejected(step: PlanStep, outputs: Json): boolean {
  if (step.kind !== 'approve' || !isJsonObject(outputs)) return false;
  const items = step.forEach === undefined ? [outputs] : outputs['items'];
  return Array.isArray(items) && items.some((o: Json) => isJsonObject(o) && o['decision'] === 'rejected');
}

/**
 * Runs the steps of `ctx.state.pipeline` that are not done yet.
 * @returns why it stopped; with `failed`, `state.failure` names the step and `error` is thrown by the
 *   caller. External cancellation (the workflow itself cancelled) propagates as CancelledFailure.
 */
export async function runSteps(ctx: SchedulerContext): Promise<{ reason: StopReason; error?: unknown }> {
  const { state } = ctx;
  const slots = new Slots(state.pipeline.concurrency);
  const scopes = new Map<string, CancellationScope>();
  let error: unknown;
  const fail = (stepId: string, err: unknown): void => {
    if (state.failure === undefined && state.cancelRequest === undefined && state.rejection === undefined) {
      state.failure = { stepId, message: messageOf(err) };
      error = err;
    }
  };
  const stopping = (): boolean =>
    state.failure !== undefined || state.rejection !== undefined || state.cancelRequest !== undefined;
  const canDue = (): boolean => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength > ctx.historyLengthLimit;
  };

  const launch = (step: PlanStep): void => {
    const scope = new CancellationScope();
    scopes.set(step.id, scope);
    state.setPhase(step.id, 'running');
    scope
      .run(() => runStep(ctx, slots, step))
      .then(
        (done) => {
          scopes.delete(step.id);
          state.completed.set(step.id, done);
          state.setPhase(step.id, 'completed');
          if (rejected(step, done.outputs) && state.rejection === undefined && !stopping())
            state.rejection = { stepId: step.id };
        },
        (err: unknown) => {
          scopes.delete(step.id);
          state.setPhase(step.id, isCancellation(err) && stopping() ? 'cancelled' : 'failed');
          if (!isCancellation(err) || !stopping()) fail(step.id, err);
        },
      );
  };

  for (;;) {
    // A skipped step can make its dependants ready at once: repeat until nothing new is ready.
    for (let ready = state.ready(); ready.length > 0 && !stopping() && !canDue(); ready = state.ready()) {
      for (const step of ready) {
        try {
          if (shouldRun(ctx, step)) launch(step);
          else state.setPhase(step.id, 'skipped');
        } catch (err) {
          state.setPhase(step.id, 'failed');
          fail(step.id, err);
          break;
        }
      }
    }
    ctx.onChange();
    const inFlight = state.inFlight().length;
    if (stopping() || (inFlight === 0 && (state.allDone() || canDue()))) break;
    const seen = state.version;
    await condition(() => state.version !== seen);
  }

  if (state.inFlight().length > 0) {
    for (const scope of scopes.values()) scope.cancel();
    await condition(() => state.inFlight().length === 0);
    ctx.onChange();
  }
  if (state.cancelRequest !== undefined) return { reason: 'cancelled' };
  if (state.failure !== undefined) return { reason: 'failed', error };
  if (state.rejection !== undefined) return { reason: 'rejected' };
  return { reason: state.allDone() ? 'completed' : 'continue-as-new' };
}
