/**
 * Static types of expression values, for compile-time checks: the types of params (from their
 * declaration), step outputs (from the step type) and `item` (from the forEach expression) flow
 * through operators so that `params.minPnl > 'x'` or `steps.bt.outputs.nope` is reported before
 * anything runs. `unknown` switches checks off (the run re-checks everything).
 */
import type { Json } from '../plan-types.ts';
import { formatRef, printExpr, type Expr, type PathSegment } from './ast.ts';
import { isJsonArray, isJsonObject } from './json.ts';

export type ValueType =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'null' }
  | { readonly kind: 'boolean' | 'number' | 'string'; readonly nullable: boolean }
  | { readonly kind: 'array'; readonly element: ValueType; readonly nullable: boolean }
  | {
      readonly kind: 'object';
      readonly fields: { readonly [name: string]: ValueType };
      readonly nullable: boolean;
    };

/** Constructors of value types. */
export const T = {
  unknown: { kind: 'unknown' } as const satisfies ValueType,
  null: { kind: 'null' } as const satisfies ValueType,
  boolean: { kind: 'boolean', nullable: false } as const satisfies ValueType,
  number: { kind: 'number', nullable: false } as const satisfies ValueType,
  string: { kind: 'string', nullable: false } as const satisfies ValueType,
  array: (element: ValueType): ValueType => ({ kind: 'array', element, nullable: false }),
  object: (fields: { readonly [name: string]: ValueType }): ValueType => ({
    kind: 'object',
    fields,
    nullable: false,
  }),
  /** The same type, or null. */
  nullable: (t: ValueType): ValueType =>
    t.kind === 'unknown' || t.kind === 'null' ? t : { ...t, nullable: true },
};

/** `number`, `string | null`, `array<string>`, `object`, … */
export function describeType(t: ValueType): string {
  const base = t.kind === 'array' ? `array<${describeType(t.element)}>` : t.kind;
  return t.kind !== 'unknown' && t.kind !== 'null' && t.nullable ? `${base} | null` : base;
}

/** What a reference's root resolves to: its type, or a message saying why it cannot be used here. */
export type RootResolution =
  { readonly type: ValueType; readonly consumed: number } | { readonly error: string };

/** Resolves the first segments of a reference (e.g. `steps.bt.outputs.x` → the output's type, 3 consumed). */
export type ResolveRoot = (ref: Extract<Expr, { kind: 'ref' }>) => RootResolution;

export interface TypeProblem {
  readonly message: string;
  /** 1-based column in the expression source, when the problem is a reference. */
  readonly column: number | undefined;
}

/**
 * Infers the type of `expr`, collecting every problem (unknown references, fields that do not exist,
 * operators applied to the wrong types).
 */
export function inferType(
  expr: Expr,
  resolveRoot: ResolveRoot,
): { type: ValueType; problems: TypeProblem[] } {
  const problems: TypeProblem[] = [];
  const type = infer(expr, resolveRoot, problems);
  return { type, problems };
}

function infer(expr: Expr, resolveRoot: ResolveRoot, problems: TypeProblem[]): ValueType {
  const problem = (message: string, column?: number): ValueType => {
    problems.push({ message, column });
    return T.unknown;
  };
  const expect = (t: ValueType, kinds: readonly string[], what: string): void => {
    if (t.kind !== 'unknown' && !kinds.includes(t.kind))
      problem(`${what} must be ${kinds.join(' or ')}, got ${describeType(t)}`);
  };
  switch (expr.kind) {
    case 'literal':
      if (expr.value === null) return T.null;
      return typeof expr.value === 'boolean'
        ? T.boolean
        : typeof expr.value === 'number'
          ? T.number
          : T.string;
    case 'array': {
      const elements = expr.elements.map((e) => infer(e, resolveRoot, problems));
      return T.array(
        elements.reduce<ValueType | undefined>(
          (acc, t) => (acc === undefined ? t : join(acc, t)),
          undefined,
        ) ?? T.unknown,
      );
    }
    case 'ref': {
      const resolved = resolveRoot(expr);
      if ('error' in resolved) return problem(resolved.error, expr.column);
      return walk(resolved.type, expr, resolved.consumed, (m) => problem(m, expr.column));
    }
    case 'unary': {
      const t = infer(expr.argument, resolveRoot, problems);
      expect(t, [expr.op === '!' ? 'boolean' : 'number'], `operand of ${expr.op} in ${printExpr(expr)}`);
      return expr.op === '!' ? T.boolean : T.number;
    }
    case 'binary': {
      const l = infer(expr.left, resolveRoot, problems);
      const r = infer(expr.right, resolveRoot, problems);
      const where = printExpr(expr);
      const known = l.kind !== 'unknown' && r.kind !== 'unknown';
      switch (expr.op) {
        case '&&':
        case '||':
          expect(l, ['boolean'], `left operand of ${where}`);
          expect(r, ['boolean'], `right operand of ${where}`);
          return T.boolean;
        case '==':
        case '!=':
          if (known && l.kind !== 'null' && r.kind !== 'null' && l.kind !== r.kind)
            problem(`${where} compares ${describeType(l)} with ${describeType(r)}`);
          return T.boolean;
        case '<':
        case '<=':
        case '>':
        case '>=':
          expect(l, ['number', 'string'], `left operand of ${where}`);
          expect(r, ['number', 'string'], `right operand of ${where}`);
          if (known && l.kind !== r.kind)
            problem(`${where} compares ${describeType(l)} with ${describeType(r)}`);
          return T.boolean;
        case '+':
          expect(l, ['number', 'string'], `left operand of ${where}`);
          expect(r, ['number', 'string'], `right operand of ${where}`);
          if (known && l.kind !== r.kind) problem(`${where} adds ${describeType(l)} and ${describeType(r)}`);
          return l.kind === 'string' || r.kind === 'string'
            ? T.string
            : l.kind === 'number' || r.kind === 'number'
              ? T.number
              : T.unknown;
        default:
          expect(l, ['number'], `left operand of ${where}`);
          expect(r, ['number'], `right operand of ${where}`);
          return T.number;
      }
    }
    case 'conditional': {
      expect(infer(expr.test, resolveRoot, problems), ['boolean'], `condition of ${printExpr(expr)}`);
      return join(
        infer(expr.consequent, resolveRoot, problems),
        infer(expr.alternate, resolveRoot, problems),
      );
    }
  }
}

