import { describe, it, expect } from 'vitest';
import {
  NOP_PRUNER,
  Study,
  StudyError,
  TrialRecordSchema,
  createPruner,
  createSampler,
  type Sampler,
  type SamplerConfig,
  type SearchSpace,
  type TrialRecord,
} from '../../../core/search/index.ts';
import { BRANIN_SPACE, braninOf } from '../../../core/search/test-functions.ts';

const space: SearchSpace = { x: { type: 'float', low: 0, high: 1 } };
const newStudy = (
  trials?: readonly TrialRecord[],
  sampler: Sampler = createSampler({ type: 'random', seed: 1 }),
): Study =>
  new Study({
    space,
    direction: 'minimize',
    sampler,
    pruner: NOP_PRUNER,
    ...(trials === undefined ? {} : { trials }),
  });

describe('Study lifecycle', () => {
  it('asks, reports, tells and keeps plain immutable records', () => {
    const study = newStudy();
    const a = study.ask();
    expect(a.number).toBe(0);
    study.report(0, 1, 0.5);
    study.report(0, 0, 0.7); // out of order: kept sorted
    study.report(0, 1, 0.5); // same step, same value: retried activity, no-op
    const before = study.trials;
    study.tell(0, { state: 'complete', value: 0.4 });
    expect(before[0]?.state).toBe('running'); // the earlier snapshot did not change
    expect(study.trials).toEqual([
      {
        number: 0,
        params: a.params,
        state: 'complete',
        value: 0.4,
        intermediate: [
          [0, 0.7],
          [1, 0.5],
        ],
      },
    ]);
    expect(TrialRecordSchema.parse(study.trials[0])).toEqual(study.trials[0]);
    expect(study.ask().number).toBe(1);
  });

  it('returns the best complete feasible trial; infeasible, pruned and failed never best', () => {
    const study = newStudy();
    for (let i = 0; i < 5; i++) study.ask();
    study.tell(0, { state: 'complete', value: 3 });
    study.tell(1, { state: 'infeasible', value: 1, constraintViolation: 0.5 });
    study.tell(2, { state: 'pruned', value: 0.1 });
    study.tell(3, { state: 'failed' });
    expect(study.best()?.number).toBe(0);
    study.tell(4, { state: 'complete', value: 3 });
    expect(study.best()?.number).toBe(0); // ties → lower number
    const max = new Study({
      space,
      direction: 'maximize',
      sampler: createSampler({ type: 'random', seed: 1 }),
      pruner: NOP_PRUNER,
      trials: study.trials,
    });
    expect(max.best()?.number).toBe(0);
    expect(newStudy().best()).toBeUndefined();
  });

  it('asks the pruner with the running trial and the others', () => {
    const study = new Study({
      space,
      direction: 'minimize',
      sampler: createSampler({ type: 'random', seed: 1 }),
      pruner: createPruner({ type: 'median', nStartupTrials: 1 }),
    });
    study.ask();
    study.report(0, 0, 1);
    study.tell(0, { state: 'complete', value: 1 });
    study.ask();
    study.report(1, 0, 2);
    expect(study.shouldPrune(1)).toBe(true);
    study.tell(1, { state: 'pruned' });
    expect(study.trials[1]?.state).toBe('pruned');
  });
});

