/** What an expression refers to, for compile-time checks (unknown params, non-ancestor steps, `item`). */
import type { Expr, PathSegment, RootName } from './ast.ts';

/** One reference as written, with the 1-based column of its root name in the expression source. */
export interface ReferenceSite {
  readonly root: RootName;
  readonly path: readonly PathSegment[];
  readonly column: number;
}

export interface ExprReferences {
  /** Parameter names, distinct, in order of first use. */
  readonly params: readonly string[];
  /** Step outputs (`steps.<id>.outputs.<output>`), distinct, in order of first use. */
  readonly steps: readonly { readonly id: string; readonly output: string }[];
  readonly usesItem: boolean;
  /** Every reference in source order (duplicates kept), for positioned messages. */
  readonly sites: readonly ReferenceSite[];
}

/** Collects the references of a parsed expression (the parser guarantees their shape). */
export function referencesOf(expr: Expr): ExprReferences {
  const sites: ReferenceSite[] = [];
  collect(expr, sites);
  const params: string[] = [];
  const steps: { id: string; output: string }[] = [];
  for (const site of sites) {
    const [first, second, third] = site.path;
    if (site.root === 'params' && typeof first === 'string' && !params.includes(first)) params.push(first);
    if (
      site.root === 'steps' &&
      typeof first === 'string' &&
      second === 'outputs' &&
      typeof third === 'string'
    ) {
      if (!steps.some((s) => s.id === first && s.output === third)) steps.push({ id: first, output: third });
    }
  }
  return { params, steps, usesItem: sites.some((s) => s.root === 'item'), sites };
}

function collect(expr: Expr, out: ReferenceSite[]): void {
  switch (expr.kind) {
    case 'literal':
      return;
    case 'array':
      expr.elements.forEach((e) => collect(e, out));
      return;
    case 'ref':
      out.push({ root: expr.root, path: expr.path, column: expr.column });
      return;
    case 'unary':
      collect(expr.argument, out);
      return;
    case 'binary':
      collect(expr.left, out);
      collect(expr.right, out);
      return;
    case 'conditional':
      collect(expr.test, out);
      collect(expr.consequent, out);
      collect(expr.alternate, out);
      return;
  }
}
