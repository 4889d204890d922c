/**
 * A step's rendered `with`, re-validated against its step type's schema inside the workflow and
 * typed by `uses`: the union the executor switches on exhaustively.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import { parseStepInput, StepInputError, type ResolvedStepInput } from '../../pipeline-dsl/inputs.ts';
import type { Json, PlanStep, PlanStepKind } from '../../pipeline-dsl/plan-types.ts';
import { stepTypeSpecs } from '../../pipeline-dsl/steps.ts';

/** Error type of a step input that does not match its schema after rendering. */
export const INVALID_STEP_INPUT = 'InvalidStepInput';

/** A run's typed input, by step type: the union the executor switches on exhaustively. */
export type StepCall = ResolvedStepInput;

function isStepType(uses: string): uses is keyof typeof stepTypeSpecs {
  return Object.hasOwn(stepTypeSpecs, uses);
}

/**
 * Validates a run's rendered input against the schema of `step.uses` (pipeline-dsl/inputs.ts, the
 * same check the compiler's callers use) and checks the plan's kind matches the step type.
 * @throws ApplicationFailure ({@link INVALID_STEP_INPUT}, non-retryable) naming the step and fields,
 *   or for an unknown `uses` / a kind that does not match it
 */
export function parseStepCall(step: PlanStep, rendered: Json, runKey: string): StepCall {
  if (isStepType(step.uses)) {
    const kind: PlanStepKind = stepTypeSpecs[step.uses].kind;
    if (step.kind !== kind)
      throw ApplicationFailure.nonRetryable(
        `step "${step.id}": uses ${step.uses} is of kind ${kind}, but the plan says ${step.kind}`,
        INVALID_STEP_INPUT,
      );
  }
  try {
    return parseStepInput(step, rendered, runKey);
  } catch (err) {
    if (!(err instanceof StepInputError)) throw err;
    throw ApplicationFailure.create({
      message: `step "${runKey}": invalid input after rendering: ${err.problems.join('; ')}`,
      type: INVALID_STEP_INPUT,
      nonRetryable: true,
      details: [...err.problems],
    });
  }
}
