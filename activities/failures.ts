/**
 * What a step activity's failure tells Temporal (STYLE §10): a `TransientError` is retried under the
 * step's retry policy (about 2.5 min by default, pipeline-dsl/steps.ts `STEP_RETRY_DEFAULT`); a
 * `PermanentError` or `InvariantViolation` becomes a non-retryable ApplicationFailure of the same type
 * whose message says why it is not retried; any other error (one no adapter mapped: a bug, an
 * unexpected library error) is not retried either, as type `UnclassifiedError`, except a database or
 * network failure, which db/errors.ts classifies. Temporal's own failures (cancellation) pass as they are.
 */
import { ApplicationFailure, TemporalFailure } from '@temporalio/common';
import { isMmflowError, TransientError } from '../core/errors.ts';
import { mapDbError } from '../db/errors.ts';

/** Failure type of an error the activity layer could not classify (never retried). */
export const UNCLASSIFIED_ERROR = 'UnclassifiedError';

/** The failure to throw for `err`, raised by the activity `activity`. */
export function toActivityFailure(err: unknown, activity: string): unknown {
  if (err instanceof TemporalFailure) return err;
  if (isMmflowError(err)) {
    if (err.retryable) return err;
    const why =
      err.name === 'InvariantViolation'
        ? 'an invariant violation: our own state is wrong'
        : 'a permanent error: the same call would fail again';
    return ApplicationFailure.create({
      type: err.name,
      message: `${err.message} [${err.code}: not retried, ${why}]`,
      nonRetryable: true,
      details: [{ code: err.code, ...(err.details ?? {}) }],
      cause: err,
    });
  }
  const mapped = mapDbError(err, activity);
  if (mapped instanceof TransientError) return mapped;
  const message = err instanceof Error ? err.message : String(err);
  return ApplicationFailure.create({
    type: UNCLASSIFIED_ERROR,
    message: `${activity}: ${message} [not retried: an unclassified error (neither transient nor mapped at an adapter edge)]`,
    nonRetryable: true,
    ...(err instanceof Error ? { cause: err } : {}),
  });
}

/**
 * Wraps a step activity: heartbeats kept alive by the caller, failures classified by
 * {@link toActivityFailure}.
 */
export function classified<A extends unknown[], R>(
  activity: string,
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args: A): Promise<R> => {
    try {
      return await fn(...args);
    } catch (err) {
      throw toActivityFailure(err, activity);
    }
  };
}
