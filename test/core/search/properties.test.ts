import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  createSampler,
  paramProblems,
  parseSearchSpace,
  type Direction,
  type ParamSpec,
  type SearchSpace,
  type TrialRecord,
  type TrialState,
} from '../../../core/search/index.ts';
import { ParzenEstimator, defaultWeights } from '../../../core/search/parzen-estimator.ts';
import { createStream } from '../../../core/random/xoshiro.ts';
import { sampleRandomParams } from '../../../core/search/random.ts';

/** Arbitrary valid param specs (bounds, log, step combinations the schema accepts). */
const numericSpec: fc.Arbitrary<ParamSpec> = fc.oneof(
  fc
    .record({
      low: fc.integer({ min: -50, max: 50 }),
      span: fc.integer({ min: 1, max: 60 }),
      step: fc.integer({ min: 1, max: 4 }),
    })
    .map(({ low, span, step }) => ({
      type: 'int' as const,
      low,
      high: low + span * step,
      step,
    })),
  fc
    .record({ low: fc.integer({ min: 1, max: 100 }), span: fc.integer({ min: 1, max: 10_000 }) })
    .map(({ low, span }) => ({
      type: 'int' as const,
      low,
      high: low + span,
      log: true,
    })),
  fc
    .record({
      low: fc.double({ min: -10, max: 10, noNaN: true }),
      span: fc.double({ min: 1e-3, max: 100, noNaN: true }),
    })
    .map(({ low, span }) => ({
      type: 'float' as const,
      low,
      high: low + span,
    })),
  fc
    .record({
      low: fc.double({ min: 1e-6, max: 1, noNaN: true }),
      ratio: fc.double({ min: 1.5, max: 1e4, noNaN: true }),
    })
    .map(({ low, ratio }) => ({
      type: 'float' as const,
      low,
      high: low * ratio,
      log: true,
    })),
  fc
    .record({ low: fc.integer({ min: -20, max: 20 }), k: fc.integer({ min: 1, max: 40 }) })
    .map(({ low, k }) => ({
      type: 'float' as const,
      low: low / 4,
      high: low / 4 + k * 0.25,
      step: 0.25,
    })),
);
const categoricalSpec: fc.Arbitrary<ParamSpec> = fc
  .uniqueArray(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom('a', 'b', 'c', 'd'), fc.boolean()), {
    minLength: 1,
    maxLength: 5,
  })
  .map((choices) => ({ type: 'categorical' as const, choices }));

/** A space of 1–5 params; the last may depend on the first when that one is categorical. */
const spaceArb: fc.Arbitrary<SearchSpace> = fc
  .array(fc.oneof(numericSpec, categoricalSpec), { minLength: 1, maxLength: 5 })
  .chain((specs) => fc.boolean().map((conditional) => ({ specs, conditional })))
  .map(({ specs, conditional }) => {
    const space: Record<string, ParamSpec> = {};
    specs.forEach((spec, i) => {
      const first = specs[0];
      const isLast = i === specs.length - 1 && i > 0;
      if (conditional && isLast && first?.type === 'categorical' && first.choices[0] !== undefined) {
        space[`p${i}`] = { ...spec, when: { param: 'p0', in: [first.choices[0]] } };
      } else {
        space[`p${i}`] = spec;
      }
    });
    return parseSearchSpace(space, 'property');
  });

describe('sampler properties', () => {
  it('every sampler suggests valid params for any space and history (TPE past its startup)', () => {
    fc.assert(
      fc.property(
        spaceArb,
        fc.integer({ min: 0, max: 1000 }),
        fc.array(fc.constantFrom<TrialState>('complete', 'pruned', 'failed', 'infeasible', 'running'), {
          minLength: 0,
          maxLength: 30,
        }),
        fc.constantFrom<Direction>('minimize', 'maximize'),
        fc.boolean(),
        (space, seed, states, direction, multivariate) => {
          const rng = createStream(seed, 999);
          const trials: TrialRecord[] = states.map((state, number) => ({
            number,
            params: sampleRandomParams(space, rng),
            state,
            intermediate: state === 'pruned' ? [[0, rng.nextFloat()]] : [],
            ...(state === 'complete' || state === 'infeasible' ? { value: rng.uniform(-5, 5) } : {}),
            ...(state === 'infeasible' ? { constraintViolation: rng.uniform(0.1, 2) } : {}),
          }));
          for (const sampler of [
            createSampler({
              type: 'tpe',
              seed,
              nStartupTrials: 3,
              multivariate,
              constantLiar: !multivariate,
            }),
            createSampler({ type: 'random', seed }),
          ]) {
            const params = sampler.sample(space, trials, trials.length, direction);
            expect(paramProblems(space, params)).toEqual([]);
            expect(sampler.sample(space, trials, trials.length, direction)).toEqual(params);
          }
        },
      ),
      { numRuns: 150, seed: 20_240_601 },
    );
  });

  it('the Parzen mass of an int param sums to 1 over its values', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -10, max: 10 }),
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 0, maxLength: 12 }),
        (low, span, fractions) => {
          const spec: ParamSpec = { type: 'int', low, high: low + span };
          const obs = fractions.map((f) => [low + Math.round(f * span)]);
          const pe = new ParzenEstimator([spec], obs, {
            priorWeight: 1,
            considerMagicClip: true,
            minBandwidthFactor: 0.03,
            magicClipExponent: 2,
            considerEndpoints: false,
            bandwidth: 'neighbour',
            weights: defaultWeights,
          });
          let total = 0;
          for (let v = low; v <= low + span; v++) total += Math.exp(pe.logPdf([v]));
          expect(total).toBeCloseTo(1, 9);
        },
      ),
      { numRuns: 100, seed: 7 },
    );
  });
});