/** Follows the rest of a reference's path through object fields and array elements. */
function walk(
  start: ValueType,
  ref: Extract<Expr, { kind: 'ref' }>,
  consumed: number,
  problem: (m: string) => ValueType,
): ValueType {
  let t = start;
  for (let i = consumed; i < ref.path.length; i += 1) {
    const segment: PathSegment | undefined = ref.path[i];
    if (segment === undefined || t.kind === 'unknown') return T.unknown;
    const at = formatRef(ref.root, ref.path.slice(0, i));
    if (typeof segment === 'number') {
      if (t.kind !== 'array') return problem(`${at} is ${describeType(t)}, it has no index [${segment}]`);
      t = t.element;
    } else {
      if (t.kind !== 'object') return problem(`${at} is ${describeType(t)}, it has no field "${segment}"`);
      const field = Object.hasOwn(t.fields, segment) ? t.fields[segment] : undefined;
      if (field === undefined)
        return problem(`${at} has no field "${segment}"; fields: ${Object.keys(t.fields).join(', ')}`);
      t = field;
    }
  }
  return t;
}

/** The type of a value that is either `a` or `b`. */
function join(a: ValueType, b: ValueType): ValueType {
  if (a.kind === 'null') return T.nullable(b);
  if (b.kind === 'null') return T.nullable(a);
  if (a.kind === 'unknown' || b.kind === 'unknown' || a.kind !== b.kind) return T.unknown;
  const nullable = a.nullable || b.nullable;
  if (a.kind === 'array' && b.kind === 'array')
    return { kind: 'array', element: join(a.element, b.element), nullable };
  if (a.kind === 'object') return T.unknown;
  return { ...a, nullable };
}

/**
 * Checks a runtime value against a declared type (e.g. a step's outputs against its declaration).
 * Objects may carry extra fields; `unknown` accepts anything.
 * @returns undefined when `value` conforms, else the first mismatch as `<path>: expected <type>, got <type>`
 */
export function checkValue(value: Json, t: ValueType, path = '$'): string | undefined {
  const got = value === null ? 'null' : isJsonArray(value) ? 'array' : typeof value;
  if (t.kind === 'unknown') return undefined;
  if (value === null)
    return t.kind === 'null' || t.nullable ? undefined : `${path}: expected ${describeType(t)}, got null`;
  if (t.kind === 'null' || got !== t.kind) return `${path}: expected ${describeType(t)}, got ${got}`;
  if (t.kind === 'number' && !Number.isFinite(value)) return `${path}: expected a finite number`;
  if (t.kind === 'array' && isJsonArray(value)) {
    for (const [i, element] of value.entries()) {
      const problem = checkValue(element, t.element, `${path}[${i}]`);
      if (problem !== undefined) return problem;
    }
  }
  if (t.kind === 'object' && isJsonObject(value)) {
    for (const [name, fieldType] of Object.entries(t.fields)) {
      const field = Object.hasOwn(value, name) ? value[name] : undefined;
      if (field === undefined) return `${path}.${name}: missing`;
      const problem = checkValue(field, fieldType, `${path}.${name}`);
      if (problem !== undefined) return problem;
    }
  }
  return undefined;
}
