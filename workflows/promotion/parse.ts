/**
 * Parsing of a promotion workflow's input with its step type's schema (pipeline-dsl/promotion-steps.ts):
 * the same JSON from YAML, the CLI or the Web UI, defaults applied, durations in ms.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { z } from 'zod';
import { formatPath } from '../../pipeline-dsl/errors.ts';
import { PROMOTION_REFUSED } from './definitions.ts';

/**
 * @returns the parsed input
 * @throws ApplicationFailure {@link PROMOTION_REFUSED} (non-retryable) naming every bad field
 */
export function parseWorkflowInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
  throw ApplicationFailure.create({
    message: `${what}: invalid input: ${problems.join('; ')}`,
    type: PROMOTION_REFUSED,
    nonRetryable: true,
    details: problems,
  });
}

/** A non-retryable refusal of the run (no champion to compare with, nothing to restore…). */
export function refused(message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type: PROMOTION_REFUSED, nonRetryable: true });
}
