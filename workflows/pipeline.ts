/**
 * Executes a compiled pipeline plan: each step runs as a child workflow once the steps it `needs`
 * have completed; independent steps run in parallel. The plan (with its content hash) is the input,
 * so the workflow history records exactly what ran.
 */
import { executeChild, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { backtestWorkflow } from './backtest.ts';
import { ingestWorkflow } from './ingest.ts';
import { OUTCOME_KEY, PIPELINE_KEY } from './search-attributes.ts';
import type { PipelineInput, PipelineResult, StepResult } from './types.ts';
import type { PlanStep } from '../pipeline-dsl/plan.ts';

/** Runs every step of `input.plan`; fails with the first failing step's error. */
export async function pipelineWorkflow(input: PipelineInput): Promise<PipelineResult> {
  const { plan } = input;
  upsertSearchAttributes([{ key: PIPELINE_KEY, value: plan.name }]);
  const running = new Map<string, Promise<StepResult>>();
  for (const step of plan.steps) {
    const deps = step.needs
      .map((id) => running.get(id))
      .filter((p): p is Promise<StepResult> => p !== undefined);
    running.set(
      step.id,
      Promise.all(deps).then(() => runStep(step, plan.name)),
    );
  }
  try {
    const steps = await Promise.all(plan.steps.map((s) => running.get(s.id) as Promise<StepResult>));
    upsertSearchAttributes([{ key: OUTCOME_KEY, value: 'completed' }]);
    return { pipeline: plan.name, contentHash: plan.contentHash, steps };
  } catch (err) {
    upsertSearchAttributes([{ key: OUTCOME_KEY, value: 'failed' }]);
    throw err;
  }
}

async function runStep(step: PlanStep, pipeline: string): Promise<StepResult> {
  const workflowId = `${workflowInfo().workflowId}.${step.id}`;
  const common = { workflowId, typedSearchAttributes: [{ key: PIPELINE_KEY, value: pipeline }] };
  if (step.uses === 'ingest') {
    const result = await executeChild(ingestWorkflow, {
      ...common,
      args: [step.with],
      staticSummary: `ingest ${step.with.sources.length} file(s) into PostgreSQL`,
    });
    return { id: step.id, uses: 'ingest', workflowId, result };
  }
  const result = await executeChild(backtestWorkflow, {
    ...common,
    args: [step.with],
    staticSummary: `backtest ${step.with.model} on ${step.with.session}`,
  });
  return { id: step.id, uses: 'backtest', workflowId, result };
}
