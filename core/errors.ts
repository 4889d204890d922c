/**
 * The error taxonomy, by retryability (STYLE.md §10). Adapters map foreign errors (ccxt, pg, fetch) to
 * these at the edge; workflows turn non-retryable ones into non-retryable `ApplicationFailure`s.
 *
 * - `TransientError`: may succeed if retried unchanged (network, timeout, rate limit, 5xx).
 * - `PermanentError`: will fail again if retried unchanged (bad request, unknown symbol, malformed
 *   payload, insufficient funds, invalid config).
 * - `InvariantViolation`: our own state is wrong (crossed book, NaN price, negative size). Never
 *   retried; in the quoting loop, pull all quotes first, then fail loudly.
 *
 * Every error carries a stable machine-readable `code` (SCREAMING_SNAKE, e.g. `PARSE_FIELD`) and an
 * optional `details` object of plain values (ids, file, line, field) for structured logs.
 */

/** Plain-value context attached to an error (kept JSON-serialisable for logs and Temporal). */
export type ErrorDetails = Readonly<Record<string, unknown>>;

/** Common shape of the three taxonomy classes. Not exported for construction: pick a subclass. */
abstract class MmflowError extends Error {
  /** Stable machine-readable code, e.g. `BOOK_GAP`, `PARSE_FIELD`, `UNKNOWN_INSTRUMENT`. */
  readonly code: string;
  /** Structured context (file, line, field, ids); undefined when there is none. */
  readonly details: ErrorDetails | undefined;
  /** True only for transient errors: retrying the same call unchanged may succeed. */
  abstract readonly retryable: boolean;

  constructor(code: string, message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = details;
  }
}

/**
 * A failure that may succeed when retried unchanged (network error, timeout, HTTP 429/5xx).
 * @param code stable code, e.g. `NETWORK`, `RATE_LIMIT`.
 */
export class TransientError extends MmflowError {
  override readonly name: string = 'TransientError';
  readonly retryable = true;
}

/**
 * A failure that will recur if retried unchanged: malformed payload or file, unknown symbol, bad
 * request, insufficient funds, invalid configuration.
 * @param code stable code, e.g. `PARSE_FIELD`, `UNKNOWN_INSTRUMENT`.
 */
export class PermanentError extends MmflowError {
  override readonly name: string = 'PermanentError';
  readonly retryable = false;
}

/**
 * Our own state broke an invariant (crossed book, NaN or non-integer price, negative size). Never
 * retried: the caller must stop acting on that state (pull quotes) and surface the error.
 * @param code stable code, e.g. `BOOK_CROSSED`, `NON_INTEGER_SIZE`.
 */
export class InvariantViolation extends MmflowError {
  override readonly name: string = 'InvariantViolation';
  readonly retryable = false;
}

/**
 * Whether `err` is worth retrying unchanged.
 * - `TransientError` → true; `PermanentError` and `InvariantViolation` → false.
 * - Anything else (a foreign error an adapter failed to map, or a non-Error throw) → true, matching
 *   Temporal's default of retrying unknown failures under the activity's bounded retry policy; map
 *   errors at the adapter edge to make them non-retryable.
 */
export function isRetryable(err: unknown): boolean {
  if (err instanceof MmflowError) return err.retryable;
  return true;
}

/** Type guard: `err` is one of the taxonomy classes (has `code`, `details`, `retryable`). */
export function isMmflowError(err: unknown): err is TransientError | PermanentError | InvariantViolation {
  return err instanceof MmflowError;
}
