/**
 * `${{ expr }}` templates in step inputs. A string that is exactly one `${{ … }}` takes the value of
 * the expression, keeping its type (number, array, …); `${{ … }}` inside a longer string is replaced by
 * the value as text (strings, numbers and booleans only). Object keys are never templated. An
 * expression ends at the first `}}`.
 */
import type { Json, Template } from '../plan-types.ts';
import type { Expr } from './ast.ts';
import { ExpressionError } from './errors.ts';
import { evaluate, typeName, type EvalContext } from './evaluate.ts';
import { isJsonArray } from './json.ts';
import { parseExpression } from './parse.ts';

const OPEN = '${{';
const CLOSE = '}}';

export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | {
      readonly kind: 'expr';
      readonly expr: Expr;
      /** Expression source (inside the delimiters, trimmed). */
      readonly source: string;
      /** 0-based index of `source` in the template string. */
      readonly offset: number;
    };

export interface ParsedTemplateString {
  /** The string is exactly one `${{ … }}`: its value keeps the expression's type. */
  readonly whole: boolean;
  readonly parts: readonly TemplatePart[];
}

/** True when `text` contains a `${{`. */
export function isTemplated(text: string): boolean {
  return text.includes(OPEN);
}

/**
 * Splits a template string into text and parsed expressions.
 * @throws ExpressionError whose `source` is the whole string and `column` is relative to it
 */
export function parseTemplateString(text: string): ParsedTemplateString {
  const parts: TemplatePart[] = [];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf(OPEN, i);
    if (open < 0) {
      parts.push({ kind: 'text', text: text.slice(i) });
      break;
    }
    if (open > i) parts.push({ kind: 'text', text: text.slice(i, open) });
    const close = text.indexOf(CLOSE, open + OPEN.length);
    if (close < 0) throw new ExpressionError('unclosed ${{ (expected }})', text, open + 1);
    const inner = text.slice(open + OPEN.length, close);
    const lead = inner.length - inner.trimStart().length;
    const source = inner.trim();
    const offset = open + OPEN.length + lead;
    let expr: Expr;
    try {
      expr = parseExpression(source);
    } catch (err) {
      if (!(err instanceof ExpressionError)) throw err;
      throw new ExpressionError(err.description, text, offset + (err.column ?? 1));
    }
    parts.push({ kind: 'expr', expr, source, offset });
    i = close + CLOSE.length;
  }
  const whole =
    parts.length === 1 && parts[0]?.kind === 'expr' && text.startsWith(OPEN) && text.endsWith(CLOSE);
  return { whole, parts };
}

/**
 * Renders a template: every string value containing `${{ … }}` is evaluated (see the module doc);
 * everything else is copied.
 * @throws ExpressionError on a syntax error, a failed evaluation, or interpolating null/array/object
 */
export function renderTemplate(template: Template, ctx: EvalContext): Json {
  if (typeof template === 'string') return isTemplated(template) ? renderString(template, ctx) : template;
  if (template === null || typeof template !== 'object') return template;
  if (isJsonArray(template)) return template.map((t) => renderTemplate(t, ctx));
  const out: { [key: string]: Json } = {};
  for (const key of Object.keys(template)) {
    const value = template[key];
    if (value !== undefined) out[key] = renderTemplate(value, ctx);
  }
  return out;
}

function renderString(text: string, ctx: EvalContext): Json {
  const parsed = parseTemplateString(text);
  const [first] = parsed.parts;
  if (parsed.whole && first?.kind === 'expr') return evaluate(first.expr, ctx);
  let out = '';
  for (const part of parsed.parts) {
    if (part.kind === 'text') {
      out += part.text;
      continue;
    }
    const value = evaluate(part.expr, ctx);
    if (typeof value === 'string') out += value;
    else if (typeof value === 'number' || typeof value === 'boolean') out += String(value);
    else
      throw new ExpressionError(
        `cannot interpolate ${typeName(value)} into a string; use the whole value "\${{ ${part.source} }}"`,
        text,
        part.offset + 1,
      );
  }
  return out;
}
