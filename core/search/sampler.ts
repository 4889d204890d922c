/**
 * The sampler port of the search and its configurations (as declared in pipeline YAML), parsed with
 * zod: TPE (tpe.ts), random (random.ts) and grid (grid.ts). All samplers are stateless functions of
 * their inputs plus a seed, so a study replayed or continued as new suggests the same params.
 */

import { z } from 'zod';
import { SearchConfigError, formatIssues } from './errors.ts';
import { GridSampler } from './grid.ts';
import { RandomSampler } from './random.ts';
import type { ParamValue, SearchSpace, TrialParams } from './space.ts';
import { TpeSampler, type TpeOptions } from './tpe.ts';
import type { Direction, TrialRecord } from './trial.ts';

/** Suggests the params of the next trial. */
export interface Sampler {
  /** Params for trial `trialNumber` given every trial so far (complete, pruned, failed, infeasible AND running).
   *  Deterministic: same (config, space, trials, trialNumber) → same params. */
  sample(
    space: SearchSpace,
    trials: readonly TrialRecord[],
    trialNumber: number,
    direction: Direction,
  ): TrialParams;
  /** Whether the sampler has nothing new left to suggest (grid fully taken); absent = never. */
  isExhausted?(space: SearchSpace, trials: readonly TrialRecord[]): boolean;
}

/** Sampler configuration; unset TPE fields take the defaults of tpe.ts (Optuna v5's but two, ADR 0008). */
export type SamplerConfig =
  /** TPE: the serialisable TpeOptions (every field but `seed` has a default). */
  | ({ readonly type: 'tpe' } & Omit<TpeOptions, 'gamma' | 'weights'>)
  | { readonly type: 'random'; readonly seed: number }
  | {
      readonly type: 'grid';
      readonly seed: number;
      readonly grid?: Readonly<Record<string, readonly ParamValue[]>>;
    };

const seed = z
  .int({ error: 'must be an integer' })
  .refine(Number.isSafeInteger, { error: 'must be a safe integer' });
const paramValue = z.union([z.number().finite(), z.string(), z.boolean()]);

/** Schema of a sampler configuration (strict, discriminated by `type`). */
export const SamplerConfigSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('tpe'),
    seed,
    nStartupTrials: z.int().nonnegative().exactOptional(),
    nEiCandidates: z.int().positive().exactOptional(),
    priorWeight: z.number().finite().positive().exactOptional(),
    considerMagicClip: z.boolean().exactOptional(),
    minBandwidthFactor: z.number().positive().max(1).exactOptional(),
    magicClipExponent: z.number().finite().positive().exactOptional(),
    considerEndpoints: z.boolean().exactOptional(),
    multivariate: z.boolean().exactOptional(),
    constantLiar: z.boolean().exactOptional(),
    multivariateBandwidth: z.enum(['scott', 'neighbour']).exactOptional(),
    weighting: z.enum(['improvement', 'recency']).exactOptional(),
  }),
  z.strictObject({ type: z.literal('random'), seed }),
  z.strictObject({
    type: z.literal('grid'),
    seed,
    grid: z.record(z.string(), z.array(paramValue).min(1).readonly()).exactOptional(),
  }),
]);

/**
 * Parses unknown input into a sampler configuration.
 * @param where the source, e.g. `pipelines/retrain-weekly.yaml: search.sampler`.
 * @throws SearchConfigError listing every problem as `field: message`.
 */
export function parseSamplerConfig(input: unknown, where: string): SamplerConfig {
  const result = SamplerConfigSchema.safeParse(input);
  if (!result.success) throw new SearchConfigError(where, formatIssues(result.error.issues));
  return result.data;
}

/**
 * Builds the sampler a configuration describes.
 * @throws SearchConfigError when the configuration is invalid (it is re-validated here).
 */
export function createSampler(cfg: SamplerConfig): Sampler {
  const parsed = parseSamplerConfig(cfg, 'sampler');
  switch (parsed.type) {
    case 'tpe':
      return new TpeSampler(parsed);
    case 'random':
      return new RandomSampler(parsed.seed);
    case 'grid':
      return new GridSampler(parsed.seed, parsed.grid);
  }
}
