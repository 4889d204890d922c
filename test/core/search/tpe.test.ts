import { describe, it, expect } from 'vitest';
import {
  NOP_PRUNER,
  RandomSampler,
  Study,
  TPE_DEFAULTS_BEFORE_0008,
  TpeSampler,
  createSampler,
  paramProblems,
  type Direction,
  type SamplerConfig,
  type SearchSpace,
  type TrialParams,
  type TrialRecord,
} from '../../../core/search/index.ts';
import {
  BRANIN_MIN,
  BRANIN_SPACE,
  HARTMANN6_MIN,
  HARTMANN6_SPACE,
  braninOf,
  hartmann6Of,
} from '../../../core/search/test-functions.ts';
import { defaultGamma, splitTrials } from '../../../core/search/tpe-split.ts';

const trial = (
  number: number,
  state: TrialRecord['state'],
  extra: Partial<TrialRecord> = {},
): TrialRecord => ({
  number,
  params: { x: number / 10 },
  state,
  intermediate: [],
  ...extra,
});

/** Runs a sequential study of `n` trials and returns the best value after each trial. */
function bestCurve(
  cfg: SamplerConfig,
  space: SearchSpace,
  f: (p: TrialParams) => number,
  n: number,
  direction: Direction = 'minimize',
): number[] {
  const study = new Study({ space, direction, sampler: createSampler(cfg), pruner: NOP_PRUNER });
  const curve: number[] = [];
  let best = direction === 'minimize' ? Infinity : -Infinity;
  for (let i = 0; i < n; i++) {
    const { number, params } = study.ask();
    const value = f(params);
    study.tell(number, { state: 'complete', value });
    best = direction === 'minimize' ? Math.min(best, value) : Math.max(best, value);
    curve.push(best);
  }
  return curve;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2;
};

describe('splitting trials (Optuna _split_trials)', () => {
  it('uses γ(n) = min(⌈0.1·n⌉, 25)', () => {
    expect([0, 1, 10, 11, 100, 250, 1000].map(defaultGamma)).toEqual([0, 1, 1, 2, 10, 25, 25]);
  });

  it('fills the good group with complete, then pruned (furthest step first), then infeasible (least violation) trials', () => {
    const trials: TrialRecord[] = [
      trial(0, 'complete', { value: 5 }),
      trial(1, 'pruned', {
        intermediate: [
          [0, 1],
          [1, 9],
        ],
      }),
      trial(2, 'pruned', { intermediate: [[0, 0.5]] }),
      trial(3, 'infeasible', { value: -100, constraintViolation: 0.2 }),
      trial(4, 'complete', { value: 3 }),
      trial(5, 'failed'),
      trial(6, 'running'),
      trial(7, 'pruned'),
      trial(8, 'infeasible', { value: -50, constraintViolation: 0.1 }),
    ];
    const numbers = (ts: readonly TrialRecord[]): number[] => ts.map((t) => t.number);
    expect(numbers(splitTrials(trials, 1, 'minimize', false).below)).toEqual([4]);
    // Pruned: trial 1 reached step 1 (beats trial 2 at step 0 whatever the values); no-value trial 7 last.
    expect(numbers(splitTrials(trials, 3, 'minimize', false).below)).toEqual([0, 1, 4]);
    expect(numbers(splitTrials(trials, 5, 'minimize', false).below)).toEqual([0, 1, 2, 4, 7]);
    // Infeasible trials only once every feasible one is in, least violation first; never the failed one.
    const six = splitTrials(trials, 6, 'minimize', false);
    expect(numbers(six.below)).toEqual([0, 1, 2, 4, 7, 8]);
    expect(numbers(six.above)).toEqual([3]);
    // Constant liar: the running trial joins the bad group.
    expect(numbers(splitTrials(trials, 1, 'minimize', true).above)).toEqual([0, 1, 2, 3, 6, 7, 8]);
  });

  it('ranks by value in the study direction', () => {
    const trials = [trial(0, 'complete', { value: 1 }), trial(1, 'complete', { value: 2 })];
    expect(splitTrials(trials, 1, 'maximize', false).below.map((t) => t.number)).toEqual([1]);
    expect(splitTrials(trials, 1, 'minimize', false).below.map((t) => t.number)).toEqual([0]);
  });
});

