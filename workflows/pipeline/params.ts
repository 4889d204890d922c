/**
 * Run parameters of a pipeline: the declared defaults overlaid with the values the run was started
 * with, each checked against its declared type. Pure and deterministic (runs inside the workflow).
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { Json, ParamSpec } from '../../pipeline-dsl/plan-types.ts';

/** Error type of a bad run parameter (non-retryable: the same input always fails). */
export const BAD_PARAM = 'BadPipelineParam';

/** Whether `value` has the declared parameter type (`integer` = safe integer; numbers must be finite). */
export function hasParamType(type: ParamSpec['type'], value: Json): boolean {
  const isNumber = (v: Json): boolean => typeof v === 'number' && Number.isFinite(v);
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return isNumber(value);
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'string[]':
      return Array.isArray(value) && value.every((v: Json) => typeof v === 'string');
    case 'number[]':
      return Array.isArray(value) && value.every(isNumber);
    default: {
      const unknownType: never = type;
      return unknownType;
    }
  }
}

/** Short JSON of a value for error messages (at most ~80 characters). */
function show(value: Json): string {
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Resolves the run's parameters.
 * @param specs the pipeline's declared parameters
 * @param given values set for this run (from the starter: CLI, Schedule, Web UI)
 * @returns every declared parameter with a value (given, else default)
 * @throws ApplicationFailure (non-retryable, type {@link BAD_PARAM}) naming every unknown parameter,
 *   missing required parameter and value of the wrong type, all at once
 */
export function resolveParams(
  specs: { readonly [name: string]: ParamSpec },
  given: { readonly [name: string]: Json },
): { [name: string]: Json } {
  const problems: string[] = [];
  const resolved: { [name: string]: Json } = {};
  for (const name of Object.keys(given).sort()) {
    if (!Object.hasOwn(specs, name)) problems.push(`unknown parameter "${name}"`);
  }
  for (const [name, spec] of Object.entries(specs)) {
    const value = Object.hasOwn(given, name) ? given[name] : spec.default;
    if (value === undefined) {
      problems.push(`parameter "${name}" is required (${spec.type}) and has no default`);
      continue;
    }
    if (!hasParamType(spec.type, value)) {
      problems.push(`parameter "${name}" must be ${spec.type}, got ${show(value)}`);
      continue;
    }
    resolved[name] = value;
  }
  if (problems.length > 0)
    throw ApplicationFailure.create({
      message: `bad pipeline parameters: ${problems.join('; ')}`,
      type: BAD_PARAM,
      nonRetryable: true,
      details: problems,
    });
  return resolved;
}
