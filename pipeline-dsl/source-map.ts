/**
 * Maps a field path inside a parsed YAML document back to its line and column, so that every
 * validation error can name `file:line:column` and the field path, in the style of a compiler.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, Scalar, type Document, type Node } from 'yaml';

/** A parsed YAML file with what is needed to locate any of its nodes. */
export interface YamlSource {
  readonly file: string;
  readonly text: string;
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
}

/** 1-based line and column. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** Parses YAML text keeping node ranges. Syntax errors are in `doc.errors` (not thrown). */
export function parseYamlSource(file: string, text: string): YamlSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  return { file, text, doc, lines };
}

/**
 * Position of the deepest node that exists along `path` (a missing field is reported at its parent).
 * Values are reported at the value; with `atKey`, the last segment is reported at its key.
 */
export function locate(
  source: YamlSource,
  path: readonly PropertyKey[],
  opts: { atKey?: boolean } = {},
): Position {
  const { offset } = find(source, path, opts);
  const { line, col } = source.lines.linePos(offset);
  return { line, column: col };
}

/**
 * Position of the character at `index` (0-based) of the string value at `path`: exact when the scalar
 * is written on one line, plain or quoted without escapes; otherwise the start of the value.
 */
export function locateInString(source: YamlSource, path: readonly PropertyKey[], index: number): Position {
  const { node, offset, found } = find(source, path, {});
  let at = offset;
  if (
    found &&
    isScalar(node) &&
    typeof node.value === 'string' &&
    node.range !== undefined &&
    node.range !== null
  ) {
    const raw = source.text.slice(node.range[0], node.range[1]);
    const value = node.value;
    if (node.type === Scalar.PLAIN && raw === value) at = node.range[0] + index;
    else if (node.type === Scalar.QUOTE_DOUBLE && raw === `"${value}"`) at = node.range[0] + 1 + index;
    else if (node.type === Scalar.QUOTE_SINGLE && raw === `'${value}'`) at = node.range[0] + 1 + index;
  }
  const { line, col } = source.lines.linePos(at);
  return { line, column: col };
}

/** Deepest node along `path`, its start offset, and whether the whole path was found. */
function find(
  source: YamlSource,
  path: readonly PropertyKey[],
  opts: { atKey?: boolean },
): { node: unknown; offset: number; found: boolean } {
  let node: unknown = source.doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (const [i, segment] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((item) => scalarValue(item.key) === String(segment));
      if (pair === undefined) return { node, offset, found: false };
      const keyWanted = opts.atKey === true && i === path.length - 1;
      offset = (keyWanted ? rangeStart(pair.key) : rangeStart(pair.value)) ?? rangeStart(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      if (item === undefined) return { node, offset, found: false };
      offset = rangeStart(item) ?? offset;
      node = item;
    } else {
      return { node, offset, found: false };
    }
  }
  return { node, offset, found: true };
}

function rangeStart(node: unknown): number | undefined {
  if (node !== null && typeof node === 'object' && 'range' in node) {
    const range = (node as Node).range;
    return range?.[0];
  }
  return undefined;
}

function scalarValue(node: unknown): string | undefined {
  if (node !== null && typeof node === 'object' && 'value' in node) {
    const value: unknown = (node as { value: unknown }).value;
    return value === null || value === undefined ? undefined : String(value);
  }
  return undefined;
}
