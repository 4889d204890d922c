/**
 * Maps ccxt's error hierarchy (ccxt 4.5 `base/errorHierarchy`) to mmflow's taxonomy (core/errors.ts)
 * at the adapter edge, so nothing past the adapter ever sees a ccxt class (STYLE.md §10).
 *
 * - `OperationFailed` subtree (network, DDoS/rate limit, timeout, maintenance, nonce/checksum, bad or
 *   null response, cancel pending) → `TransientError`: the same call may succeed later.
 * - `ExchangeError` subtree (auth, bad request/symbol, invalid order, insufficient funds, not supported,
 *   operation rejected) → `PermanentError`: retrying unchanged fails again.
 * - Anything else (a bug in our code or ccxt's) → `PermanentError('UNEXPECTED')`: retrying would hide it.
 *
 * Messages are scrubbed of credentials and request signatures before they are kept.
 */
import {
  AuthenticationError,
  BadRequest,
  BadResponse,
  BadSymbol,
  BaseError,
  CancelPending,
  DDoSProtection,
  ExchangeNotAvailable,
  InsufficientFunds,
  InvalidNonce,
  InvalidOrder,
  NetworkError,
  NotSupported,
  OperationFailed,
  OperationRejected,
  OrderImmediatelyFillable,
  OrderNotFillable,
  OrderNotFound,
  RateLimitExceeded,
  RequestTimeout,
} from 'ccxt';
import { PermanentError, TransientError } from '../../core/errors.ts';
import { redactSecrets, type Secret } from '../secret.ts';

/** Stable codes this mapper produces (the `code` of the returned error). */
export type CcxtErrorCode =
  | 'RATE_LIMIT'
  | 'TIMEOUT'
  | 'EXCHANGE_UNAVAILABLE'
  | 'BOOK_CHECKSUM'
  | 'NETWORK'
  | 'BAD_RESPONSE'
  | 'CANCEL_PENDING'
  | 'AUTH'
  | 'INSUFFICIENT_FUNDS'
  | 'ORDER_NOT_FOUND'
  | 'POST_ONLY_WOULD_CROSS'
  | 'ORDER_NOT_FILLABLE'
  | 'INVALID_ORDER'
  | 'UNKNOWN_SYMBOL'
  | 'BAD_REQUEST'
  | 'NOT_SUPPORTED'
  | 'REJECTED'
  | 'EXCHANGE_ERROR'
  | 'UNEXPECTED';

type ErrorClass = abstract new (...args: never[]) => Error;

/** Most specific first: the first `instanceof` match wins. */
const RULES: ReadonlyArray<readonly [ErrorClass, CcxtErrorCode, 'transient' | 'permanent']> = [
  [RateLimitExceeded, 'RATE_LIMIT', 'transient'],
  [DDoSProtection, 'RATE_LIMIT', 'transient'],
  [RequestTimeout, 'TIMEOUT', 'transient'],
  [ExchangeNotAvailable, 'EXCHANGE_UNAVAILABLE', 'transient'], // includes OnMaintenance
  [InvalidNonce, 'BOOK_CHECKSUM', 'transient'], // includes ChecksumError: resubscribe / resync
  [NetworkError, 'NETWORK', 'transient'],
  [BadResponse, 'BAD_RESPONSE', 'transient'], // includes NullResponse
  [CancelPending, 'CANCEL_PENDING', 'transient'],
  [OperationFailed, 'NETWORK', 'transient'],
  [AuthenticationError, 'AUTH', 'permanent'], // includes PermissionDenied, AccountSuspended
  [InsufficientFunds, 'INSUFFICIENT_FUNDS', 'permanent'],
  [OrderNotFound, 'ORDER_NOT_FOUND', 'permanent'],
  [OrderImmediatelyFillable, 'POST_ONLY_WOULD_CROSS', 'permanent'], // spot LIMIT_MAKER: -2010 'would immediately match'
  [OrderNotFillable, 'ORDER_NOT_FILLABLE', 'permanent'], // usdm GTX: -5022 'could not be executed as maker'
  [InvalidOrder, 'INVALID_ORDER', 'permanent'],
  [BadSymbol, 'UNKNOWN_SYMBOL', 'permanent'],
  [BadRequest, 'BAD_REQUEST', 'permanent'],
  [NotSupported, 'NOT_SUPPORTED', 'permanent'],
  [OperationRejected, 'REJECTED', 'permanent'],
  [BaseError, 'EXCHANGE_ERROR', 'permanent'],
];

/**
 * Binance answers whose outcome is unknown, which ccxt 4.5 leaves as a generic error: an HTTP 5xx
 * ("the issue is on Binance's side … the execution status is UNKNOWN and could have been a success",
 * Binance API docs, General API Information) and the codes -1000 UNKNOWN, -1001 DISCONNECTED and
 * -1008 server overloaded ("please try again"), which ccxt's spot error table lacks. Transient, so an
 * order's outcome is asked, never assumed.
 */
const UNKNOWN_OUTCOME = /(?:^|\s)binance 5\d\d\b|"code":\s*-10(?:00|01|08)\b/;

function isUnknownOutcome(message: string): boolean {
  return UNKNOWN_OUTCOME.test(message);
}

/**
 * Converts anything a ccxt call threw into a taxonomy error.
 * @param err the thrown value.
 * @param context plain values for `details` (e.g. `{ op: 'createOrder', clientOrderId }`).
 * @param secrets credentials to scrub from the message (the message never quotes them).
 * @returns `err` itself when it is already a `TransientError` or `PermanentError`; else a
 *   `TransientError` or `PermanentError` whose `code` is a `CcxtErrorCode` and whose
 *   `details.ccxtClass` names the original class; the original error is NOT kept as `cause`, since
 *   its message may quote a signed request.
 */
export function mapCcxtError(
  err: unknown,
  context: Readonly<Record<string, string | number>> = {},
  secrets: readonly Secret[] = [],
): TransientError | PermanentError {
  // Already mapped (by the redacting client, withExchangeErrors): its message was scrubbed there.
  if (err instanceof TransientError || err instanceof PermanentError) return err;
  const ccxtClass = err instanceof Error ? err.constructor.name : typeof err;
  const rawMessage = err instanceof Error ? err.message : String(err);
  const message = redactSecrets(rawMessage, secrets).slice(0, 500);
  const details = { ...context, ccxtClass };
  if (err instanceof BaseError && isUnknownOutcome(rawMessage)) {
    return new TransientError('EXCHANGE_UNAVAILABLE', `exchange: ${message}`, details);
  }
  for (const [cls, code, kind] of RULES) {
    if (err instanceof cls) {
      return kind === 'transient'
        ? new TransientError(code, `exchange: ${message}`, details)
        : new PermanentError(code, `exchange: ${message}`, details);
    }
  }
  return new PermanentError('UNEXPECTED', `unexpected error in exchange adapter: ${message}`, details);
}
