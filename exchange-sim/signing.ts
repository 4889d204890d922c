/**
 * Authentication of SIGNED requests as Binance does it (Spot API "Request security",
 * https://developers.binance.com/docs/binance-spot-api-docs/rest-api/request-security):
 *
 *  - the API key travels in the `X-MBX-APIKEY` header: missing or malformed → -2014, unknown → -2015;
 *  - `signature` = hex HMAC-SHA256, keyed with the secret, of `totalParams` = the query string
 *    concatenated with the request body, without the `signature` parameter itself → else -1022;
 *  - `timestamp` (ms) is mandatory (-1102); `recvWindow` (ms, default 5000) may not exceed 60 000
 *    (-1131); the request is accepted iff `timestamp < serverTime + 1000` and
 *    `serverTime − timestamp ≤ recvWindow` → else -1021.
 *
 * Pure: the server time arrives as an argument.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { apiErrors } from './api-error.ts';

/** Default and maximum `recvWindow`, ms. */
export const DEFAULT_RECV_WINDOW_MS = 5000;
export const MAX_RECV_WINDOW_MS = 60_000;
/** How far ahead of the server clock a timestamp may be, ms. */
const AHEAD_TOLERANCE_MS = 1000;
/** Binance API keys are 64 alphanumerics; the simulator accepts any 1–128 printable ASCII without spaces. */
const API_KEY_RE = /^[\x21-\x7e]{1,128}$/;

/** Looks up the secret of an API key; undefined for an unknown key. */
export type SecretLookup = (apiKey: string) => string | undefined;

/** The raw pieces of an HTTP request that the signature covers. */
export interface SignedRequestParts {
  /** `X-MBX-APIKEY` header value, undefined if absent. */
  readonly apiKeyHeader: string | undefined;
  /** Raw query string without the leading `?` ('' if none). */
  readonly query: string;
  /** Raw request body ('' if none). */
  readonly body: string;
}

/** The API key of a request (header checks only: for `userDataStream`, which is not signed). */
export function requireApiKey(apiKeyHeader: string | undefined, secretOf: SecretLookup): string {
  if (apiKeyHeader === undefined || !API_KEY_RE.test(apiKeyHeader)) throw apiErrors.apiKeyFormat();
  if (secretOf(apiKeyHeader) === undefined) throw apiErrors.invalidApiKey();
  return apiKeyHeader;
}

/**
 * Checks key, signature, timestamp and recvWindow of a SIGNED request.
 * @param serverTimeMs the server clock, Unix ms.
 * @returns the API key.
 * @throws ApiError with the venue's code (see the module doc).
 */
export function verifySignedRequest(
  parts: SignedRequestParts,
  params: URLSearchParams,
  secretOf: SecretLookup,
  serverTimeMs: number,
): string {
  const apiKey = requireApiKey(parts.apiKeyHeader, secretOf);
  checkTimestamp(params, serverTimeMs);
  const signature = params.get('signature');
  if (signature === null || signature === '') throw apiErrors.mandatory('signature');
  const total = withoutSignature(parts.query) + withoutSignature(parts.body);
  if (!hmacMatches(secretOf(apiKey) ?? '', total, signature)) throw apiErrors.badSignature();
  return apiKey;
}

/**
 * The `timestamp` / `recvWindow` rule (module doc).
 * @throws ApiError -1102, -1131 or -1021.
 */
export function checkTimestamp(params: URLSearchParams, serverTimeMs: number): void {
  const ts = integerParam(params, 'timestamp');
  if (ts === undefined) throw apiErrors.mandatory('timestamp');
  const recvWindowText = params.get('recvWindow');
  const recvWindowMs = recvWindowText === null ? DEFAULT_RECV_WINDOW_MS : Number(recvWindowText);
  if (!Number.isFinite(recvWindowMs) || recvWindowMs <= 0) throw apiErrors.mandatory('recvWindow');
  if (recvWindowMs > MAX_RECV_WINDOW_MS) throw apiErrors.recvWindowTooLarge();
  if (ts >= serverTimeMs + AHEAD_TOLERANCE_MS) throw apiErrors.timestampAhead();
  if (serverTimeMs - ts > recvWindowMs) throw apiErrors.timestampOutside();
}

/** Hex HMAC-SHA256 of `payload` keyed with `secret` (what clients put in `signature`). */
export function hmacHex(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('hex');
}

/** Constant-time comparison of the expected HMAC with a client's hex signature (case-insensitive). */
export function hmacMatches(secret: string, payload: string, signatureHex: string): boolean {
  const expected = Buffer.from(hmacHex(secret, payload), 'utf8');
  const given = Buffer.from(signatureHex.toLowerCase(), 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** A raw `k=v&…` string without its `signature=…` pair (other pairs byte for byte as sent). */
export function withoutSignature(raw: string): string {
  if (raw === '') return raw;
  return raw
    .split('&')
    .filter((pair) => !pair.startsWith('signature='))
    .join('&');
}

/** A non-negative integer parameter; undefined if absent; -1102 if present but not an integer. */
function integerParam(params: URLSearchParams, name: string): number | undefined {
  const text = params.get(name);
  if (text === null) return undefined;
  if (!/^\d{1,16}$/.test(text)) throw apiErrors.mandatory(name);
  return Number(text);
}
