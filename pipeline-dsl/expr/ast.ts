/**
 * Syntax tree of pipeline expressions (the text inside `${{ … }}`, and `when` / `forEach`). A small,
 * closed set of node kinds: anything else (calls, `this`, assignment, bitwise operators, member
 * access on something other than `params`, `steps` or `item`) is rejected by the parser.
 */

/** The names an expression may start a reference with. */
export type RootName = 'params' | 'steps' | 'item';

export type UnaryOp = '!' | '-';

export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '&&' | '||';

/** One segment of a reference path: a field name or an array index (non-negative integer). */
export type PathSegment = string | number;

export type Expr =
  | { readonly kind: 'literal'; readonly value: null | boolean | number | string }
  | { readonly kind: 'array'; readonly elements: readonly Expr[] }
  /**
   * A reference: a root name followed by member accesses, e.g. `steps.bt.outputs.sharpe` is
   * `{ root: 'steps', path: ['bt', 'outputs', 'sharpe'] }`. `column` is the 1-based column of the root
   * name in the expression source.
   */
  | {
      readonly kind: 'ref';
      readonly root: RootName;
      readonly path: readonly PathSegment[];
      readonly column: number;
    }
  | { readonly kind: 'unary'; readonly op: UnaryOp; readonly argument: Expr }
  | { readonly kind: 'binary'; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr }
  | {
      readonly kind: 'conditional';
      readonly test: Expr;
      readonly consequent: Expr;
      readonly alternate: Expr;
    };

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Renders a reference path the way it would be written: `steps.bt.outputs.x`, `item[0]`, `steps['a-b']`. */
export function formatRef(root: string, path: readonly PathSegment[]): string {
  let out = root;
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (IDENTIFIER.test(segment)) out += `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Renders an expression back to source text (canonical spacing, full parentheses), for messages. */
export function printExpr(expr: Expr): string {
  switch (expr.kind) {
    case 'literal':
      return JSON.stringify(expr.value);
    case 'array':
      return `[${expr.elements.map(printExpr).join(', ')}]`;
    case 'ref':
      return formatRef(expr.root, expr.path);
    case 'unary':
      return `${expr.op}${printOperand(expr.argument)}`;
    case 'binary':
      return `${printOperand(expr.left)} ${expr.op} ${printOperand(expr.right)}`;
    case 'conditional':
      return `${printOperand(expr.test)} ? ${printOperand(expr.consequent)} : ${printOperand(expr.alternate)}`;
  }
}

function printOperand(expr: Expr): string {
  return expr.kind === 'binary' || expr.kind === 'conditional' ? `(${printExpr(expr)})` : printExpr(expr);
}
