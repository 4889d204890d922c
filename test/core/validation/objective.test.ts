import { describe, expect, it } from 'vitest';
import { UNTRADED_QUALITY_KPIS, type Kpis } from '../../../core/metrics/kpis.ts';
import { DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT } from '../../../core/quoting/model-params.ts';
import {
  aggregate,
  ObjectiveError,
  parseObjective,
  scoreFold,
  scoreTrial,
  trialModelParams,
} from '../../../core/validation/objective.ts';

const FLAT_KPIS: Kpis = {
  netPnlQuote: 0,
  feesQuote: 0,
  sharpe: null,
  maxDrawdownQuote: 0,
  rmsInventoryRatio: 0,
  spreadCapturedPct: null,
  spreadCapturedAtFillPct: null,
  fillRatio: 0,
  cancelRatio: 1,
  quotes: 10,
  fills: 0,
  cancels: 10,
  events: 1000,
  finalInventoryLots: 0,
  maxAbsInventoryLots: 0,
  ...UNTRADED_QUALITY_KPIS,
};

const kpis = (over: Partial<Kpis>): Kpis => ({ ...FLAT_KPIS, ...over });

const sharpeWithInventoryCap = parseObjective(
  { metric: 'sharpe', direction: 'maximize', constraints: [{ metric: 'rmsInventoryRatio', max: 0.4 }] },
  'test',
);

describe('parseObjective', () => {
  it('applies defaults: mean over folds, no constraint', () => {
    expect(parseObjective({ metric: 'netPnlQuote', direction: 'maximize' }, 'x')).toEqual({
      metric: 'netPnlQuote',
      direction: 'maximize',
      aggregate: 'mean',
      constraints: [],
    });
  });

  it('names the source and each bad field', () => {
    const parse = (v: unknown): string => {
      try {
        parseObjective(v, 'pipelines/retrain-weekly.yaml study.objective');
        return 'ok';
      } catch (err) {
        expect(err).toBeInstanceOf(ObjectiveError);
        return (err as Error).message;
      }
    };
    expect(parse({ metric: 'pnl', direction: 'up', extra: 1 })).toMatch(
      /^pipelines\/retrain-weekly\.yaml study\.objective: invalid objective: metric: .*; direction: .*; \(root\): Unrecognized key: "extra"$/,
    );
    expect(
      parse({ metric: 'sharpe', direction: 'maximize', constraints: [{ metric: 'fills', max: 1, min: 0 }] }),
    ).toBe(
      'pipelines/retrain-weekly.yaml study.objective: invalid objective: constraints.0: give exactly one of "max" or "min"',
    );
    expect(parse({ metric: 'sharpe', direction: 'maximize', aggregate: 'max' })).toContain('aggregate: ');
  });
});

describe('scoreFold', () => {
  it('gives the KPI and a zero violation when every constraint holds', () => {
    const s = scoreFold(sharpeWithInventoryCap, kpis({ sharpe: 2.5, rmsInventoryRatio: 0.3 }), 'fold 0');
    expect(s).toEqual({
      ok: true,
      value: 2.5,
      violation: 0,
      constraints: [{ metric: 'rmsInventoryRatio', bound: 'max', limit: 0.4, value: 0.3, figure: 0.3 - 0.4 }],
    });
  });

  it('measures a violation as value − max (Optuna: > 0 infeasible), and min − value for a floor', () => {
    const objective = parseObjective(
      {
        metric: 'netPnlQuote',
        direction: 'maximize',
        constraints: [
          { metric: 'rmsInventoryRatio', max: 0.4 },
          { metric: 'fills', min: 5 },
        ],
      },
      'test',
    );
    const s = scoreFold(objective, kpis({ netPnlQuote: -3, rmsInventoryRatio: 0.55, fills: 2 }), 'fold 1');
    expect(s.ok).toBe(true);
    if (!s.ok) return;
    expect(s.value).toBe(-3);
    // (0.55 − 0.4) + (5 − 2) = 3.15
    expect(s.violation).toBeCloseTo(3.15, 12);
  });

  it('fails a fold whose objective KPI is undefined, with the reason, instead of scoring it', () => {
    expect(scoreFold(sharpeWithInventoryCap, kpis({ sharpe: null }), 'fold 2')).toMatchObject({
      ok: false,
      reason:
        'fold 2: sharpe is undefined (a run shorter than one day, fewer than 2 per-minute PnL increments or a flat equity curve)',
    });
  });

  it('fails a fold whose constraint KPI is undefined', () => {
    expect(
      scoreFold(sharpeWithInventoryCap, kpis({ sharpe: 1, rmsInventoryRatio: null }), 'holdout'),
    ).toMatchObject({
      ok: false,
      reason: 'holdout: constraint metric rmsInventoryRatio is undefined (no inventory sample)',
    });
  });
});