describe('Study errors name the trial and the problem', () => {
  const study = newStudy();
  study.ask();
  study.ask();
  study.tell(1, { state: 'complete', value: 1 });

  it.each([
    [
      () => study.tell(7, { state: 'complete', value: 1 }),
      'TRIAL_UNKNOWN',
      'tell: no trial 7 (the study has 2)',
    ],
    [
      () => study.tell(1, { state: 'complete', value: 1 }),
      'TRIAL_NOT_RUNNING',
      'tell: trial 1 is already complete',
    ],
    [() => study.report(1, 0, 1), 'TRIAL_NOT_RUNNING', 'report: trial 1 is already complete'],
    [() => study.shouldPrune(-1), 'TRIAL_UNKNOWN', 'shouldPrune: no trial -1 (the study has 2)'],
    [
      () => study.report(0, 0, Number.NaN),
      'TRIAL_BAD_REPORT',
      'trial 0: reported value at step 0 is not finite (NaN)',
    ],
    [() => study.report(0, 1.5, 1), 'TRIAL_BAD_REPORT', 'trial 0: step must be an integer ≥ 0, got 1.5'],
    [
      () => study.tell(0, { state: 'complete' }),
      'TRIAL_BAD_OUTCOME',
      'trial 0: cannot tell complete: a value is required',
    ],
    [
      () => study.tell(0, { state: 'complete', value: Infinity }),
      'TRIAL_BAD_OUTCOME',
      'trial 0: cannot tell complete: value Infinity is not finite',
    ],
    [
      () => study.tell(0, { state: 'complete', value: 1, constraintViolation: 0.3 }),
      'TRIAL_BAD_OUTCOME',
      "trial 0: cannot tell complete: constraintViolation 0.3 > 0: tell it 'infeasible'",
    ],
    [
      () => study.tell(0, { state: 'infeasible', value: 1 }),
      'TRIAL_BAD_OUTCOME',
      'trial 0: cannot tell infeasible: constraintViolation > 0 is required',
    ],
    [
      () => study.tell(0, { state: 'failed', value: 1 }),
      'TRIAL_BAD_OUTCOME',
      'trial 0: cannot tell failed: a failed trial has no value',
    ],
  ] as const)('%#: %s', (act, code, message) => {
    try {
      act();
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(StudyError);
      expect((err as StudyError).code).toBe(code);
      expect((err as StudyError).message).toBe(message);
    }
  });

  it('refuses a different value for a step already reported', () => {
    study.report(0, 3, 1);
    expect(() => study.report(0, 3, 2)).toThrow('trial 0: step 3 already reported as 1, now 2');
  });

  it('refuses resumed trials that are not numbered 0…k−1, and samplers that break the space', () => {
    expect(() =>
      newStudy([{ number: 1, params: { x: 0.5 }, state: 'complete', value: 1, intermediate: [] }]),
    ).toThrow('trial at position 0 has number 1; expected 0 (trials must be 0…k−1 in order)');
    const broken: Sampler = { sample: () => ({ x: 2 }) };
    expect(() => newStudy(undefined, broken).ask()).toThrow(
      'trial 0: the sampler suggested invalid params: x: 2 is not a possible value',
    );
  });
});

describe('Continue-As-New', () => {
  const configs: SamplerConfig[] = [
    { type: 'tpe', seed: 21 },
    { type: 'tpe', seed: 21, multivariate: true, constantLiar: true },
    { type: 'random', seed: 21 },
  ];

  it.each(configs)(
    'a study rebuilt from its trials continues exactly like an uninterrupted one (%j)',
    (cfg) => {
      const drive = (study: Study, from: number, to: number): void => {
        for (let i = from; i < to; i++) {
          const { number, params } = study.ask();
          if (i % 7 === 3) study.tell(number, { state: 'pruned' });
          else study.tell(number, { state: 'complete', value: braninOf(params) });
        }
      };
      const make = (trials?: readonly TrialRecord[]): Study =>
        new Study({
          space: BRANIN_SPACE,
          direction: 'minimize',
          sampler: createSampler(cfg),
          pruner: NOP_PRUNER,
          ...(trials === undefined ? {} : { trials }),
        });
      const whole = make();
      drive(whole, 0, 40);
      const first = make();
      drive(first, 0, 25);
      // The carried payload goes through JSON, as a workflow's Continue-As-New input does.
      const carried = JSON.parse(JSON.stringify(first.trials)) as unknown;
      const resumed = make(TrialRecordSchema.array().parse(carried));
      drive(resumed, 25, 40);
      expect(resumed.trials).toEqual(whole.trials);
    },
  );

  it('keeps running trials running when resumed, so their results can still be told', () => {
    const study = newStudy();
    study.ask();
    study.report(0, 0, 0.3);
    const resumed = newStudy(study.trials);
    resumed.tell(0, { state: 'complete', value: 0.3 });
    expect(resumed.trials[0]?.intermediate).toEqual([[0, 0.3]]);
  });
});
