/**
 * Parameter readers and the error answer shared by the spot and USDⓈ-M handlers: symbol → replay,
 * order references, decimal parameters on the instrument's grid, `{code, msg}` answers.
 */
import { compileStep, decimalToSteps } from '../core/instrument.ts';
import { apiErrors, type ApiError } from './api-error.ts';
import type { ApiAnswer } from './http-types.ts';
import type { SymbolReplay } from './symbol-replay.ts';

/** The answer of a venue error, with `Retry-After` on 429. */
export function errorAnswer(err: ApiError): ApiAnswer {
  return err.retryAfterSec === undefined
    ? { status: err.status, body: err.body() }
    : { status: err.status, body: err.body(), headers: { 'Retry-After': String(err.retryAfterSec) } };
}

/** The replay of the `symbol` parameter. @throws ApiError -1102 if absent, -1121 if unknown. */
export function replayFrom(replays: ReadonlyMap<string, SymbolReplay>, p: URLSearchParams): SymbolReplay {
  const symbol = p.get('symbol');
  if (symbol === null || symbol === '') throw apiErrors.mandatory('symbol');
  const replay = replays.get(symbol.toUpperCase());
  if (replay === undefined) throw apiErrors.invalidSymbol();
  return replay;
}

/** `orderId` or `origClientOrderId`. @throws ApiError -1102 if neither (or a malformed id). */
export function orderRef(p: URLSearchParams): {
  orderId: number | undefined;
  clientOrderId: string | undefined;
} {
  const id = p.get('orderId');
  const cid = p.get('origClientOrderId');
  if (id === null && cid === null) throw apiErrors.mandatory('orderId');
  if (id !== null && !/^\d{1,16}$/.test(id)) throw apiErrors.mandatory('orderId');
  return { orderId: id === null ? undefined : Number(id), clientOrderId: cid ?? undefined };
}

/** A decimal parameter on the instrument's grid, in steps: -1102 if absent, -1013 `filter` if off-grid or ≤ 0. */
export function steps(stepText: string, value: string | null, name: string, filter: string): number {
  if (value === null || value === '') throw apiErrors.mandatory(name);
  let n: number;
  try {
    n = decimalToSteps(compileStep(stepText), value);
  } catch {
    throw /^\d+(\.\d+)?$/.test(value) ? apiErrors.filter(filter) : apiErrors.mandatory(name);
  }
  if (n <= 0) throw apiErrors.filter(filter);
  return n;
}
