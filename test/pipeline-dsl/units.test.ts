import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../pipeline-dsl/duration.ts';
import { cronProblem, isTimeZone } from '../../pipeline-dsl/schedule.ts';
import { ParamsError, paramValueProblem, resolveParams } from '../../pipeline-dsl/params.ts';
import { resolveStepInput, StepInputError } from '../../pipeline-dsl/inputs.ts';
import type { PlanStep } from '../../pipeline-dsl/plan-types.ts';
import { topologicalOrder } from '../../pipeline-dsl/plan.ts';
import {
  forEachOutputs,
  stepTypeSpecs,
  type ApproveStepOutputs,
  type BacktestStepOutputs,
  type IngestStepOutputs,
  type ValidateMarketDataStepOutputs,
} from '../../pipeline-dsl/steps.ts';
import { checkValue, T } from '../../pipeline-dsl/expr/index.ts';

describe('durations', () => {
  it.each<[unknown, number]>([
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
    ['2m500ms', 120_500],
    [1500, 1500],
    [0, 0],
  ])('%j = %d ms', (text, ms) => expect(parseDuration(text)).toEqual({ ok: true, ms }));

  it.each<unknown>(['1.5h', '-1s', '10', 'h', '10 m', '1w', -1, 1.5, true, null, ''])(
    '%j is refused',
    (value) => {
      const result = parseDuration(value);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.message).toMatch(/duration/);
    },
  );
});

