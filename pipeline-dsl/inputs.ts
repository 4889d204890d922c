/**
 * Run-time side of step inputs: renders a plan step's `with` template against the run's context and
 * validates the result with the step type's input schema, giving a typed input. Pure and
 * deterministic: usable inside the pipeline workflow (and by the main job, for a step that only uses
 * params).
 */
import type { z } from 'zod';
import { formatPath } from './errors.ts';
import type { Json, PlanStep } from './plan-types.ts';
import {
  approveStepInputSchema,
  backtestStepInputSchema,
  ingestStepInputSchema,
  validateMarketDataStepInputSchema,
  waitStepInputSchema,
  type ApproveStepInput,
  type BacktestStepInput,
  type IngestStepInput,
  type ValidateMarketDataStepInput,
  type WaitStepInput,
} from './steps.ts';
import {
  calibrateStepInputSchema,
  dataQualityGateStepInputSchema,
  evaluateModelStepInputSchema,
  registerModelStepInputSchema,
  studyStepInputSchema,
  trainAlphaStepInputSchema,
  type CalibrateStepInput,
  type DataQualityGateStepInput,
  type EvaluateModelStepInput,
  type RegisterModelStepInput,
  type StudyStepInput,
  type TrainAlphaStepInput,
} from './retrain-steps.ts';
import {
  abTestStepInputSchema,
  canaryStepInputSchema,
  holdoutGateStepInputSchema,
  promoteStepInputSchema,
  rollbackStepInputSchema,
  type AbTestStepInput,
  type CanaryStepInput,
  type HoldoutGateStepInput,
  type PromoteStepInput,
  type RollbackStepInput,
} from './promotion-steps.ts';
import type { EvalContext } from './expr/evaluate.ts';
import { ExpressionError } from './expr/errors.ts';
import { renderTemplate } from './expr/template.ts';

export type ResolvedStepInput =
  | { readonly uses: 'ingest'; readonly input: IngestStepInput }
  | { readonly uses: 'backtest'; readonly input: BacktestStepInput }
  | { readonly uses: 'validate-market-data'; readonly input: ValidateMarketDataStepInput }
  | { readonly uses: 'wait'; readonly input: WaitStepInput }
  | { readonly uses: 'approve'; readonly input: ApproveStepInput }
  | { readonly uses: 'data-quality-gate'; readonly input: DataQualityGateStepInput }
  | { readonly uses: 'calibrate'; readonly input: CalibrateStepInput }
  | { readonly uses: 'study'; readonly input: StudyStepInput }
  | { readonly uses: 'train-alpha'; readonly input: TrainAlphaStepInput }
  | { readonly uses: 'evaluate-model'; readonly input: EvaluateModelStepInput }
  | { readonly uses: 'register-model'; readonly input: RegisterModelStepInput }
  | { readonly uses: 'holdout-gate'; readonly input: HoldoutGateStepInput }
  | { readonly uses: 'ab-test'; readonly input: AbTestStepInput }
  | { readonly uses: 'canary'; readonly input: CanaryStepInput }
  | { readonly uses: 'rollback'; readonly input: RollbackStepInput }
  | { readonly uses: 'promote'; readonly input: PromoteStepInput };

/** The input of a step could not be rendered or does not satisfy its schema (a permanent error). */
export class StepInputError extends Error {
  constructor(
    readonly stepId: string,
    readonly problems: readonly string[],
  ) {
    super(`step "${stepId}": invalid input: ${problems.join('; ')}`);
    this.name = 'StepInputError';
  }
}

/**
 * Renders `step.with` in `ctx` (`item` set for one run of a forEach step) and validates it.
 * @throws StepInputError naming the step and each field (`with.session: …`)
 */
export function resolveStepInput(step: PlanStep, ctx: EvalContext): ResolvedStepInput {
  let rendered;
  try {
    rendered = renderTemplate(step.with, ctx);
  } catch (err) {
    if (err instanceof ExpressionError) throw new StepInputError(step.id, [err.message]);
    throw err;
  }
  return parseStepInput(step, rendered);
}

/**
 * Validates an already rendered `with` against the schema of `step.uses`, typed by `uses`.
 * @param label how errors name the step (default its id; the workflow passes `<id>[.<index>]`)
 * @throws StepInputError naming the step and each field, or an unknown `uses`
 */
export function parseStepInput(step: PlanStep, rendered: Json, label: string = step.id): ResolvedStepInput {
  const parse = <S extends z.ZodType>(schema: S): z.output<S> => {
    const result = schema.safeParse(rendered);
    if (result.success) return result.data;
    throw new StepInputError(
      label,
      result.error.issues.map((i) => `${formatPath(['with', ...i.path])}: ${i.message}`),
    );
  };
  switch (step.uses) {
    case 'ingest':
      return { uses: 'ingest', input: parse(ingestStepInputSchema) };
    case 'backtest':
      return { uses: 'backtest', input: parse(backtestStepInputSchema) };
    case 'validate-market-data':
      return { uses: 'validate-market-data', input: parse(validateMarketDataStepInputSchema) };
    case 'wait':
      return { uses: 'wait', input: parse(waitStepInputSchema) };
    case 'approve':
      return { uses: 'approve', input: parse(approveStepInputSchema) };
    case 'data-quality-gate':
      return { uses: 'data-quality-gate', input: parse(dataQualityGateStepInputSchema) };
    case 'calibrate':
      return { uses: 'calibrate', input: parse(calibrateStepInputSchema) };
    case 'study':
      return { uses: 'study', input: parse(studyStepInputSchema) };
    case 'train-alpha':
      return { uses: 'train-alpha', input: parse(trainAlphaStepInputSchema) };
    case 'evaluate-model':
      return { uses: 'evaluate-model', input: parse(evaluateModelStepInputSchema) };
    case 'register-model':
      return { uses: 'register-model', input: parse(registerModelStepInputSchema) };
    case 'holdout-gate':
      return { uses: 'holdout-gate', input: parse(holdoutGateStepInputSchema) };
    case 'ab-test':
      return { uses: 'ab-test', input: parse(abTestStepInputSchema) };
    case 'canary':
      return { uses: 'canary', input: parse(canaryStepInputSchema) };
    case 'rollback':
      return { uses: 'rollback', input: parse(rollbackStepInputSchema) };
    case 'promote':
      return { uses: 'promote', input: parse(promoteStepInputSchema) };
    default:
      throw new StepInputError(label, [`unknown step type "${step.uses}"`]);
  }
}
