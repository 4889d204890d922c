import { describe, it, expect } from 'vitest';
import {
  GridSampler,
  RandomSampler,
  SamplerConfigSchema,
  SearchConfigError,
  TpeSampler,
  createSampler,
  parsePrunerConfig,
  parseSamplerConfig,
  type SamplerConfig,
} from '../../../core/search/index.ts';

describe('sampler configuration', () => {
  it('parses each sampler with exact optional fields (assignable to SamplerConfig)', () => {
    const tpe: SamplerConfig = SamplerConfigSchema.parse({
      type: 'tpe',
      seed: 7,
      multivariate: true,
      constantLiar: true,
    });
    expect(tpe).toEqual({ type: 'tpe', seed: 7, multivariate: true, constantLiar: true });
    expect(createSampler(tpe)).toBeInstanceOf(TpeSampler);
    expect(createSampler({ type: 'random', seed: 1 })).toBeInstanceOf(RandomSampler);
    expect(createSampler({ type: 'grid', seed: 1, grid: { x: [1, 2] } })).toBeInstanceOf(GridSampler);
  });

  it.each([
    [{ type: 'tpe' }, 'seed: '],
    [{ type: 'tpe', seed: 1.5 }, 'seed: must be an integer'],
    [{ type: 'tpe', seed: 1, nEiCandidates: 0 }, 'nEiCandidates: '],
    [{ type: 'tpe', seed: 1, priorWeight: -1 }, 'priorWeight: '],
    [{ type: 'tpe', seed: 1, gamma: 0.2 }, '(root): Unrecognized key: "gamma"'],
    [{ type: 'tpe', seed: 1, multivariateBandwidth: 'silverman' }, 'multivariateBandwidth: '],
    [{ type: 'cmaes', seed: 1 }, 'type: '],
  ])('rejects %j naming the field', (input, issueStart) => {
    try {
      parseSamplerConfig(input, 'pipelines/retrain-weekly.yaml: search.sampler');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SearchConfigError);
      const e = err as SearchConfigError;
      expect(e.where).toBe('pipelines/retrain-weekly.yaml: search.sampler');
      expect(e.issues[0]?.startsWith(issueStart)).toBe(true);
    }
  });

  it('re-validates typed configs in createSampler', () => {
    expect(() => createSampler({ type: 'tpe', seed: 1, nStartupTrials: -1 })).toThrow(
      /sampler: invalid search config: nStartupTrials: /,
    );
  });
});

describe('pruner configuration', () => {
  it('parses the four pruners and rejects bad settings', () => {
    expect(parsePrunerConfig({ type: 'median', nWarmupSteps: 2 }, 'p')).toEqual({
      type: 'median',
      nWarmupSteps: 2,
    });
    expect(parsePrunerConfig({ type: 'none' }, 'p')).toEqual({ type: 'none' });
    expect(() => parsePrunerConfig({ type: 'median', intervalSteps: 0 }, 'p')).toThrow(
      /p: invalid search config: intervalSteps: /,
    );
    expect(() => parsePrunerConfig({ type: 'wilcoxon', nStartupSteps: 1.5 }, 'p')).toThrow(/nStartupSteps/);
  });
});
