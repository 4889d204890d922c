/**
 * Executes one run of a step (one item of a `forEach` is one run) by kind: a child workflow, an
 * activity, a durable timer or a human gate. Dispatch is an exhaustive switch over the typed step
 * call (never an index into the activities by name); per-step `retry` and `timeoutMs` apply to the
 * activity proxy or the child workflow, `heartbeatTimeoutMs` to the activity proxy; activity steps
 * otherwise get their type's defaults (./activity-options.ts).
 */
import {
  ApplicationFailure,
  executeChild,
  patched,
  proxyActivities,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributePair } from '@temporalio/common';
import type { Activities } from '../../activities/index.ts';
import type { Json, PlanStep } from '../../pipeline-dsl/plan-types.ts';
import type { BacktestStepOutputs, IngestStepInput, IngestStepOutputs } from '../../pipeline-dsl/steps.ts';
import { backtestWorkflow } from '../backtest.ts';
import { ingestWorkflow } from '../ingest.ts';
import { studyWorkflow } from '../study.ts';
import { abTestWorkflow } from '../promotion/ab-test.ts';
import { canaryWorkflow } from '../promotion/canary.ts';
import { promoteWorkflow } from '../promotion/promote.ts';
import { rollbackWorkflow } from '../promotion/rollback.ts';
import {
  abTestInputOf,
  canaryInputOf,
  promoteInputOf,
  rollbackInputOf,
} from '../../pipeline-dsl/promotion-steps.ts';
import {
  calibrateOutputs,
  evaluateOutputs,
  gateOutputs,
  modelParamsOrFail,
  safeId,
  studyOutputs,
  trainAlphaOutputs,
  walkForwardConfig,
} from './retrain.ts';
import { MODEL_VERSION_KEY, PIPELINE_KEY } from '../search-attributes.ts';
import { retryPolicy, stepActivityOptions } from './activity-options.ts';
import { runGate } from './gates.ts';
import { toJson } from './json.ts';
import { WAIT_ZERO_WITHOUT_TIMER } from './patches.ts';
import type { RunState } from './state.ts';
import type { StepCall } from './step-call.ts';
import type { BacktestResult, IngestResult } from '../types.ts';

/** The declared outputs of an ingest run (datasets: distinct venue/symbol/kind/interval of the sources). */
export function ingestOutputs(input: IngestStepInput, result: IngestResult): IngestStepOutputs {
  type Dataset = IngestStepOutputs['datasets'][number];
  const datasets: Dataset[] = [];
  for (const source of input.sources) {
    const dataset: Dataset = {
      venue: source.venue,
      symbol: source.symbol,
      kind: source.kind,
      interval: source.kind === 'klines' ? source.interval : null,
    };
    const same = (d: Dataset): boolean =>
      d.venue === dataset.venue &&
      d.symbol === dataset.symbol &&
      d.kind === dataset.kind &&
      d.interval === dataset.interval;
    if (!datasets.some(same)) datasets.push(dataset);
  }
  return {
    rowsRead: result.rowsRead,
    rowsInserted: result.rowsInserted,
    files: result.files.length,
    datasets,
  };
}

/** The declared outputs of a backtest run: ids plus the headline KPIs, flat. */
export function backtestOutputs(result: BacktestResult): BacktestStepOutputs {
  return {
    runId: result.runId,
    modelVersionId: result.modelVersionId,
    session: result.session,
    ...result.kpis,
  };
}

/** Error type of a holdout gate that did not pass (with `failOnReject`). */
export const HOLDOUT_GATE_REJECTED = 'HoldoutGateRejected';

/** What one run produced. */
export interface RunOutput {
  readonly outputs: Json;
  /** Child workflow id (kind `workflow`), else undefined. */
  readonly workflowId: string | undefined;
}

/** Where a run happens. */
export interface RunPlace {
  readonly state: RunState;
  readonly step: PlanStep;
  /** `<stepId>` or `<stepId>.<index>` for an item of a fan-out. */
  readonly runKey: string;
}

function childOptions(place: RunPlace, summary: string, extra: SearchAttributePair[]) {
  const { step, state, runKey } = place;
  return {
    workflowId: `${workflowInfo().workflowId}.${runKey}`,
    staticSummary: summary,
    staticDetails: `step "${step.id}" of pipeline ${state.pipeline.name} (plan ${state.pipeline.contentHash.slice(0, 12)})`,
    typedSearchAttributes: [{ key: PIPELINE_KEY, value: state.pipeline.name }, ...extra],
    ...(step.retry === undefined ? {} : { retry: retryPolicy(step.retry) }),
    ...(step.timeoutMs === undefined ? {} : { workflowRunTimeout: step.timeoutMs }),
  };
}

/**
 * Runs `call` at `place`.
 * @returns the run's outputs as JSON (child/activity results, `{ waitedMs }`, or the gate decision)
 * @throws ChildWorkflowFailure / ActivityFailure from the step, ApplicationFailure from a gate that
 *   timed out with `onTimeout: fail`, CancelledFailure when the pipeline is cancelled
 */
