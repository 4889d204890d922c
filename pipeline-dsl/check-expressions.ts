/**
 * Compile-time checks of the expressions of one step (`when`, `forEach`, `${{ }}` in `with`): syntax,
 * references (declared params; outputs that the referenced step type declares, of a step that is an
 * ancestor via `needs`; `item` only in the `with` of a forEach step) and types where they are known.
 * Problems are reported at the exact character of the YAML scalar when it is written on one line.
 */
import type { FieldPath, IssueCollector } from './issues.ts';
import type { ParamSpec } from './plan-types.ts';
import { paramValueType } from './params.ts';
import { declaredList } from './schedule.ts';
import { forEachOutputs, type StepType, type StepTypeSpec } from './steps.ts';
import { ExpressionError } from './expr/errors.ts';
import { parseExpression } from './expr/parse.ts';
import { parseTemplateString } from './expr/template.ts';
import { describeType, inferType, T, type ResolveRoot, type ValueType } from './expr/types.ts';
import type { Expr } from './expr/ast.ts';

/** What the checks need to know about the other steps of the pipeline. */
export interface StepGraph {
  readonly params: { readonly [name: string]: ParamSpec };
  /** Ids of every step, valid or not. */
  readonly allIds: ReadonlySet<string>;
  /** Transitive `needs` of a step. */
  ancestorsOf(id: string): ReadonlySet<string>;
  /** Type and fan-out of a valid step (undefined when the step itself is invalid). */
  stepInfo(
    id: string,
  ): { readonly uses: StepType; readonly spec: StepTypeSpec; readonly forEach: boolean } | undefined;
}

/** Where an expression may appear, which decides whether `item` is bound. */
export type ExprRole = 'when' | 'forEach' | 'with';

/** Checks expressions of the step `stepId`. One checker per step; `itemType` is set once forEach is checked. */
export class StepExpressionChecker {
  /** Element type of the forEach array (unknown until checked); undefined = not a forEach step. */
  itemType: ValueType | undefined;

  constructor(
    private readonly graph: StepGraph,
    private readonly stepId: string,
    private readonly issues: IssueCollector,
    isForEach: boolean,
  ) {
    this.itemType = isForEach ? T.unknown : undefined;
  }

  /**
   * Checks a `when` or `forEach` value: an expression, bare or wrapped in `${{ }}`.
   * @returns the expression source to store in the plan, and its type; undefined if invalid
   */
  condition(
    path: FieldPath,
    text: string,
    role: 'when' | 'forEach',
  ): { source: string; type: ValueType } | undefined {
    const open = text.indexOf('${{');
    const trimmed = text.trim();
    let source = text;
    let offset = 0;
    if (open >= 0) {
      const close = trimmed.indexOf('}}');
      if (!trimmed.startsWith('${{') || close !== trimmed.length - 2) {
        this.issues.inString(
          path,
          open,
          `${role} must be one expression, written bare or as \${{ expression }}`,
        );
        return undefined;
      }
      const start = open + 3;
      const inner = text.slice(start, text.lastIndexOf('}}'));
      source = inner.trim();
      offset = start + (inner.length - inner.trimStart().length);
    }
    const expr = this.parse(path, source, offset);
    if (expr === undefined) return undefined;
    const type = this.infer(path, expr, offset, role);
    return type === undefined ? undefined : { source, type };
  }

  /**
   * Checks one string of `with` that contains `${{`.
   * @returns whether it is a whole-value template and the type it yields (string when interpolated);
   *          undefined when a problem was reported
   */
  template(path: FieldPath, text: string): { whole: boolean; type: ValueType } | undefined {
    let parsed;
    try {
      parsed = parseTemplateString(text);
    } catch (err) {
      if (!(err instanceof ExpressionError)) throw err;
      this.issues.inString(path, (err.column ?? 1) - 1, `invalid expression: ${err.description}`);
      return undefined;
    }
    let ok = true;
    let wholeType: ValueType = T.string;
    for (const part of parsed.parts) {
      if (part.kind !== 'expr') continue;
      const type = this.infer(path, part.expr, part.offset, 'with');
      if (type === undefined) ok = false;
      else wholeType = type;
    }
    if (!ok) return undefined;
    return parsed.whole ? { whole: true, type: wholeType } : { whole: false, type: T.string };
  }

  private parse(path: FieldPath, source: string, offset: number): Expr | undefined {
    try {
      return parseExpression(source);
    } catch (err) {
      if (!(err instanceof ExpressionError)) throw err;
      this.issues.inString(path, offset + (err.column ?? 1) - 1, `invalid expression: ${err.description}`);
      return undefined;
    }
  }

  /** Infers the type, reporting every problem; undefined when there was one. */
  private infer(path: FieldPath, expr: Expr, offset: number, role: ExprRole): ValueType | undefined {
    const { type, problems } = inferType(expr, this.resolver(role));
    for (const problem of problems)
      this.issues.inString(path, offset + (problem.column ?? 1) - 1, problem.message);
    if (problems.length > 0) return undefined;
    if (role === 'when' && type.kind !== 'boolean' && type.kind !== 'unknown') {
      this.issues.inString(path, offset, `when must be a boolean condition, got ${describeType(type)}`);
      return undefined;
    }
    if (role === 'forEach' && type.kind !== 'array' && type.kind !== 'unknown') {
      this.issues.inString(path, offset, `forEach must yield an array, got ${describeType(type)}`);
      return undefined;
    }
    return type;
  }

  private resolver(role: ExprRole): ResolveRoot {
    const { graph, stepId } = this;
    return (ref) => {
      const [first, , third] = ref.path;
      if (ref.root === 'params') {
        const name = String(first);
        const spec = Object.hasOwn(graph.params, name) ? graph.params[name] : undefined;
        return spec === undefined
          ? { error: `unknown param "${name}"${declaredList(graph.params)}` }
          : { type: paramValueType(spec.type), consumed: 1 };
      }
      if (ref.root === 'item') {
        if (this.itemType !== undefined && role === 'with') return { type: this.itemType, consumed: 0 };
        return {
          error:
            this.itemType !== undefined
              ? `item is not defined in ${role} (evaluated once, before the forEach fan-out)`
              : 'item is only defined in the with of a forEach step',
        };
      }
      const id = String(first);
      const output = String(third);
      if (!graph.allIds.has(id)) return { error: `unknown step "${id}"` };
      if (id === stepId) return { error: `step "${id}" cannot use its own outputs` };
      if (!graph.ancestorsOf(stepId).has(id))
        return { error: `step "${id}" is not an ancestor of "${stepId}" via needs; add it to needs` };
      const info = graph.stepInfo(id);
      if (info === undefined) return { type: T.unknown, consumed: 3 };
      const outputs = info.forEach ? forEachOutputs(info.spec.outputs) : info.spec.outputs;
      const type = Object.hasOwn(outputs, output) ? outputs[output] : undefined;
      if (type === undefined) {
        const names = Object.keys(outputs);
        const list = names.length === 0 ? 'it has no outputs' : `outputs: ${names.join(', ')}`;
        return {
          error: `step "${id}" (${info.forEach ? 'forEach of ' : ''}${info.uses}) has no output "${output}"; ${list}`,
        };
      }
      return { type, consumed: 3 };
    };
  }
}