describe('scoreTrial', () => {
  const ok = (value: number, violation = 0) => ({ ok: true as const, value, violation, constraints: [] });

  it('aggregates fold values (mean, median, sum) and keeps the worst violation', () => {
    expect(scoreTrial(sharpeWithInventoryCap, [ok(1), ok(2), ok(6)])).toEqual({
      state: 'complete',
      value: 3,
      constraintViolation: 0,
    });
    expect(aggregate('median', [5, 1, 3, 100])).toBe(4);
    expect(aggregate('median', [5, 1, 3])).toBe(3);
    expect(aggregate('sum', [5, 1, 3])).toBe(9);
  });

  it('marks a trial infeasible when any fold breaks a constraint (value kept)', () => {
    expect(scoreTrial(sharpeWithInventoryCap, [ok(4), ok(2, 0.15), ok(3, 0.05)])).toEqual({
      state: 'infeasible',
      value: 3,
      constraintViolation: 0.15,
    });
  });

  it('fails the trial on the first failed fold', () => {
    const failed = scoreFold(sharpeWithInventoryCap, kpis({ sharpe: null }), 'fold 1');
    expect(scoreTrial(sharpeWithInventoryCap, [ok(4), failed])).toEqual({
      state: 'failed',
      reason:
        'fold 1: sharpe is undefined (a run shorter than one day, fewer than 2 per-minute PnL increments or a flat equity curve)',
    });
    expect(() => scoreTrial(sharpeWithInventoryCap, [])).toThrow('at least one fold');
  });
});

describe('trialModelParams', () => {
  const base = DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT;

  it('overrides the base fields named by the trial and validates the whole', () => {
    const r = trialModelParams(base, { gamma: 1e-6, kPerTick: 0.5, diLevels: 3 }, 'trial 0');
    expect(r).toEqual({ ok: true, params: { ...base, gamma: 1e-6, kPerTick: 0.5, diLevels: 3 } });
  });

  it('fails the trial with the message for an invalid combination or an unknown field', () => {
    const invalid = trialModelParams(base, { gamma: -1 }, 'study s trial 3');
    expect(invalid.ok).toBe(false);
    if (!invalid.ok) expect(invalid.error).toMatch(/^study s trial 3: invalid model params: gamma: /);
    const fractional = trialModelParams(base, { quoteSizeLots: 2.5 }, 'trial 4');
    expect(fractional.ok).toBe(false);
    expect(trialModelParams(base, { kappa: 1, beta: 2 }, 'trial 5')).toEqual({
      ok: false,
      error: 'trial 5: "kappa", "beta" not a parameter of model as-v1-alpha',
    });
  });
});

describe('trade-quality KPIs as objective metrics and constraints', () => {
  const o = parseObjective(
    { metric: 'netBp', direction: 'maximize', constraints: [{ metric: 'markout1sBp', min: -1 }] },
    'test',
  );

  it('scores a fold by its bp figures, with the constraint figure c = min − value', () => {
    const f = scoreFold(o, kpis({ netBp: -11.8, markout1sBp: -1.3, tradedNotionalQuote: 100 }), 'fold 0');
    expect(f.ok).toBe(true);
    if (!f.ok) return;
    expect(f.value).toBe(-11.8);
    expect(f.violation).toBeCloseTo(0.3, 12); // −1 − (−1.3)
  });

  it('fails a fold with no fill (bp of a zero notional), saying why', () => {
    const f = scoreFold(o, FLAT_KPIS, 'fold 1');
    expect(f).toMatchObject({
      ok: false,
      reason: 'fold 1: netBp is undefined (no fill: bp of a zero traded notional)',
    });
  });
});
