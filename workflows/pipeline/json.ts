/**
 * JSON values inside the workflow: step outputs are stored, referenced by expressions and returned as
 * `Json`, so results of child workflows and activities are checked into that shape (not cast).
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { Json } from '../../pipeline-dsl/plan-types.ts';

/**
 * A deep copy of `value` as a JSON value.
 * @param what names the value in the error, e.g. `outputs of step "ingest"`
 * @throws ApplicationFailure (non-retryable, type `NotJson`) at the first non-JSON part (undefined,
 *   function, non-finite number, bigint, symbol), naming its path
 */
export function toJson(value: unknown, what: string, path = ''): Json {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
  } else if (Array.isArray(value)) {
    return value.map((v: unknown, i) => toJson(v, what, `${path}[${i}]`));
  } else if (typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) out[k] = toJson(v, what, `${path}.${k}`);
    }
    return out;
  }
  throw ApplicationFailure.nonRetryable(
    `${what}: ${path === '' ? 'value' : path.replace(/^\./, '')} is not JSON (${String(value)})`,
    'NotJson',
  );
}

/** A JSON object (not null, not an array). `Array.isArray` does not narrow readonly arrays away. */
export function isJsonObject(value: Json | undefined): value is { readonly [key: string]: Json } {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The current time, Unix epoch ms. Inside a workflow `Date` is Temporal's deterministic clock (the
 * time of the workflow task being processed), so this is replay-safe. */
export function workflowNowMs(): number {
  return new Date().getTime();
}