export async function executeRun(place: RunPlace, call: StepCall): Promise<RunOutput> {
  const what = `outputs of step "${place.runKey}"`;
  switch (call.uses) {
    case 'ingest': {
      const options = childOptions(place, `ingest ${call.input.sources.length} file(s) into PostgreSQL`, []);
      const result = await executeChild(ingestWorkflow, { ...options, args: [call.input] });
      return { outputs: toJson(ingestOutputs(call.input, result), what), workflowId: options.workflowId };
    }
    case 'backtest': {
      const options = childOptions(place, `backtest ${call.input.model} on ${call.input.session}`, [
        { key: MODEL_VERSION_KEY, value: call.input.model },
      ]);
      const result = await executeChild(backtestWorkflow, { ...options, args: [call.input] });
      return { outputs: toJson(backtestOutputs(result), what), workflowId: options.workflowId };
    }
    case 'validate-market-data': {
      const { validateMarketData } = proxyActivities<Activities>(
        stepActivityOptions(
          place.step,
          call.uses,
          `validate ${call.input.kind} of ${call.input.venue} ${call.input.symbol}`,
        ),
      );
      const report = await validateMarketData({
        ...call.input,
        reportId: `dq:${workflowInfo().workflowId}.${place.runKey}`,
      });
      return { outputs: toJson(report, what), workflowId: undefined };
    }
    case 'wait': {
      // A zero wait needs no timer (see patches.ts); `patched` only where it changes the commands.
      if (call.input.durationMs > 0 || !patched(WAIT_ZERO_WITHOUT_TIMER))
        await sleep(call.input.durationMs, { summary: `wait step "${place.runKey}"` });
      return { outputs: { waitedMs: call.input.durationMs }, workflowId: undefined };
    }
    case 'approve': {
      const decision = await runGate(place.state, place.runKey, call.input);
      return { outputs: { ...decision }, workflowId: undefined };
    }
    case 'data-quality-gate': {
      const { dataQualityGate } = proxyActivities<Activities>(
        stepActivityOptions(
          place.step,
          call.uses,
          `data-quality gate over ${call.input.sessions.length} session(s)`,
        ),
      );
      const { windowMs, maxTradeGapMs, minTrades } = call.input;
      const result = await dataQualityGate({
        gateId: `dq-gate:${workflowInfo().workflowId}.${place.runKey}`,
        sessions: call.input.sessions,
        rules: { windowMs, maxTradeGapMs, minTrades },
      });
      return { outputs: toJson(gateOutputs(result), what), workflowId: undefined };
    }
    case 'calibrate': {
      const { calibrateModelVersion } = proxyActivities<Activities>(
        stepActivityOptions(
          place.step,
          call.uses,
          `calibrate ${call.input.baseModel} over ${call.input.windows.length} window(s)`,
        ),
      );
      const result = await calibrateModelVersion({
        ...call.input,
        calibrationId: `cal:${workflowInfo().workflowId}.${place.runKey}`,
      });
      return { outputs: toJson(calibrateOutputs(result), what), workflowId: undefined };
    }
    case 'study': {
      const input = call.input;
      const options = childOptions(place, `study of ${input.nTrials} trial(s) over walk-forward folds`, []);
      const result = await executeChild(studyWorkflow, {
        ...options,
        args: [
          {
            studyId: options.workflowId,
            name: input.name ?? `${place.state.pipeline.name}/${place.runKey}`,
            space: input.space,
            sampler: input.sampler,
            pruner: input.pruner,
            objective: input.objective,
            nTrials: input.nTrials,
            parallelism: input.parallelism,
            baseParams: input.baseParams,
            windows: input.windows,
            walkForward: walkForwardConfig(input.walkForward),
            entryLatencyUs: Math.round(input.entryLatencyMs * 1000),
            cancelLatencyUs: Math.round(input.cancelLatencyMs * 1000),
            maxFailedFraction: input.maxFailedFraction,
          },
        ],
      });
      return { outputs: toJson(studyOutputs(result), what), workflowId: options.workflowId };
    }
    case 'train-alpha': {
      const { trainAlpha } = proxyActivities<Activities>(
        stepActivityOptions(
          place.step,
          call.uses,
          `train the ONNX alpha model over ${call.input.windows.length} window(s)`,
        ),
      );
      const { params, hidden, epochs, windows, horizonMs, seed } = call.input;
      const result = await trainAlpha({
        windows,
        horizonMs,
        seed,
        ...(hidden === undefined ? {} : { hidden }),
        ...(epochs === undefined ? {} : { epochs }),
        trainingId: safeId(`${workflowInfo().workflowId}.${place.runKey}`),
        ...(params === undefined
          ? {}
          : { params: modelParamsOrFail(params, `step "${place.runKey}" with.params`) }),
      });
      return { outputs: toJson(trainAlphaOutputs(result), what), workflowId: undefined };
    }
    case 'evaluate-model': {
      const { evaluateModel } = proxyActivities<Activities>(
        stepActivityOptions(
          place.step,
          call.uses,
          `evaluate a model over ${call.input.windows.length} window(s)`,
        ),
      );
      const { entryLatencyMs, cancelLatencyMs, windows, params, alpha, objective, refitKPerTickOn } =
        call.input;
      const result = await evaluateModel({
        windows,
        params,
        ...(alpha === undefined ? {} : { alpha }),
        ...(objective === undefined ? {} : { objective }),
        ...(refitKPerTickOn === undefined ? {} : { refitKPerTickOn }),
        evaluationId: `eval:${workflowInfo().workflowId}.${place.runKey}`,
        entryLatencyUs: Math.round(entryLatencyMs * 1000),
        cancelLatencyUs: Math.round(cancelLatencyMs * 1000),
      });
      return { outputs: toJson(evaluateOutputs(result), what), workflowId: undefined };
    }
    case 'register-model': {
      const { registerModel } = proxyActivities<Activities>(
        stepActivityOptions(place.step, call.uses, `register a candidate of ${call.input.name}`),
      );
      const { parent, lineage, ...rest } = call.input;
      const info = workflowInfo();
      const result = await registerModel({
        ...rest,
        registrationKey: `reg:${info.workflowId}.${place.runKey}`,
        ...(parent === undefined ? {} : { parentId: parent }),
        lineage: { ...lineage, workflowIds: [info.workflowId], runIds: [info.firstExecutionRunId] },
      });
      place.state.modelVersion = result.modelVersionId;
      return { outputs: toJson({ ...result }, what), workflowId: undefined };
    }
    case 'holdout-gate': {
      const { holdoutGate } = proxyActivities<Activities>(
        stepActivityOptions(place.step, call.uses, `holdout gate of ${call.input.candidate}`),
      );
      const { candidate, windows, marginQuote, entryLatencyMs, cancelLatencyMs, by } = call.input;
      const info = workflowInfo();
      const result = await holdoutGate({
        candidate,
        windows,
        marginQuote,
        entryLatencyUs: Math.round(entryLatencyMs * 1000),
        cancelLatencyUs: Math.round(cancelLatencyMs * 1000),
        by,
        idempotencyKey: `${info.workflowId}/${place.runKey}`,
        workflowId: info.workflowId,
        runId: info.runId,
      });
      if (!result.passed && call.input.failOnReject)
        throw ApplicationFailure.create({
          message: `holdout gate of ${candidate}: not passed: ${result.reason}`,
          type: HOLDOUT_GATE_REJECTED,
          nonRetryable: true,
        });
      const outputs = {
        passed: result.passed,
        candidate,
        champion: result.champion?.versionId ?? null,
        evidenceId: result.evidenceId,
      };
      return { outputs: toJson(outputs, what), workflowId: undefined };
    }
    case 'ab-test': {
      const options = childOptions(place, `A/B test (${call.input.design}) of ${call.input.challenger}`, [
        { key: MODEL_VERSION_KEY, value: call.input.challenger },
      ]);
      const r = await executeChild(abTestWorkflow, { ...options, args: [abTestInputOf(call.input)] });
      const d = r.decision;
      const outputs = {
        outcome: r.outcome,
        decision: d?.decision ?? null,
        intervals: d?.n ?? 0,
        meanDiff: d?.meanDiff ?? null,
        lower: d?.lower ?? null,
        upper: d?.upper ?? null,
        evidenceId: d?.evidenceId ?? null,
      };
      return { outputs: toJson(outputs, what), workflowId: options.workflowId };
    }
    case 'canary': {
      const options = childOptions(place, `canary of ${call.input.challenger}`, [
        { key: MODEL_VERSION_KEY, value: call.input.challenger },
      ]);
      const r = await executeChild(canaryWorkflow, { ...options, args: [canaryInputOf(call.input)] });
      const outputs = { outcome: r.outcome, stepsCompleted: r.stepsCompleted, fraction: r.fraction };
      return { outputs: toJson(outputs, what), workflowId: options.workflowId };
    }
    case 'rollback': {
      const options = childOptions(place, `roll back ${call.input.challenger}`, [
        { key: MODEL_VERSION_KEY, value: call.input.challenger },
      ]);
      const r = await executeChild(rollbackWorkflow, { ...options, args: [rollbackInputOf(call.input)] });
      const outputs = {
        rolledBack: r.rolledBack,
        champion: r.champion,
        restoredPrevious: r.restoredPrevious,
      };
      return { outputs: toJson(outputs, what), workflowId: options.workflowId };
    }
    case 'promote': {
      const options = childOptions(place, `promote ${call.input.challenger} to champion`, [
        { key: MODEL_VERSION_KEY, value: call.input.challenger },
      ]);
      const r = await executeChild(promoteWorkflow, { ...options, args: [promoteInputOf(call.input)] });
      const outputs = {
        champion: r.champion,
        retired: r.retired,
        approvedBy: r.approvedBy,
        reason: r.reason,
      };
      return { outputs: toJson(outputs, what), workflowId: options.workflowId };
    }
    default: {
      const unknownCall: never = call;
      return unknownCall;
    }
  }
}
