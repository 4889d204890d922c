/**
 * The interpreter's use of the expression language (pipeline-dsl/expr/): `when`, `forEach` and `with`
 * templates are evaluated over the run's parameters, the outputs of completed steps and the fan-out
 * item. A reference to a step that was skipped (its `when` was false) is an error naming that step,
 * since its outputs do not exist. Every failure is a non-retryable ApplicationFailure naming what was
 * evaluated: re-running the same expression over the same values fails the same way.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import type { Expr } from '../../pipeline-dsl/expr/ast.ts';
import { evaluate, type EvalContext } from '../../pipeline-dsl/expr/evaluate.ts';
import { parseExpression } from '../../pipeline-dsl/expr/parse.ts';
import { referencesOf } from '../../pipeline-dsl/expr/references.ts';
import { isTemplated, parseTemplateString, renderTemplate } from '../../pipeline-dsl/expr/template.ts';
import type { Json, Template } from '../../pipeline-dsl/plan-types.ts';
import { isJsonObject } from './json.ts';
import type { RunState } from './state.ts';

/** Error type of a failed evaluation. */
export const EXPRESSION_ERROR = 'PipelineExpressionError';

/** What an evaluation sees. */
export interface EvalScope {
  readonly params: { readonly [name: string]: Json };
  readonly state: RunState;
  /** The fan-out element (only in a `forEach` step). */
  readonly item?: Json;
}

const parsed = new Map<string, Expr>();

/** Parses (once per source text; the parser is pure, so caching is replay-safe). */
function parse(source: string): Expr {
  let expr = parsed.get(source);
  if (expr === undefined) {
    expr = parseExpression(source);
    parsed.set(source, expr);
  }
  return expr;
}

/** Parsed expressions of every templated string in `template`. */
function templateExprs(template: Template, out: Expr[] = []): Expr[] {
  if (typeof template === 'string') {
    if (isTemplated(template))
      for (const part of parseTemplateString(template).parts) if (part.kind === 'expr') out.push(part.expr);
  } else if (Array.isArray(template)) {
    for (const t of template) templateExprs(t, out);
  } else if (template !== null && typeof template === 'object') {
    for (const value of Object.values(template)) templateExprs(value, out);
  }
  return out;
}

/** Throws naming the first skipped step any of `exprs` refers to. */
function refuseSkippedRefs(exprs: readonly Expr[], state: RunState): void {
  for (const expr of exprs) {
    for (const site of referencesOf(expr).sites) {
      const [id] = site.path;
      if (site.root === 'steps' && typeof id === 'string' && state.phase(id) === 'skipped')
        throw new Error(`step "${id}" was skipped (its "when" was false), so it has no outputs`);
    }
  }
}

function context(scope: EvalScope): EvalContext {
  const steps: { [id: string]: { outputs: { readonly [name: string]: Json } } } = {};
  for (const [id, done] of scope.state.completed) steps[id] = { outputs: asOutputs(done.outputs) };
  return scope.item === undefined
    ? { params: scope.params, steps }
    : { params: scope.params, steps, item: scope.item };
}

/** Outputs are objects by construction (see execute.ts); anything else is exposed as `{ value }`. */
function asOutputs(outputs: Json): { readonly [name: string]: Json } {
  return isJsonObject(outputs) ? outputs : { value: outputs };
}

function failure(what: string, err: unknown): ApplicationFailure {
  const message = err instanceof Error ? err.message : String(err);
  return ApplicationFailure.create({
    message: `${what}: ${message}`,
    type: EXPRESSION_ERROR,
    nonRetryable: true,
  });
}

/**
 * Evaluates an expression (`when`, `forEach`).
 * @param what names the expression in errors, e.g. `"when" of step "deploy"`
 * @throws ApplicationFailure ({@link EXPRESSION_ERROR}) on a syntax or evaluation error, or a
 *   reference to a skipped step
 */
export function evaluateIn(source: string, scope: EvalScope, what: string): Json {
  try {
    const expr = parse(source);
    refuseSkippedRefs([expr], scope.state);
    return evaluate(expr, context(scope));
  } catch (err) {
    throw failure(what, err);
  }
}

/**
 * Renders a `with` template.
 * @throws ApplicationFailure ({@link EXPRESSION_ERROR}) as {@link evaluateIn}
 */
export function renderIn(template: Template, scope: EvalScope, what: string): Json {
  try {
    refuseSkippedRefs(templateExprs(template), scope.state);
    return renderTemplate(template, context(scope));
  } catch (err) {
    throw failure(what, err);
  }
}
