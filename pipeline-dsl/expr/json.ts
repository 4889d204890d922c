/** Type guards over JSON values (`Array.isArray` does not narrow readonly arrays out of a union). */
import type { Json } from '../plan-types.ts';

export type JsonObject = { readonly [key: string]: Json };

export function isJsonArray(value: Json): value is readonly Json[] {
  return Array.isArray(value);
}

export function isJsonObject(value: Json): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** True when `value` is JSON: null, boolean, finite number, string, or arrays/plain objects of JSON. */
export function isJson(value: unknown): value is Json {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isJson);
  if (typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && Object.values(value).every(isJson);
}

/** Path of the first value inside `value` that is not JSON (e.g. YAML `.inf`), or undefined when all is JSON. */
export function nonJsonPath(
  value: unknown,
  path: readonly (string | number)[] = [],
): (string | number)[] | undefined {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const bad = nonJsonPath(v, [...path, i]);
      if (bad !== undefined) return bad;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const bad = nonJsonPath(v, [...path, k]);
      if (bad !== undefined) return bad;
    }
  }
  return isJson(value) ? undefined : [...path];
}