describe('cron and time zones', () => {
  it.each(['0 3 * * 1', '*/15 * * * *', '0 0 * * MON-FRI', '0 0 * * THU', '@daily', '0 0 1,15 * *'])(
    '%s is valid',
    (cron) => expect(cronProblem(cron)).toBeUndefined(),
  );

  it.each<[string, RegExp]>([
    ['0 25 * * *', /got value 25 expected range 0-23/],
    ['* * *', /expected 5 fields .* got 3/],
    ['0 0 * * * *', /expected 5 fields .* got 6/],
    ['H * * * *', /hashed \(H\) fields are not supported/],
    ['*/0 * * * *', /cannot repeat at every 0/],
    ['@every 5m', /unknown cron macro/],
  ])('%s is refused: %s', (cron, message) => expect(cronProblem(cron)).toMatch(message));

  it('knows IANA zones and nothing else', () => {
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Europe/Paris')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });
});

describe('params', () => {
  const declared = {
    session: { type: 'string', default: 's1' },
    lots: { type: 'integer' },
    ids: { type: 'number[]', default: [1, 2] },
  } as const;

  it('applies defaults under given values', () => {
    expect(resolveParams(declared, { lots: 3 })).toEqual({ session: 's1', lots: 3, ids: [1, 2] });
    expect(resolveParams(declared, { lots: 3, session: 's2' })).toEqual({
      session: 's2',
      lots: 3,
      ids: [1, 2],
    });
  });

  it('lists every unknown, missing and mistyped param at once', () => {
    try {
      resolveParams(declared, { session: 5, extra: true });
      throw new Error('expected a rejection');
    } catch (err) {
      if (!(err instanceof ParamsError)) throw err;
      expect(err.problems).toEqual([
        'unknown param "extra"',
        'param "session": expected string, got number',
        'param "lots" is required (no default)',
      ]);
    }
  });

  it.each<[Parameters<typeof paramValueProblem>[0], unknown, string | undefined]>([
    ['integer', 3, undefined],
    ['integer', 3.5, 'expected an integer, got 3.5'],
    ['number', Number.NaN, 'expected number, got NaN'],
    ['number', Number.POSITIVE_INFINITY, 'expected number, got Infinity'],
    ['boolean', 'true', 'expected boolean, got string'],
    ['string[]', ['a', 1], 'expected string[], but element [1] is number'],
    ['number[]', [], undefined],
  ])('%s %j → %s', (type, value, problem) => expect(paramValueProblem(type, value)).toBe(problem));
});

describe('step types', () => {
  it('declare outputs matching their TypeScript shapes', () => {
    const ingest: IngestStepOutputs = {
      rowsRead: 10,
      rowsInserted: 8,
      files: 2,
      datasets: [{ venue: 'binance-spot', symbol: 'BTCUSDT', kind: 'klines', interval: '1m' }],
    };
    const backtest: BacktestStepOutputs = {
      runId: 'r',
      modelVersionId: 'm@1',
      session: 's',
      events: 1,
      quotes: 2,
      fills: 0,
      netPnlQuote: -1.5,
      grossBp: null,
      markout1sBp: null,
      pnlTStat: null,
      maxDrawdownQuote: 2,
      rmsInventoryRatio: 0.1,
      spreadCapturedPct: null,
      fillRatio: 0,
      cancelRatio: 0.5,
    };
    const check: ValidateMarketDataStepOutputs = {
      rowsChecked: 5,
      gaps: 0,
      duplicates: 0,
      impossible: 0,
      reportId: 'dq:1',
    };
    const approve: ApproveStepOutputs = { decision: 'approved', approver: 'alice', reason: 'looks good' };
    expect(checkValue(ingest, T.object(stepTypeSpecs.ingest.outputs))).toBeUndefined();
    expect(checkValue(backtest, T.object(stepTypeSpecs.backtest.outputs))).toBeUndefined();
    expect(checkValue(check, T.object(stepTypeSpecs['validate-market-data'].outputs))).toBeUndefined();
    expect(checkValue(approve, T.object(stepTypeSpecs.approve.outputs))).toBeUndefined();
    expect(
      checkValue(
        { count: 1, items: [check] },
        T.object(forEachOutputs(stepTypeSpecs['validate-market-data'].outputs)),
      ),
    ).toBeUndefined();
    expect(checkValue({ ...backtest, fills: null }, T.object(stepTypeSpecs.backtest.outputs))).toBe(
      '$.fills: expected number, got null',
    );
    expect(checkValue({ rowsRead: 1 }, T.object(stepTypeSpecs.ingest.outputs))).toBe(
      '$.rowsInserted: missing',
    );
  });

  const approveStep: PlanStep = {
    id: 'gate',
    uses: 'approve',
    kind: 'approve',
    needs: [],
    with: {
      message: 'pnl ${{ steps.bt.outputs.netPnlQuote }}',
      timeoutMs: '${{ params.deadlineMs }}',
      onTimeout: 'reject',
    },
  };

  it('render and validate a plan step input at run time', () => {
    const ctx = { params: { deadlineMs: 60_000 }, steps: { bt: { outputs: { netPnlQuote: 12.5 } } } };
    expect(resolveStepInput(approveStep, ctx)).toEqual({
      uses: 'approve',
      input: { message: 'pnl 12.5', timeoutMs: 60_000, onTimeout: 'reject' },
    });
  });

  it('name the step and the field when a rendered input is invalid', () => {
    const ctx = { params: { deadlineMs: 10 }, steps: { bt: { outputs: { netPnlQuote: 1 } } } };
    expect(() => resolveStepInput(approveStep, ctx)).toThrow(StepInputError);
    expect(() => resolveStepInput(approveStep, ctx)).toThrow(
      /step "gate": invalid input: with\.timeoutMs: Too small/,
    );
    expect(() => resolveStepInput(approveStep, { params: {}, steps: {} })).toThrow(
      /step "gate": invalid input: steps\.bt is not defined/,
    );
  });
});

describe('topologicalOrder', () => {
  it('orders by needs and names only the steps on a cycle', () => {
    expect(
      topologicalOrder([
        { id: 'a', needs: [] },
        { id: 'b', needs: ['c'] },
        { id: 'c', needs: ['b'] },
        { id: 'd', needs: ['b', 'a'] },
        { id: 'e', needs: ['a', 'ghost'] },
      ]),
    ).toEqual({ order: ['a', 'e'], cycle: ['b', 'c'] });
  });
});
