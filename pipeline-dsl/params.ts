/**
 * Typed pipeline parameters: their declaration schema, the check of a value against a declared type
 * (defaults at compile time, schedule values, run inputs at start), and the values a run sees.
 * Pure: usable inside the workflow bundle.
 */
import { z } from 'zod';
import type { Json, ParamSpec } from './plan-types.ts';
import { typeName } from './expr/evaluate.ts';
import { isJson } from './expr/json.ts';
import { T, type ValueType } from './expr/types.ts';

export const paramTypes = ['string', 'number', 'integer', 'boolean', 'string[]', 'number[]'] as const;

/** A parameter or step name usable in expressions (`params.<name>`). */
export const paramNameSchema = z
  .string()
  .regex(
    /^[a-zA-Z_][a-zA-Z0-9_]{0,62}$/,
    'expected a parameter name: letters, digits or _, not starting with a digit',
  );

/** One entry of `params:` as written (the default is checked against the type by `paramValueProblem`). */
export const paramSpecSchema = z.strictObject({
  type: z.enum(paramTypes, { error: `expected a parameter type: one of ${paramTypes.join(', ')}` }),
  default: z.unknown().optional(),
  description: z.string().optional(),
});

/** Why `value` is not a valid value of a parameter of type `type`, or undefined when it is. */
export function paramValueProblem(type: ParamSpec['type'], value: unknown): string | undefined {
  const describe = (v: unknown) =>
    typeof v === 'number' && !Number.isFinite(v) ? `${v}` : isJson(v) ? typeName(v) : typeof v;
  const ok = (() => {
    switch (type) {
      case 'string':
        return typeof value === 'string';
      case 'number':
        return typeof value === 'number' && Number.isFinite(value);
      case 'integer':
        return typeof value === 'number' && Number.isSafeInteger(value);
      case 'boolean':
        return typeof value === 'boolean';
      case 'string[]':
        return Array.isArray(value) && value.every((v) => typeof v === 'string');
      case 'number[]':
        return Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isFinite(v));
    }
  })();
  if (ok) return undefined;
  if ((type === 'string[]' || type === 'number[]') && Array.isArray(value)) {
    const element = type === 'string[]' ? 'string' : 'number';
    const bad = value.findIndex(
      (v) => typeof v !== element || (typeof v === 'number' && !Number.isFinite(v)),
    );
    return `expected ${type}, but element [${bad}] is ${describe(value[bad])}`;
  }
  const got = type === 'integer' && typeof value === 'number' ? `${value}` : describe(value);
  return `expected ${type === 'integer' ? 'an integer' : type}, got ${got}`;
}

/** The static type of a parameter, for expression checks. */
export function paramValueType(type: ParamSpec['type']): ValueType {
  switch (type) {
    case 'string':
      return T.string;
    case 'number':
    case 'integer':
      return T.number;
    case 'boolean':
      return T.boolean;
    case 'string[]':
      return T.array(T.string);
    case 'number[]':
      return T.array(T.number);
  }
}

/**
 * The parameter values of a run: `given` over the declared defaults.
 * @throws ParamsError listing every unknown, missing or mistyped parameter
 */
export function resolveParams(
  declared: { readonly [name: string]: ParamSpec },
  given: { readonly [name: string]: Json } = {},
): { [name: string]: Json } {
  const problems: string[] = [];
  const out: { [name: string]: Json } = {};
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(declared, name)) problems.push(`unknown param "${name}"`);
  }
  for (const [name, spec] of Object.entries(declared)) {
    const value = Object.hasOwn(given, name) ? given[name] : spec.default;
    if (value === undefined) {
      problems.push(`param "${name}" is required (no default)`);
      continue;
    }
    const problem = paramValueProblem(spec.type, value);
    if (problem !== undefined) problems.push(`param "${name}": ${problem}`);
    else out[name] = value;
  }
  if (problems.length > 0) throw new ParamsError(problems);
  return out;
}

/** Invalid run parameters (each problem names the parameter). */
export class ParamsError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid params: ${problems.join('; ')}`);
    this.name = 'ParamsError';
    this.problems = problems;
  }
}
