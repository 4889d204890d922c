/**
 * Errors of the search library. All are `PermanentError`s (core/errors.ts): retrying the same call
 * with the same input fails the same way, so a workflow maps them to non-retryable failures.
 *
 * Codes: `SEARCH_SPACE_INVALID`, `SEARCH_CONFIG_INVALID`, `TRIAL_UNKNOWN`, `TRIAL_NOT_RUNNING`,
 * `TRIAL_BAD_REPORT`, `TRIAL_BAD_OUTCOME`, `TRIALS_INVALID`, `PARAMS_INVALID`, `SEARCH_EXHAUSTED`.
 */

import { PermanentError } from '../errors.ts';

/** A search space (e.g. the `search.space` block of a pipeline YAML) failed validation. */
export class SearchSpaceError extends PermanentError {
  override readonly name: string = 'SearchSpaceError';

  /**
   * @param where the source being parsed, e.g. `pipelines/retrain-weekly.yaml: search.space`.
   * @param issues one line per problem, `param.field: message` (e.g. `gamma.low: low must be > 0 when log is true (got 0)`).
   */
  constructor(
    readonly where: string,
    readonly issues: readonly string[],
  ) {
    super('SEARCH_SPACE_INVALID', `${where}: invalid search space: ${issues.join('; ')}`, { where, issues });
  }
}

/** A sampler or pruner configuration failed validation. */
export class SearchConfigError extends PermanentError {
  override readonly name: string = 'SearchConfigError';

  /**
   * @param where the source being parsed, e.g. `pipelines/retrain-weekly.yaml: search.sampler`.
   * @param issues one line per problem, `field: message`.
   */
  constructor(
    readonly where: string,
    readonly issues: readonly string[],
  ) {
    super('SEARCH_CONFIG_INVALID', `${where}: invalid search config: ${issues.join('; ')}`, {
      where,
      issues,
    });
  }
}

/** A study was used wrongly (unknown trial, trial already finished, non-finite value, ...). */
export class StudyError extends PermanentError {
  override readonly name: string = 'StudyError';
}

/** The sampler has nothing new to suggest (every grid point is taken); stop asking. */
export class SearchExhaustedError extends PermanentError {
  override readonly name: string = 'SearchExhaustedError';
}

/**
 * Formats zod issues as `path: message` lines (`(root)` for an empty path). Shared by the parsers of
 * this folder so every error names the offending field the same way.
 */
export function formatIssues(
  issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[],
): string[] {
  return issues.map((issue) => {
    const path = issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.');
    return `${path}: ${issue.message}`;
  });
}
