/**
 * The lagged view of workflows/study/ledger.ts (pure, no server): with parallelism P the suggestions
 * and pruning decisions do not depend on the order in which trials in flight finish.
 */
import { describe, expect, it } from 'vitest';
import type { SamplerConfig, TrialParams, TrialRecord } from '../../core/search/index.ts';
import { TrialLedger } from '../../workflows/study/ledger.ts';

const space = {
  x: { type: 'float', low: -5, high: 10 },
  y: { type: 'float', low: 0, high: 15 },
} as const;

/** Branin (Dixon & Szegö 1978), minimised; fold k reports it shifted by k. */
const branin = (p: TrialParams): number => {
  const x = Number(p['x']);
  const y = Number(p['y']);
  const b = 5.1 / (4 * Math.PI ** 2);
  return (y - b * x * x + (5 / Math.PI) * x - 6) ** 2 + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x) + 10;
};

interface Run {
  readonly asked: TrialParams[];
  readonly outcomes: string[];
  readonly maxInFlight: number;
}

/**
 * Drives a ledger to `n` trials of 2 folds each: asks whenever allowed, otherwise advances one
 * in-flight trial by one fold, chosen by `pick` among the in-flight trial numbers (the "timing").
 */
function drive(
  sampler: SamplerConfig,
  parallelism: number,
  n: number,
  pick: (inFlight: number[], tick: number) => number,
  carried: readonly TrialRecord[] = [],
): Run & { readonly trials: readonly TrialRecord[] } {
  const ledger = new TrialLedger({
    space,
    direction: 'minimize',
    sampler,
    pruner: { type: 'median', nStartupTrials: 2 },
    parallelism,
    trials: carried,
  });
  const folds = new Map<number, number>();
  let maxInFlight = 0;
  for (let tick = 0; ; tick++) {
    const inFlight = [...folds.keys()];
    if (ledger.nextNumber < n && inFlight.length < parallelism && ledger.canAsk()) {
      const { number } = ledger.ask();
      folds.set(number, 0);
      maxInFlight = Math.max(maxInFlight, folds.size);
      continue;
    }
    if (inFlight.length === 0) break;
    const t = pick(inFlight, tick);
    const fold = folds.get(t) ?? 0;
    const params = ledger.trials[t]?.params ?? {};
    ledger.report(t, fold, branin(params) + fold);
    if (ledger.shouldPrune(t)) {
      ledger.tell(t, { state: 'pruned' });
      folds.delete(t);
    } else if (fold === 1) {
      ledger.tell(t, { state: 'complete', value: branin(params) + 0.5 });
      folds.delete(t);
    } else folds.set(t, fold + 1);
  }
  return {
    trials: ledger.trials,
    asked: ledger.trials.map((t) => t.params),
    outcomes: ledger.trials.map((t) => `${t.number}:${t.state}:${t.value ?? ''}`),
    maxInFlight,
  };
}

const oldestFirst = (inFlight: number[]): number => Math.min(...inFlight);
const newestFirst = (inFlight: number[]): number => Math.max(...inFlight);
const scrambled = (inFlight: number[], tick: number): number => inFlight[(tick * 7919) % inFlight.length]!;

describe('TrialLedger (lagged view)', () => {
  for (const sampler of [
    { type: 'tpe', seed: 5, nStartupTrials: 3, constantLiar: true },
    { type: 'random', seed: 5 },
  ] satisfies SamplerConfig[])
    it(`gives the same trials whatever the completion order (${sampler.type}, parallelism 3)`, () => {
      const a = drive(sampler, 3, 14, oldestFirst);
      const b = drive(sampler, 3, 14, newestFirst);
      const c = drive(sampler, 3, 14, scrambled);
      expect(b.asked).toEqual(a.asked);
      expect(c.asked).toEqual(a.asked);
      expect(b.outcomes).toEqual(a.outcomes);
      expect(c.outcomes).toEqual(a.outcomes);
      expect(a.maxInFlight).toBe(3);
      expect(new Set(a.asked.map((p) => JSON.stringify(p))).size).toBe(14);
    });

  it('shows trial n the trials up to n − P as they ended and the next P − 1 as running', () => {
    const ledger = new TrialLedger({
      space,
      direction: 'minimize',
      sampler: { type: 'random', seed: 1 },
      pruner: { type: 'none' },
      parallelism: 2,
    });
    ledger.ask();
    ledger.ask();
    expect(ledger.canAsk()).toBe(false); // trial 0 (= 2 − 2) not finished
    ledger.tell(1, { state: 'complete', value: 1 });
    expect(ledger.canAsk()).toBe(false); // trial 1 finishing first does not help
    ledger.tell(0, { state: 'complete', value: 2 });
    expect(ledger.canAsk()).toBe(true);
    expect(ledger.view(2).map((t) => [t.number, t.state, t.value])).toEqual([
      [0, 'complete', 2],
      [1, 'running', undefined], // finished, but hidden from trial 2
    ]);
    expect(
      () =>
        new TrialLedger({
          space,
          direction: 'minimize',
          sampler: { type: 'random', seed: 1 },
          pruner: { type: 'none' },
          parallelism: 1,
          trials: [{ number: 0, params: {}, state: 'running', intermediate: [] }],
        }),
    ).toThrow('carried trial 0 is still running');
  });

  it('continues from carried trials (Continue-As-New) exactly as an uninterrupted ledger', () => {
    const sampler = { type: 'tpe', seed: 9, nStartupTrials: 2, constantLiar: true } as const;
    const whole = drive(sampler, 2, 10, scrambled);
    const firstRun = drive(sampler, 2, 6, scrambled); // stops with nothing in flight, as the workflow does
    const secondRun = drive(sampler, 2, 10, oldestFirst, firstRun.trials);
    expect(secondRun.outcomes).toEqual(whole.outcomes);
  });
});
