import { describe, expect, it } from 'vitest';
import {
  evaluate,
  ExpressionError,
  parseExpression,
  type EvalContext,
} from '../../../pipeline-dsl/expr/index.ts';

const ctx: EvalContext = {
  params: { minPnl: 10, session: 'binance-spot_BTCUSDT_x', sessions: ['a', 'b'], strict: true, none: null },
  steps: {
    bt: { outputs: { netPnlQuote: 12.5, sharpe: null, runId: 'r1', fills: 3 } },
    'my-step': { outputs: { count: 2, items: [{ rows: 5 }, { rows: 7 }] } },
  },
  item: ['klines', { interval: '1m' }],
};

const run = (src: string, context: EvalContext = ctx) => evaluate(parseExpression(src), context);

function failure(fn: () => unknown): ExpressionError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ExpressionError) return err;
    throw err;
  }
  throw new Error('expected an ExpressionError');
}

describe('expression evaluation', () => {
  it.each<[string, unknown]>([
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['7 % 4', 3],
    ['10 / 4', 2.5],
    ['2 - 5', -3],
    ['-params.minPnl', -10],
    ['-0', 0],
    ["'ab' + 'cd'", 'abcd'],
    ['params.minPnl', 10],
    ['steps.bt.outputs.netPnlQuote', 12.5],
    ['steps.bt.outputs.netPnlQuote >= params.minPnl', true],
    ['steps.bt.outputs.netPnlQuote - params.minPnl', 2.5],
    ["steps['my-step'].outputs.items[1].rows", 7],
    ['steps["my-step"].outputs.count * 10', 20],
    ['item[0]', 'klines'],
    ['item[1].interval', '1m'],
    ['item[0] == "klines" ? 1 : 2', 1],
    ['params.sessions', ['a', 'b']],
    ['[1, params.minPnl, "x", null, true]', [1, 10, 'x', null, true]],
    ['steps.bt.outputs.sharpe == null', true],
    ['steps.bt.outputs.sharpe != null && steps.bt.outputs.sharpe > 1', false],
    ['params.none == params.minPnl', false],
    ['[1, 2] == [1, 2]', true],
    ['params.sessions != ["a"]', true],
    ["'abc' < 'abd'", true],
    ['3 <= 3 && 4 > 3 && !(2 >= 5)', true],
    ['false || params.strict', true],
    ['true ? "yes" : "no"', 'yes'],
  ])('%s = %j', (src, expected) => {
    expect(run(src)).toEqual(expected);
  });

  it('short-circuits && and || without evaluating the right side', () => {
    expect(run('false && params.missing > 1')).toBe(false);
    expect(run('true || steps.nope.outputs.x')).toBe(true);
    expect(run('steps.bt.outputs.sharpe == null || steps.bt.outputs.sharpe > 1')).toBe(true);
  });

  it.each<[string, RegExp]>([
    ['params.missing', /^params\.missing is not defined: params has no field "missing"/],
    [
      'steps.bt.outputs.nope',
      /steps\.bt\.outputs\.nope is not defined: steps\.bt\.outputs has no field "nope"/,
    ],
    ['steps.zz.outputs.x', /steps\.zz is not defined: steps has no field "zz"/],
    ['item[5]', /item\[5\] is not defined: index 5 is out of range \(length 2\)/],
    ['item.kind', /item\.kind is not defined: item is array, not an object/],
    ['params.minPnl.x', /params\.minPnl is number, not an object/],
    ['params.constructor', /params\.constructor is not defined/],
    ['params.__proto__', /params\.__proto__ is not defined/],
    ['params.minPnl == "10"', /cannot compare number with string/],
    ['params.minPnl < "10"', /< compares numbers or strings, got number and string/],
    ['params.minPnl + "x"', /\+ needs two numbers or two strings, got number and string/],
    ['"x" * 2', /\* needs numbers, got string and number/],
    ['1 / 0', /division by zero/],
    ['5 % 0', /division by zero/],
    ['!1', /operand of ! must be a boolean, got number/],
    ['-"a"', /operand of unary - must be a number, got string/],
    ['1 && true', /left operand of && must be a boolean, got number/],
    ['true && 1', /right operand of && must be a boolean, got number/],
    ['params.none ? 1 : 2', /condition of \?: must be a boolean, got null/],
    ['params.none < 1', /compares numbers or strings, got null and number/],
    ['1e308 * 10', /not a finite number/],
  ])('%s fails: %s', (src, message) => {
    expect(failure(() => run(src)).message).toMatch(message);
  });

  it('refuses item outside a forEach step', () => {
    const { item: _item, ...withoutItem } = ctx;
    expect(failure(() => run('item.session', withoutItem)).message).toMatch(
      /item is only defined in a forEach step/,
    );
  });
});

describe('expression parsing', () => {
  it.each<[string, RegExp, number]>([
    ['1 +', /Expected expression after \+/, 4],
    ['params.minPnl > ', /Expected expression after >/, 17],
    ['(1 + 2', /Unclosed \(/, 7],
    ["'abc", /Unclosed quote/, 5],
    ['foo.bar', /unknown name "foo"; expressions may use params, steps and item/, 1],
    ['1 + env.HOME', /unknown name "env"/, 5],
    ['params.a && process', /unknown name "process"/, 13],
    ['params.x(1)', /function calls are not allowed/, 1],
    ['1 + constructor("x")', /function calls are not allowed/, 5],
    ['this.x', /"this" is not allowed/, 1],
    ['params.a === 1', /operator === is not allowed; use ==/, 10],
    ['params.a | 1', /operator \| is not allowed/, 10],
    ['1 + ~params.a', /operator ~ is not allowed/, 5],
    ['+params.a', /operator \+ is not allowed/, 1],
    ['params', /a parameter is referenced as params.<name>/, 1],
    ['1 + steps.bt.netPnlQuote', /a step output is referenced as steps.<id>.outputs.<name>/, 5],
    ['steps.bt', /steps.<id>.outputs.<name>/, 1],
    ['item[params.i]', /an index must be a literal string or a non-negative integer/, 5],
    ['item[-1]', /an index must be a literal/, 5],
    ['params.a?.b', /optional chaining \(\?\.\) is not allowed/, 9],
    ['"x".length', /member access is only allowed on params, steps and item/, 4],
    ['(params.a ? item : item)[0]', /member access is only allowed on params, steps and item/, 25],
    ['params.a, params.b', /expected one expression/, 9],
    ['params.a = 1', /Unexpected "="|Expected/, 10],
    ['', /empty expression/, 1],
  ])('%s is rejected: %s (column %d)', (src, message, column) => {
    const err = failure(() => parseExpression(src));
    expect(err.description).toMatch(message);
    expect(err.column).toBe(column);
  });

  it('gives each reference the column of its root name', () => {
    const expr = parseExpression('params.a + steps.b.outputs.c * item[0]');
    expect(expr).toEqual({
      kind: 'binary',
      op: '+',
      left: { kind: 'ref', root: 'params', path: ['a'], column: 1 },
      right: {
        kind: 'binary',
        op: '*',
        left: { kind: 'ref', root: 'steps', path: ['b', 'outputs', 'c'], column: 12 },
        right: { kind: 'ref', root: 'item', path: [0], column: 32 },
      },
    });
  });
});