describe('TPE sampler', () => {
  it('is random (the RandomSampler stream) until 10 trials finished', () => {
    const tpe = new TpeSampler({ seed: 11 });
    const random = new RandomSampler(11);
    const done = Array.from({ length: 9 }, (_, i) => ({
      ...trial(i, 'complete', { value: i }),
      params: { x1: 0, x2: 0 },
    }));
    const running = [...done, { ...trial(9, 'running'), params: { x1: 1, x2: 1 } }];
    expect(tpe.sample(BRANIN_SPACE, running, 10, 'minimize')).toEqual(
      random.sample(BRANIN_SPACE, [], 10, 'minimize'),
    );
  });

  it('is deterministic for a seed and differs across seeds (full 40-trial runs deep-compared)', () => {
    const run = (seed: number): TrialRecord[] => {
      const study = new Study({
        space: BRANIN_SPACE,
        direction: 'minimize',
        sampler: createSampler({ type: 'tpe', seed }),
        pruner: NOP_PRUNER,
      });
      for (let i = 0; i < 40; i++) {
        const { number, params } = study.ask();
        study.tell(number, { state: 'complete', value: braninOf(params) });
      }
      return [...study.trials];
    };
    const a = run(7);
    expect(run(7)).toEqual(a);
    expect(run(8)).not.toEqual(a);
  });

  it('suggests for trial n from (trials, n) only, whatever was asked before', () => {
    const history = Array.from({ length: 15 }, (_, i) => ({
      ...trial(i, 'complete', { value: (i * 7) % 5 }),
      params: { x1: i - 5, x2: i },
    }));
    const fresh = new TpeSampler({ seed: 3 });
    const used = new TpeSampler({ seed: 3 });
    used.sample(BRANIN_SPACE, history, 16, 'minimize');
    used.sample(BRANIN_SPACE, history.slice(0, 12), 12, 'minimize');
    expect(used.sample(BRANIN_SPACE, history, 15, 'minimize')).toEqual(
      fresh.sample(BRANIN_SPACE, history, 15, 'minimize'),
    );
  });

  it('with the constant liar (default), parallel asks without results diverge; without it they coincide', () => {
    const space: SearchSpace = { n: { type: 'int', low: 0, high: 50 } };
    const parallelAsks = (constantLiar: boolean, seed: number): number[] => {
      const study = new Study({
        space,
        direction: 'minimize',
        sampler: createSampler({ type: 'tpe', seed, constantLiar }),
        pruner: NOP_PRUNER,
      });
      for (let i = 0; i < 30; i++) {
        const { number, params } = study.ask();
        study.tell(number, { state: 'complete', value: (Number(params.n) - 17) ** 2 });
      }
      return Array.from({ length: 6 }, () => Number(study.ask().params.n)); // 6 running, none told
    };
    // Changed with ADR 0008 (the figures were 6 distinct asks with the liar and 11, 11, 23, 11, 11, 23
    // without, under the univariate Optuna-floor defaults): l(x) now concentrates on the optimum's
    // neighbourhood (n = 16…18 of 0…50), so the liar spreads the asks over it but cannot always find 6
    // distinct integers there; without it every ask sees the same 30 trials and repeats the l/g maximum.
    for (const seed of [0, 1, 2]) {
      const distinct = new Set(parallelAsks(true, seed)).size;
      expect(distinct).toBeGreaterThanOrEqual(4);
      expect(distinct).toBeGreaterThan(new Set(parallelAsks(false, seed)).size);
    }
    expect(parallelAsks(true, 0)).toEqual([16, 17, 20, 16, 1, 19]);
    expect(parallelAsks(false, 0)).toEqual([16, 16, 16, 16, 16, 16]);
  });

  it('samples conditional params only where active and learns each from the trials that used it', () => {
    const space: SearchSpace = {
      kind: { type: 'categorical', choices: ['a', 'b'] },
      x: { type: 'float', low: 0, high: 1, when: { param: 'kind', in: ['a'] } },
      y: { type: 'int', low: 0, high: 20, when: { param: 'kind', in: ['b'] } },
    };
    const f = (p: TrialParams): number =>
      p.kind === 'a' ? (Number(p.x) - 0.3) ** 2 : 0.05 + (Number(p.y) - 5) ** 2 / 100;
    for (const multivariate of [false, true]) {
      const study = new Study({
        space,
        direction: 'minimize',
        sampler: createSampler({ type: 'tpe', seed: 4, multivariate }),
        pruner: NOP_PRUNER,
      });
      for (let i = 0; i < 80; i++) {
        const { number, params } = study.ask();
        expect(paramProblems(space, params)).toEqual([]);
        study.tell(number, { state: 'complete', value: f(params) });
      }
      const best = study.best();
      expect(best?.params.kind).toBe('a');
      expect(best?.value).toBeLessThan(0.002); // |x − 0.3| < 0.045
      const lateA = study.trials.slice(40).filter((t) => t.params.kind === 'a').length;
      expect(lateA).toBeGreaterThan(25); // the better branch gets most of the later trials
    }
  });

  it('maximises as well (−Branin, 60 trials, seed 1 reaches −0.6)', () => {
    const curve = bestCurve({ type: 'tpe', seed: 1 }, BRANIN_SPACE, (p) => -braninOf(p), 60, 'maximize');
    expect(curve[59]).toBeGreaterThan(-0.6);
  });

  it('avoids infeasible regions (constraint x1 ≤ 0 on Branin: the best feasible optimum is (−π, 12.275))', () => {
    const study = new Study({
      space: BRANIN_SPACE,
      direction: 'minimize',
      sampler: createSampler({ type: 'tpe', seed: 2 }),
      pruner: NOP_PRUNER,
    });
    for (let i = 0; i < 80; i++) {
      const { number, params } = study.ask();
      const violation = Number(params.x1);
      const value = braninOf(params);
      study.tell(
        number,
        violation > 0
          ? { state: 'infeasible', value, constraintViolation: violation }
          : { state: 'complete', value },
      );
    }
    // Random search would put 2/3 of the trials (x1 ∈ (0, 10] of [−5, 10]) in the infeasible region.
    const late = study.trials.slice(40);
    expect(late.filter((t) => t.state === 'infeasible').length).toBeLessThan(10);
    expect(study.best()?.params.x1).toBeLessThan(0);
    expect(study.best()?.value).toBeLessThan(1);
  });
});

