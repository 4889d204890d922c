/**
 * Parses pipeline expressions with jsep into the closed tree of ./ast.ts. jsep does the tokenizing and
 * precedence; this module whitelists node kinds and operators and checks the shape of references
 * (`params.<name>`, `steps.<id>.outputs.<name>`, `item…`). Never evaluates anything.
 */
import jsep from 'jsep';
import type { BinaryOp, Expr, PathSegment, RootName, UnaryOp } from './ast.ts';
import { ExpressionError } from './errors.ts';
import { punctColumn, rootIdentifierColumns, tokenize, type Token } from './scan.ts';

const BINARY_OPS: readonly BinaryOp[] = [
  '+',
  '-',
  '*',
  '/',
  '%',
  '==',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  '&&',
  '||',
];
const UNARY_OPS: readonly UnaryOp[] = ['!', '-'];
const ROOTS: readonly RootName[] = ['params', 'steps', 'item'];
const isBinaryOp = (op: string): op is BinaryOp => (BINARY_OPS as readonly string[]).includes(op);
const isUnaryOp = (op: string): op is UnaryOp => (UNARY_OPS as readonly string[]).includes(op);
const isRoot = (name: string): name is RootName => (ROOTS as readonly string[]).includes(name);
/** Operators jsep knows that the language leaves out, with the reason given to the user. */
const HINTS: Readonly<Record<string, string>> = {
  '===': 'use ==',
  '!==': 'use !=',
};

/**
 * Parses one expression.
 * @param src expression source, without the `${{ }}` delimiters
 * @throws ExpressionError with the 1-based column of the problem where it can be located
 */
export function parseExpression(src: string): Expr {
  if (src.trim() === '') throw new ExpressionError('empty expression', src, 1);
  let tree: jsep.Expression;
  try {
    tree = jsep(src);
  } catch (err) {
    if (err instanceof Error && 'index' in err && typeof err.index === 'number') {
      const description =
        'description' in err && typeof err.description === 'string' ? err.description : err.message;
      throw new ExpressionError(description, src, Math.min(err.index, src.length) + 1);
    }
    throw new ExpressionError(err instanceof Error ? err.message : String(err), src);
  }
  return new Converter(src, tokenize(src)).convert(tree);
}

class Converter {
  private readonly roots: number[];
  private next = 0;

  constructor(
    private readonly src: string,
    private readonly tokens: readonly Token[],
  ) {
    this.roots = rootIdentifierColumns(tokens);
  }

  convert(node: jsep.Expression): Expr {
    switch (node.type) {
      case 'Literal':
        return this.literal(node);
      case 'ArrayExpression':
        return { kind: 'array', elements: list(node, 'elements').map((e) => this.element(e)) };
      case 'Identifier':
      case 'MemberExpression':
        return this.reference(node);
      case 'UnaryExpression': {
        const op = text(node, 'operator');
        if (!isUnaryOp(op))
          return this.fail(`operator ${op} is not allowed`, punctColumn(this.tokens, op, true));
        return { kind: 'unary', op, argument: this.convert(child(node, 'argument')) };
      }
      case 'BinaryExpression': {
        const op = text(node, 'operator');
        if (!isBinaryOp(op)) {
          const hint = HINTS[op];
          return this.fail(
            `operator ${op} is not allowed${hint === undefined ? '' : `; ${hint}`}`,
            punctColumn(this.tokens, op),
          );
        }
        const left = this.convert(child(node, 'left'));
        return { kind: 'binary', op, left, right: this.convert(child(node, 'right')) };
      }
      case 'ConditionalExpression': {
        const test = this.convert(child(node, 'test'));
        const consequent = this.convert(child(node, 'consequent'));
        return { kind: 'conditional', test, consequent, alternate: this.convert(child(node, 'alternate')) };
      }
      case 'CallExpression':
        return this.fail(
          'function calls are not allowed',
          this.roots[this.next] ?? punctColumn(this.tokens, '('),
        );
      case 'ThisExpression':
        return this.fail('"this" is not allowed', this.roots[this.next]);
      case 'Compound':
      case 'SequenceExpression':
        return this.fail(
          'expected one expression (found several, separated by "," or ";" or a missing operator)',
          punctColumn(this.tokens, ',') ?? punctColumn(this.tokens, ';'),
        );
      default:
        return this.fail(`${node.type} is not allowed`);
    }
  }

