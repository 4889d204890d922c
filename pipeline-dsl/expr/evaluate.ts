/**
 * Deterministic evaluator of parsed expressions over JSON values. Strict: a missing field, an index
 * out of range, an operator applied to the wrong types (number with string, `!` on a number, `&&` on
 * a non-boolean), division by zero or a non-finite result all throw an ExpressionError naming the
 * reference or operator. No I/O, no clock, no `eval`: safe inside a Temporal workflow.
 */
import type { Json } from '../plan-types.ts';
import { formatRef, printExpr, type BinaryOp, type Expr } from './ast.ts';
import { ExpressionError } from './errors.ts';
import { isJsonArray, isJsonObject } from './json.ts';

/** What expressions can see. `item` is bound only inside a `forEach` step (absent = not bound). */
export interface EvalContext {
  /** Parameter values of the run (defaults applied). */
  readonly params: { readonly [name: string]: Json };
  /** Outputs of the steps that have completed: `steps.<id>.outputs.<name>`. */
  readonly steps: { readonly [id: string]: { readonly outputs: { readonly [name: string]: Json } } };
  readonly item?: Json;
}

/**
 * Evaluates `expr` in `ctx`.
 * @returns a JSON value (numbers are always finite)
 * @throws ExpressionError for a missing reference or a type error; the message names the path/operator
 */
export function evaluate(expr: Expr, ctx: EvalContext): Json {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'array':
      return expr.elements.map((e) => evaluate(e, ctx));
    case 'ref':
      return resolve(expr, ctx);
    case 'unary': {
      const value = evaluate(expr.argument, ctx);
      if (expr.op === '!') return !expectBoolean(value, `operand of !`, expr.argument);
      if (typeof value !== 'number')
        throw typeError(`operand of unary - must be a number, got ${typeName(value)}`, expr);
      return value === 0 ? 0 : -value;
    }
    case 'binary':
      return binary(expr.op, expr.left, expr.right, ctx);
    case 'conditional':
      return expectBoolean(evaluate(expr.test, ctx), 'condition of ?:', expr.test)
        ? evaluate(expr.consequent, ctx)
        : evaluate(expr.alternate, ctx);
  }
}

/** `null`, `boolean`, `number`, `string`, `array` or `object`. */
export function typeName(value: Json): 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return 'number';
    case 'string':
      return 'string';
    default:
      return 'object';
  }
}

function resolve(ref: Extract<Expr, { kind: 'ref' }>, ctx: EvalContext): Json {
  let value: Json | undefined;
  if (ref.root === 'item') {
    if (ctx.item === undefined)
      throw new ExpressionError('item is only defined in a forEach step', printExpr(ref));
    value = ctx.item;
  } else value = ref.root === 'params' ? ctx.params : stepsAsJson(ctx.steps);
  for (const [i, segment] of ref.path.entries()) {
    const at = formatRef(ref.root, ref.path.slice(0, i));
    const next = member(value, segment);
    if (next === undefined) {
      const why =
        typeof segment === 'number'
          ? isJsonArray(value)
            ? `index ${segment} is out of range (length ${value.length})`
            : `${at} is ${typeName(value)}, not an array`
          : isJsonObject(value)
            ? `${at} has no field "${segment}"`
            : `${at} is ${typeName(value)}, not an object`;
      throw new ExpressionError(
        `${formatRef(ref.root, ref.path.slice(0, i + 1))} is not defined: ${why}`,
        printExpr(ref),
      );
    }
    value = next;
  }
  return value;
}

function stepsAsJson(steps: EvalContext['steps']): Json {
  const out: { [id: string]: Json } = {};
  for (const id of Object.keys(steps)) {
    const step = steps[id];
    if (step !== undefined) out[id] = { outputs: step.outputs };
  }
  return out;
}

/** Own field or array element; never the prototype chain (`constructor`, `__proto__`, `length`). */
function member(value: Json, segment: string | number): Json | undefined {
  if (typeof segment === 'number')
    return isJsonArray(value) && segment < value.length ? value[segment] : undefined;
  return isJsonObject(value) && Object.hasOwn(value, segment) ? value[segment] : undefined;
}

function binary(op: BinaryOp, leftExpr: Expr, rightExpr: Expr, ctx: EvalContext): Json {
  if (op === '&&' || op === '||') {
    const left = expectBoolean(evaluate(leftExpr, ctx), `left operand of ${op}`, leftExpr);
    if (op === '&&' ? !left : left) return left;
    return expectBoolean(evaluate(rightExpr, ctx), `right operand of ${op}`, rightExpr);
  }
  const left = evaluate(leftExpr, ctx);
  const right = evaluate(rightExpr, ctx);
  const where = `${printExpr(leftExpr)} ${op} ${printExpr(rightExpr)}`;
  switch (op) {
    case '==':
    case '!=':
      return equals(left, right, where) === (op === '==');
    case '<':
    case '<=':
    case '>':
    case '>=': {
      if (!(
        (typeof left === 'number' && typeof right === 'number') ||
        (typeof left === 'string' && typeof right === 'string')
      ))
        throw new ExpressionError(
          `${op} compares numbers or strings, got ${typeName(left)} and ${typeName(right)}`,
          where,
        );
      return op === '<'
        ? left < right
        : op === '<='
          ? left <= right
          : op === '>'
            ? left > right
            : left >= right;
    }
    case '+':
      if (typeof left === 'string' && typeof right === 'string') return left + right;
      return arithmetic(op, left, right, where);
    default:
      return arithmetic(op, left, right, where);
  }
}

function arithmetic(op: BinaryOp, left: Json, right: Json, where: string): number {
  if (typeof left !== 'number' || typeof right !== 'number') {
    const both = op === '+' ? 'two numbers or two strings' : 'numbers';
    throw new ExpressionError(`${op} needs ${both}, got ${typeName(left)} and ${typeName(right)}`, where);
  }
  if ((op === '/' || op === '%') && right === 0) throw new ExpressionError('division by zero', where);
  const result =
    op === '+'
      ? left + right
      : op === '-'
        ? left - right
        : op === '*'
          ? left * right
          : op === '/'
            ? left / right
            : left % right;
  if (!Number.isFinite(result)) throw new ExpressionError('result is not a finite number', where);
  return result === 0 ? 0 : result; // no -0 in JSON
}

/** Equality: `null` compares with anything; otherwise both sides must have the same type (deep for arrays/objects). */
function equals(left: Json, right: Json, where: string): boolean {
  if (left === null || right === null) return left === right;
  const lt = typeName(left);
  const rt = typeName(right);
  if (lt !== rt) throw new ExpressionError(`cannot compare ${lt} with ${rt}`, where);
  return deepEqual(left, right);
}

function deepEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (isJsonArray(a) && isJsonArray(b))
    return (
      a.length === b.length &&
      a.every((x, i) => {
        const y = b[i];
        return y !== undefined && deepEqual(x, y);
      })
    );
  if (!isJsonObject(a) || !isJsonObject(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k) => {
      const x = a[k];
      const y = Object.hasOwn(b, k) ? b[k] : undefined;
      return x !== undefined && y !== undefined && deepEqual(x, y);
    })
  );
}

function expectBoolean(value: Json, what: string, expr: Expr): boolean {
  if (typeof value !== 'boolean') throw typeError(`${what} must be a boolean, got ${typeName(value)}`, expr);
  return value;
}

/** Evaluation errors carry the failing sub-expression (printed); the column is left to the caller. */
function typeError(message: string, expr: Expr): ExpressionError {
  return new ExpressionError(message, printExpr(expr));
}
