/**
 * Validates a step's `with` at compile time against the schema of its step type although values may
 * be `${{ }}` templates: literal values are checked fully; a templated value is checked for its type
 * when the expression's type is known (a whole-value template is replaced by a placeholder of that
 * type before validation), and its content (ranges, patterns) is left to the run, where the rendered
 * input is validated again.
 */
import type { z } from 'zod';
import type { StepExpressionChecker } from './check-expressions.ts';
import type { FieldPath, IssueCollector } from './issues.ts';
import type { Json } from './plan-types.ts';
import { isTemplated } from './expr/template.ts';
import { describeType, type ValueType } from './expr/types.ts';

/** A `with` string holding `${{`, its path relative to `with`, and what its check found. */
export interface TemplatedValue {
  readonly path: FieldPath;
  readonly text: string;
  /** undefined when the template itself was invalid (already reported). */
  readonly checked: { readonly whole: boolean; readonly type: ValueType } | undefined;
}

/**
 * Checks `with` (already known to be a JSON object) and reports every problem under `prefix`.
 * @returns the templated values found (for step-type specific conversions)
 */
export function checkWith(
  value: { readonly [key: string]: Json },
  schema: z.ZodType,
  prefix: FieldPath,
  checker: StepExpressionChecker,
  issues: IssueCollector,
): TemplatedValue[] {
  const templated: TemplatedValue[] = [];
  const probe = substitute(value, [], (path, text) => {
    const checked = checker.template([...prefix, ...path], text);
    templated.push({ path, text, checked });
    return checked?.whole === true ? placeholder(checked.type, text) : text;
  });
  const parsed = schema.safeParse(probe);
  if (parsed.success) return templated;
  for (const issue of parsed.error.issues) {
    const path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
    const exact = templated.find((t) => samePath(t.path, path));
    if (exact !== undefined) {
      const problem = templateProblem(exact, issue);
      if (problem !== undefined) issues.at([...prefix, ...path], problem);
      continue;
    }
    if (templated.some((t) => isPrefix(t.path, path))) continue; // inside a placeholder
    if (issue.code === 'invalid_union' && templated.some((t) => isPrefix(path, t.path))) continue; // templated discriminator
    issues.zodIssue(issue, prefix);
  }
  return templated;
}

/** Why a zod issue on a templated value is a real problem now, or undefined to leave it to the run. */
function templateProblem(t: TemplatedValue, issue: z.core.$ZodIssue): string | undefined {
  if (t.checked === undefined) return undefined;
  const { whole, type } = t.checked;
  const yields = whole ? `${t.text} yields ${describeType(type)}` : `"${t.text}" is an interpolated string`;
  if (issue.code === 'invalid_type')
    return type.kind === 'unknown' ? undefined : `${yields}, but this field expects ${issue.expected}`;
  if (issue.code === 'invalid_value' && type.kind !== 'unknown') {
    const kinds = new Set<string>(issue.values.map((v) => (v === null ? 'null' : typeof v)));
    if (!kinds.has(type.kind))
      return `${yields}, but this field expects one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return undefined;
}

/** A value of the expression's type standing in for a whole-value template during validation. */
function placeholder(type: ValueType, text: string): Json {
  switch (type.kind) {
    case 'number':
      return 0;
    case 'boolean':
      return false;
    case 'null':
      return null;
    case 'array':
      return [];
    case 'object':
      return {};
    default:
      return text;
  }
}

/** Copy of `value` where every templated string is replaced by `replace(path, text)`. */
function substitute(value: Json, path: FieldPath, replace: (path: FieldPath, text: string) => Json): Json {
  if (typeof value === 'string') return isTemplated(value) ? replace(path, value) : value;
  if (value === null || typeof value !== 'object') return value;
  if (isArray(value)) return value.map((v, i) => substitute(v, [...path, i], replace));
  const out: { [key: string]: Json } = {};
  for (const [key, v] of Object.entries(value)) out[key] = substitute(v, [...path, key], replace);
  return out;
}

function isArray(value: Json): value is readonly Json[] {
  return Array.isArray(value);
}

function samePath(a: FieldPath, b: FieldPath): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

/** True when `prefix` is a strict prefix of `path`. */
function isPrefix(prefix: FieldPath, path: FieldPath): boolean {
  return prefix.length < path.length && prefix.every((s, i) => s === path[i]);
}