  private element(node: jsep.Expression | null): Expr {
    if (node === null) return this.fail('empty array element', punctColumn(this.tokens, ','));
    return this.convert(node);
  }

  private literal(node: jsep.Expression): Expr {
    const value = node['value'];
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) this.fail(`number ${String(node['raw'])} is out of range`);
      return { kind: 'literal', value };
    }
    if (value === null || typeof value === 'boolean' || typeof value === 'string')
      return { kind: 'literal', value };
    return this.fail('unsupported literal');
  }

  /** Flattens `a.b[0]['c']` into a root and a path, checking the shape of the reference. */
  private reference(node: jsep.Expression): Expr {
    const chain: jsep.Expression[] = [];
    let base = node;
    while (base.type === 'MemberExpression') {
      chain.unshift(base);
      base = child(base, 'object');
    }
    if (base.type === 'ThisExpression') return this.fail('"this" is not allowed', this.roots[this.next]);
    if (base.type !== 'Identifier')
      return this.fail(
        'member access is only allowed on params, steps and item',
        memberOfValueColumn(this.tokens),
      );
    const name = text(base, 'name');
    const column = this.roots[this.next] ?? 1;
    this.next += 1;
    if (!isRoot(name))
      return this.fail(`unknown name "${name}"; expressions may use params, steps and item`, column);
    const path = chain.map((member) => this.segment(member));
    const root = name;
    if (root === 'params' && typeof path[0] !== 'string')
      this.fail('a parameter is referenced as params.<name>', column);
    if (
      root === 'steps' &&
      !(typeof path[0] === 'string' && path[1] === 'outputs' && typeof path[2] === 'string')
    )
      this.fail('a step output is referenced as steps.<id>.outputs.<name>', column);
    return { kind: 'ref', root, path, column };
  }

  private segment(member: jsep.Expression): PathSegment {
    if (member['optional'] === true)
      this.fail('optional chaining (?.) is not allowed', punctColumn(this.tokens, '?.'));
    const property = child(member, 'property');
    if (member['computed'] !== true) return text(property, 'name');
    const value = property.type === 'Literal' ? property['value'] : undefined;
    if (typeof value === 'string') return value;
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
    if (property.type === 'Identifier') this.reference(property); // reports an unknown name at its column
    return this.fail(
      'an index must be a literal string or a non-negative integer',
      punctColumn(this.tokens, '['),
    );
  }

  private fail(description: string, column?: number): never {
    throw new ExpressionError(description, this.src, column);
  }
}

/** Column of the first `.`/`[` applied to a literal or a parenthesised expression (best effort). */
function memberOfValueColumn(tokens: readonly Token[]): number | undefined {
  return tokens.find((token, i) => {
    const previous = tokens[i - 1];
    return (
      token.kind === 'punct' &&
      (token.text === '.' || token.text === '[') &&
      previous !== undefined &&
      (previous.kind === 'string' || previous.kind === 'number' || previous.text === ')')
    );
  })?.column;
}

function child(node: jsep.Expression, key: string): jsep.Expression {
  const value = node[key];
  if (isNode(value)) return value;
  return internal(node, key);
}

function list(node: jsep.Expression, key: string): (jsep.Expression | null)[] {
  const value = node[key];
  if (!Array.isArray(value)) return internal(node, key);
  return value.map((item) => (item === null || isNode(item) ? item : internal(node, key)));
}

function text(node: jsep.Expression, key: string): string {
  const value = node[key];
  if (typeof value === 'string') return value;
  return internal(node, key);
}

/** jsep returned a node of an unexpected shape (a jsep upgrade changed its tree): reported, not crashed. */
function internal(node: jsep.Expression, key: string): never {
  throw new ExpressionError(`internal: jsep node ${node.type} has no valid "${key}"`, '');
}

function isNode(value: unknown): value is jsep.Expression {
  return typeof value === 'object' && value !== null && 'type' in value && typeof value.type === 'string';
}
