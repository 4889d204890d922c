/**
 * A light tokenizer of expression source, used only to give columns to nodes of the tree jsep returns
 * (jsep records no positions): the n-th root identifier met in a left-to-right walk of the tree is the
 * n-th identifier token that does not follow a `.`. Runs only on text jsep has already accepted.
 */

export interface Token {
  readonly kind: 'identifier' | 'number' | 'string' | 'punct';
  readonly text: string;
  /** 1-based column of the first character. */
  readonly column: number;
}

const PUNCTUATORS = [
  '>>>',
  '===',
  '!==',
  '**',
  '??',
  '?.',
  '<<',
  '>>',
  '&&',
  '||',
  '==',
  '!=',
  '<=',
  '>=',
  '+',
  '-',
  '*',
  '/',
  '%',
  '<',
  '>',
  '!',
  '~',
  '&',
  '|',
  '^',
  '?',
  ':',
  ',',
  ';',
  '.',
  '(',
  ')',
  '[',
  ']',
];
const NUMBER = /^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/;
const KEYWORD_LITERALS = new Set(['true', 'false', 'null']);

/** Splits `src` into tokens (whitespace dropped; an unknown character becomes a one-character punct). */
export function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src.charAt(i);
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    const start = i;
    if (ch === '"' || ch === "'") {
      i += 1;
      while (i < src.length && src.charAt(i) !== ch) i += src.charAt(i) === '\\' ? 2 : 1;
      i += 1;
      tokens.push({ kind: 'string', text: src.slice(start, i), column: start + 1 });
      continue;
    }
    const last = tokens.at(-1);
    const afterOperand =
      last !== undefined && (last.kind !== 'punct' || last.text === ')' || last.text === ']');
    const number = /[0-9]/.test(ch) || (ch === '.' && !afterOperand) ? NUMBER.exec(src.slice(i)) : null;
    if (number !== null) {
      i += number[0].length;
      tokens.push({ kind: 'number', text: number[0], column: start + 1 });
      continue;
    }
    if (isIdentifierChar(ch, true)) {
      i += 1;
      while (i < src.length && isIdentifierChar(src.charAt(i), false)) i += 1;
      tokens.push({ kind: 'identifier', text: src.slice(start, i), column: start + 1 });
      continue;
    }
    const punct = PUNCTUATORS.find((p) => src.startsWith(p, i)) ?? ch;
    i += punct.length;
    tokens.push({ kind: 'punct', text: punct, column: start + 1 });
  }
  return tokens;
}

/** Columns of the identifiers that start a name (not after `.`, not `true`/`false`/`null`), in order. */
export function rootIdentifierColumns(tokens: readonly Token[]): number[] {
  const columns: number[] = [];
  tokens.forEach((token, i) => {
    const previous = tokens[i - 1];
    const afterDot =
      previous !== undefined &&
      previous.kind === 'punct' &&
      (previous.text === '.' || previous.text === '?.');
    if (token.kind === 'identifier' && !afterDot && !KEYWORD_LITERALS.has(token.text))
      columns.push(token.column);
  });
  return columns;
}

/** Column of the first punctuator `text`; with `unary`, only where it cannot be a binary operator. */
export function punctColumn(tokens: readonly Token[], text: string, unary = false): number | undefined {
  const found = tokens.find((token, i) => {
    if (token.kind !== 'punct' || token.text !== text) return false;
    if (!unary) return true;
    const previous = tokens[i - 1];
    return (
      previous === undefined || (previous.kind === 'punct' && previous.text !== ')' && previous.text !== ']')
    );
  });
  return found?.column;
}

function isIdentifierChar(ch: string, first: boolean): boolean {
  const code = ch.charCodeAt(0);
  if (code >= 128) return true; // jsep accepts any non-ASCII character in names
  return first ? /[A-Za-z_$]/.test(ch) : /[A-Za-z0-9_$]/.test(ch);
}
