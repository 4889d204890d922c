/**
 * The pure part of a canary check (workflows/promotion/canary-checks.ts): the drawdown since the step's
 * start from the per-check intervals, against hand-computed figures.
 */
import { describe, expect, it } from 'vitest';
import type { IntervalMetrics } from '../../core/promotion/interval-metrics.ts';
import { STEP_START, stepDrawdown } from '../../workflows/promotion/canary-checks.ts';

const interval = (netPnlQuote: number, maxDrawdownQuote: number): IntervalMetrics => ({
  netPnlQuote,
  maxDrawdownQuote,
  markout1sQuote: 0,
  markoutPerFillQuote: undefined,
  fills: 0,
  filledLots: 0,
  rmsInventoryLots: 0,
  rejectRate: undefined,
  quotesPlaced: 1,
  capitalFraction: 0.1,
  samples: 10,
  engineRunId: 'run-1',
  fromAtMs: 0,
  toAtMs: 1_000,
});

describe('stepDrawdown', () => {
  it('accumulates a slow bleed over the checks of a step', () => {
    // +0.3, then −0.05 three times: peak 0.3, pnl 0.15 → drawdown 0.15, though each check lost 0.05.
    let step = STEP_START;
    const dds: number[] = [];
    for (const [pnl, dd] of [
      [0.3, 0],
      [-0.05, 0.05],
      [-0.05, 0.05],
      [-0.05, 0.05],
    ] as const) {
      const r = stepDrawdown(step, interval(pnl, dd));
      step = r.step;
      dds.push(r.drawdownQuote);
    }
    expect(step.pnlQuote).toBeCloseTo(0.15, 12);
    expect(step.peakQuote).toBeCloseTo(0.3, 12);
    expect(dds.map((d) => Math.round(d * 1e9) / 1e9)).toEqual([0, 0.05, 0.1, 0.15]);
  });

  it('keeps the larger drawdown within the last interval, and recovers with the PnL', () => {
    const a = stepDrawdown(STEP_START, interval(-0.1, 0.1));
    expect(a).toEqual({ step: { pnlQuote: -0.1, peakQuote: 0 }, drawdownQuote: 0.1 });
    const b = stepDrawdown(a.step, interval(0.05, 0.4)); // dipped 0.4 within, ended up 0.05
    expect(b.drawdownQuote).toBe(0.4);
    const c = stepDrawdown(b.step, interval(0.1, 0));
    expect(c.step.pnlQuote).toBeCloseTo(0.05, 12);
    expect(c.drawdownQuote).toBe(0);
  });

  it('leaves the step unchanged on a check without figures', () => {
    const a = stepDrawdown(STEP_START, interval(-0.2, 0.2));
    expect(stepDrawdown(a.step, null)).toEqual({ step: a.step, drawdownQuote: 0.2 });
  });
});
