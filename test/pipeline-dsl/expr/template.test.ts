import { describe, expect, it } from 'vitest';
import {
  ExpressionError,
  inferType,
  parseExpression,
  parseTemplateString,
  referencesOf,
  renderTemplate,
  T,
  type EvalContext,
  type ResolveRoot,
} from '../../../pipeline-dsl/expr/index.ts';

const ctx: EvalContext = {
  params: {
    session: 'binance-spot_BTCUSDT_s1',
    entryLatencyMs: 5,
    sessions: ['s1', 's2'],
    flag: false,
    none: null,
  },
  steps: { ingest: { outputs: { rowsInserted: 1200, files: 2 } } },
  item: { symbol: 'ETHUSDT', kind: 'trades' },
};

describe('renderTemplate', () => {
  it('gives a whole-string template the typed value of its expression', () => {
    expect(renderTemplate('${{ params.entryLatencyMs }}', ctx)).toBe(5);
    expect(renderTemplate('${{ params.sessions }}', ctx)).toEqual(['s1', 's2']);
    expect(renderTemplate('${{params.flag}}', ctx)).toBe(false);
    expect(renderTemplate('${{ params.none }}', ctx)).toBeNull();
    expect(renderTemplate('${{ steps.ingest.outputs.rowsInserted / 2 }}', ctx)).toBe(600);
  });

  it('interpolates embedded templates as text', () => {
    expect(renderTemplate('trades/${{ params.session }}.trades.jsonl.gz', ctx)).toBe(
      'trades/binance-spot_BTCUSDT_s1.trades.jsonl.gz',
    );
    expect(
      renderTemplate('${{ item.symbol }}-${{ params.entryLatencyMs * 2 }}ms-${{ params.flag }}', ctx),
    ).toBe('ETHUSDT-10ms-false');
    expect(renderTemplate(' ${{ params.entryLatencyMs }}', ctx)).toBe(' 5');
  });

  it('renders nested objects and arrays, leaving keys and plain values alone', () => {
    const template = {
      '${{ params.session }}': 'key stays',
      sources: [{ symbol: '${{ item.symbol }}', batch: 100, on: true, none: null }],
      model: 'm@1',
    };
    expect(renderTemplate(template, ctx)).toEqual({
      '${{ params.session }}': 'key stays',
      sources: [{ symbol: 'ETHUSDT', batch: 100, on: true, none: null }],
      model: 'm@1',
    });
  });

  it('refuses to interpolate null, arrays and objects into text', () => {
    expect(() => renderTemplate('x-${{ params.none }}', ctx)).toThrow(
      /cannot interpolate null into a string/,
    );
    expect(() => renderTemplate('x-${{ params.sessions }}', ctx)).toThrow(/cannot interpolate array/);
  });

  it('propagates evaluation errors naming the path', () => {
    expect(() => renderTemplate({ a: ['${{ steps.ingest.outputs.nope }}'] }, ctx)).toThrow(
      /steps\.ingest\.outputs\.nope is not defined/,
    );
  });
});

describe('parseTemplateString', () => {
  it('splits text and expressions, with the offset of each expression', () => {
    const parsed = parseTemplateString('a ${{ params.x }} b');
    expect(parsed.whole).toBe(false);
    expect(parsed.parts.map((p) => (p.kind === 'text' ? p.text : [p.source, p.offset]))).toEqual([
      'a ',
      ['params.x', 6],
      ' b',
    ]);
    expect(parseTemplateString('${{ 1 }}').whole).toBe(true);
    expect(parseTemplateString('${{ 1 }}${{ 2 }}').whole).toBe(false);
  });

  it.each<[string, RegExp, number]>([
    ['x ${{ params.a', /unclosed \$\{\{/, 3],
    ['x ${{ params.a + }}', /Expected expression after \+/, 17],
    ['${{ }}', /empty expression/, 5],
    ['${{ nope }}', /unknown name "nope"/, 5],
  ])('%s fails with a column relative to the string', (text, message, column) => {
    let error: unknown;
    try {
      parseTemplateString(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ExpressionError);
    if (error instanceof ExpressionError) {
      expect(error.description).toMatch(message);
      expect(error.column).toBe(column);
      expect(error.source).toBe(text);
    }
  });
});

describe('referencesOf', () => {
  it('lists params, step outputs and item uses, distinct and in order', () => {
    const refs = referencesOf(
      parseExpression(
        'steps.bt.outputs.sharpe > params.minSharpe && params.minSharpe > 0 || item.x == steps.bt.outputs.fills',
      ),
    );
    expect(refs.params).toEqual(['minSharpe']);
    expect(refs.steps).toEqual([
      { id: 'bt', output: 'sharpe' },
      { id: 'bt', output: 'fills' },
    ]);
    expect(refs.usesItem).toBe(true);
    expect(refs.sites.map((s) => s.column)).toEqual([1, 27, 47, 71, 81]);
  });

  it('is empty for a literal', () => {
    expect(referencesOf(parseExpression('[1, "a", null]'))).toEqual({
      params: [],
      steps: [],
      usesItem: false,
      sites: [],
    });
  });
});

describe('inferType', () => {
  const resolve: ResolveRoot = (ref) => {
    if (ref.root === 'params')
      return ref.path[0] === 'n'
        ? { type: T.number, consumed: 1 }
        : { error: `unknown param ${String(ref.path[0])}` };
    if (ref.root === 'item') return { type: T.object({ kind: T.string }), consumed: 0 };
    return { type: T.nullable(T.number), consumed: 3 };
  };

  it.each<[string, string, string[]]>([
    ['params.n > 1', 'boolean', []],
    ['params.n + 1', 'number', []],
    ['item.kind + "x"', 'string', []],
    ['params.n > "x"', 'boolean', ['params.n > "x" compares number with string']],
    ['params.n == item.kind', 'boolean', ['params.n == item.kind compares number with string']],
    ['!params.n', 'boolean', ['operand of ! in !params.n must be boolean, got number']],
    ['params.q', 'unknown', ['unknown param q']],
    ['item.nope', 'unknown', ['item has no field "nope"; fields: kind']],
    ['item.kind.x', 'unknown', ['item.kind is string, it has no field "x"']],
    ['steps.a.outputs.s != null && steps.a.outputs.s > params.n', 'boolean', []],
    ['params.n > 0 ? "a" : null', 'string | null', []],
    ['[params.n, 2]', 'array<number>', []],
  ])('%s : %s', async (src, type, problems) => {
    const { describeType } = await import('../../../pipeline-dsl/expr/index.ts');
    const result = inferType(parseExpression(src), resolve);
    expect(describeType(result.type)).toBe(type);
    expect(result.problems.map((p) => p.message)).toEqual(problems);
  });
});