describe('TPE against random search at equal budget (median best of 10 seeds)', () => {
  // Published behaviour: Bergstra et al. 2011 (Table 1) and Optuna's benchmarks show TPE ahead of
  // random search on these functions. Reference run of Optuna 4.9 (20 seeds, univariate TPE):
  // Branin 0.45 at 100 trials (random 0.78); Hartmann6 −3.00 at 100 (random −2.12).
  const seeds = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const medianAt = (
    cfg: (seed: number) => SamplerConfig,
    space: SearchSpace,
    f: (p: TrialParams) => number,
    n: number,
  ): number => median(seeds.map((seed) => bestCurve(cfg(seed), space, f, n)[n - 1] ?? NaN));

  it('Branin (minimum 0.397887) at 100 trials', () => {
    const tpe = medianAt((seed) => ({ type: 'tpe', seed }), BRANIN_SPACE, braninOf, 100);
    const random = medianAt((seed) => ({ type: 'random', seed }), BRANIN_SPACE, braninOf, 100);
    expect(tpe).toBeLessThan(random);
    expect(tpe).toBeGreaterThanOrEqual(BRANIN_MIN);
    expect(tpe).toBeLessThan(0.55);
  });

  it('Hartmann6 (minimum −3.32237) at 100 trials, univariate and multivariate (default)', () => {
    // Univariate as Optuna v4's default TPESampler(); since ADR 0008 the default is multivariate.
    const tpe = medianAt(
      (seed) => ({ type: 'tpe', seed, ...TPE_DEFAULTS_BEFORE_0008 }),
      HARTMANN6_SPACE,
      hartmann6Of,
      100,
    );
    const multi = medianAt((seed) => ({ type: 'tpe', seed }), HARTMANN6_SPACE, hartmann6Of, 100);
    const random = medianAt((seed) => ({ type: 'random', seed }), HARTMANN6_SPACE, hartmann6Of, 100);
    expect(tpe).toBeLessThan(random - 0.5);
    expect(multi).toBeLessThan(tpe);
    expect(multi).toBeGreaterThanOrEqual(HARTMANN6_MIN);
    expect(multi).toBeLessThan(-3.0);
  });
});
