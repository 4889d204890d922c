/**
 * Binance's error answers, as the simulator gives them: HTTP status + `{ "code", "msg" }` body.
 *
 * Codes and messages are Binance's documented ones (Spot API "Error codes",
 * https://developers.binance.com/docs/binance-spot-api-docs/errors), spelled exactly, because ccxt maps
 * some errors by message text ("Order would immediately match and take." → OrderImmediatelyFillable)
 * and the rest by code (-1022 → AuthenticationError, -2010 → InvalidOrder, -2013 → OrderNotFound…).
 */

/** One venue error: HTTP status, Binance code (negative integer) and message. */
export class ApiError extends Error {
  /** HTTP status of the answer (400 bad request, 401 unauthorised, 404, 429 rate limit). */
  readonly status: number;
  /** Binance error code, e.g. -1022. */
  readonly code: number;
  /** Seconds the client must wait (429 only); sent as `Retry-After`. */
  readonly retryAfterSec: number | undefined;

  constructor(status: number, code: number, msg: string, retryAfterSec?: number) {
    super(msg);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfterSec = retryAfterSec;
  }

  /** The JSON body Binance sends. */
  body(): { readonly code: number; readonly msg: string } {
    return { code: this.code, msg: this.message };
  }
}

/** Constructors of the errors the simulator answers, one per Binance code/message used. */
export const apiErrors = {
  /** -1021, a timestamp older than `recvWindow`. */
  timestampOutside: () =>
    new ApiError(400, -1021, 'Timestamp for this request is outside of the recvWindow.'),
  /** -1021, a timestamp more than 1 s ahead of the server clock. */
  timestampAhead: () =>
    new ApiError(400, -1021, "Timestamp for this request was 1000ms ahead of the server's time."),
  badSignature: () => new ApiError(400, -1022, 'Signature for this request is not valid.'),
  /** -1102 for a missing, empty or malformed mandatory parameter. */
  mandatory: (name: string) =>
    new ApiError(400, -1102, `Mandatory parameter '${name}' was not sent, was empty/null, or malformed.`),
  /** -1100 for a parameter with characters outside its grammar. */
  illegalChars: (name: string) =>
    new ApiError(400, -1100, `Illegal characters found in parameter '${name}'.`),
  invalidTimeInForce: () => new ApiError(400, -1115, 'Invalid timeInForce.'),
  invalidOrderType: () => new ApiError(400, -1116, 'Invalid orderType.'),
  invalidSide: () => new ApiError(400, -1117, 'Invalid side.'),
  invalidSymbol: () => new ApiError(400, -1121, 'Invalid symbol.'),
  invalidListenKey: () => new ApiError(400, -1125, 'This listenKey does not exist.'),
  recvWindowTooLarge: () => new ApiError(400, -1131, 'recvWindow must be less than 60000'),
  /** -1013 for a filter failure, e.g. `PRICE_FILTER`, `LOT_SIZE`, `NOTIONAL`. */
  filter: (filter: string) => new ApiError(400, -1013, `Filter failure: ${filter}`),
  insufficientBalance: () =>
    new ApiError(400, -2010, 'Account has insufficient balance for requested action.'),
  wouldTake: () => new ApiError(400, -2010, 'Order would immediately match and take.'),
  duplicateOrder: () => new ApiError(400, -2010, 'Duplicate order sent.'),
  unknownOrderCancel: () => new ApiError(400, -2011, 'Unknown order sent.'),
  orderDoesNotExist: () => new ApiError(400, -2013, 'Order does not exist.'),
  apiKeyFormat: () => new ApiError(401, -2014, 'API-key format invalid.'),
  invalidApiKey: () => new ApiError(401, -2015, 'Invalid API-key, IP, or permissions for action.'),
  /** -1003 with 429 and `Retry-After` (request weight over the per-minute limit). */
  tooManyRequests: (retryAfterSec: number, limit: number) =>
    new ApiError(
      429,
      -1003,
      `Too much request weight used; current limit is ${limit} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.`,
      retryAfterSec,
    ),
  /** -1015 with 429 and `Retry-After` (new orders over the per-10 s limit). */
  tooManyOrders: (retryAfterSec: number, limit: number) =>
    new ApiError(
      429,
      -1015,
      `Too many new orders; current limit is ${limit} orders per 10 SECOND.`,
      retryAfterSec,
    ),
} as const;
