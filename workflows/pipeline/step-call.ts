/**
 * A step's rendered `with`, re-validated against its step type's schema inside the workflow and
 * typed by `uses`: the union the executor switches on exhaustively.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { z } from 'zod';
import type { Json, PlanStep, PlanStepKind } from '../../pipeline-dsl/plan-types.ts';
import {
  approveStepInputSchema,
  backtestStepInputSchema,
  ingestStepInputSchema,
  stepTypeSpecs,
  validateMarketDataStepInputSchema,
  waitStepInputSchema,
  type ApproveStepInput,
  type BacktestStepInput,
  type IngestStepInput,
  type ValidateMarketDataStepInput,
  type WaitStepInput,
} from '../../pipeline-dsl/steps.ts';

/** Error type of a step input that does not match its schema after rendering. */
export const INVALID_STEP_INPUT = 'InvalidStepInput';

/** A run's typed input, by step type. */
export type StepCall =
  | { readonly uses: 'ingest'; readonly input: IngestStepInput }
  | { readonly uses: 'backtest'; readonly input: BacktestStepInput }
  | { readonly uses: 'validate-market-data'; readonly input: ValidateMarketDataStepInput }
  | { readonly uses: 'wait'; readonly input: WaitStepInput }
  | { readonly uses: 'approve'; readonly input: ApproveStepInput };

function parseWith<T>(schema: z.ZodType<T>, rendered: Json, runKey: string): T {
  const result = schema.safeParse(rendered);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${['with', ...i.path].join('.')}: ${i.message}`);
  throw ApplicationFailure.create({
    message: `step "${runKey}": invalid input after rendering: ${issues.join('; ')}`,
    type: INVALID_STEP_INPUT,
    nonRetryable: true,
    details: issues,
  });
}

function expectKind(step: PlanStep, uses: keyof typeof stepTypeSpecs): void {
  const kind: PlanStepKind = stepTypeSpecs[uses].kind;
  if (step.kind !== kind)
    throw ApplicationFailure.nonRetryable(
      `step "${step.id}": uses ${step.uses} is of kind ${kind}, but the plan says ${step.kind}`,
      INVALID_STEP_INPUT,
    );
}

/**
 * Validates a run's rendered input against the schema of `step.uses`.
 * @throws ApplicationFailure ({@link INVALID_STEP_INPUT}, non-retryable) naming the step and fields,
 *   or for an unknown `uses` / a kind that does not match it
 */
export function parseStepCall(step: PlanStep, rendered: Json, runKey: string): StepCall {
  switch (step.uses) {
    case 'ingest':
      expectKind(step, 'ingest');
      return { uses: 'ingest', input: parseWith(ingestStepInputSchema, rendered, runKey) };
    case 'backtest':
      expectKind(step, 'backtest');
      return { uses: 'backtest', input: parseWith(backtestStepInputSchema, rendered, runKey) };
    case 'validate-market-data':
      expectKind(step, 'validate-market-data');
      return {
        uses: 'validate-market-data',
        input: parseWith(validateMarketDataStepInputSchema, rendered, runKey),
      };
    case 'wait':
      expectKind(step, 'wait');
      return { uses: 'wait', input: parseWith(waitStepInputSchema, rendered, runKey) };
    case 'approve':
      expectKind(step, 'approve');
      return { uses: 'approve', input: parseWith(approveStepInputSchema, rendered, runKey) };
    default:
      throw ApplicationFailure.nonRetryable(
        `step "${step.id}": unknown step type "${step.uses}" (this worker runs ingest, backtest, validate-market-data, wait, approve)`,
        INVALID_STEP_INPUT,
      );
  }
}
