/**
 * The pipeline expression language: `${{ … }}` in step inputs, `when` and `forEach`. Parsed by jsep,
 * evaluated by our own deterministic evaluator over a whitelist of node kinds (never `eval`), free of
 * `node:*` imports so that the pipeline workflow can use it. See ../LANGUAGE.md.
 */
export type { BinaryOp, Expr, PathSegment, RootName, UnaryOp } from './ast.ts';
export { formatRef, printExpr } from './ast.ts';
export { ExpressionError } from './errors.ts';
export { evaluate, typeName, type EvalContext } from './evaluate.ts';
export { isJson, isJsonArray, isJsonObject, type JsonObject } from './json.ts';
export { parseExpression } from './parse.ts';
export { referencesOf, type ExprReferences, type ReferenceSite } from './references.ts';
export {
  isTemplated,
  parseTemplateString,
  renderTemplate,
  type ParsedTemplateString,
  type TemplatePart,
} from './template.ts';
export {
  checkValue,
  describeType,
  inferType,
  T,
  type ResolveRoot,
  type RootResolution,
  type TypeProblem,
  type ValueType,
} from './types.ts';
