/**
 * The pruner port of the search and its configurations (as declared in pipeline YAML), parsed with
 * zod: median (median.ts), successive halving (successive-halving.ts) and Wilcoxon (wilcoxon.ts),
 * each with Optuna's semantics and defaults. Pruners are stateless: every decision is a function of
 * the trial's intermediate values and the other trials, so a replayed workflow decides the same.
 */

import { z } from 'zod';
import { SearchConfigError, formatIssues } from './errors.ts';
import { MedianPruner } from './median.ts';
import { SuccessiveHalvingPruner } from './successive-halving.ts';
import type { Direction, TrialRecord } from './trial.ts';
import { WilcoxonPruner } from './wilcoxon.ts';

/** Decides whether a running trial should stop early. */
export interface Pruner {
  /** `trial` is running with its intermediates so far; `trials` all trials (others). */
  shouldPrune(trial: TrialRecord, trials: readonly TrialRecord[], direction: Direction): boolean;
}

/** Pruner configuration; unset fields take Optuna's defaults (see each pruner). */
export type PrunerConfig =
  | { readonly type: 'none' }
  | {
      readonly type: 'median';
      readonly nStartupTrials?: number;
      readonly nWarmupSteps?: number;
      readonly intervalSteps?: number;
      readonly nMinTrials?: number;
    }
  | {
      readonly type: 'successive-halving';
      readonly minResource?: number;
      readonly reductionFactor?: number;
      readonly minEarlyStoppingRate?: number;
    }
  | { readonly type: 'wilcoxon'; readonly pThreshold?: number; readonly nStartupSteps?: number };

/** Schema of a pruner configuration (strict, discriminated by `type`). */
export const PrunerConfigSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({
    type: z.literal('median'),
    nStartupTrials: z.int().nonnegative().exactOptional(),
    nWarmupSteps: z.int().nonnegative().exactOptional(),
    intervalSteps: z.int().positive().exactOptional(),
    nMinTrials: z.int().positive().exactOptional(),
  }),
  z.strictObject({
    type: z.literal('successive-halving'),
    minResource: z.int().positive().exactOptional(),
    reductionFactor: z.int().min(2).exactOptional(),
    minEarlyStoppingRate: z.int().nonnegative().exactOptional(),
  }),
  z.strictObject({
    type: z.literal('wilcoxon'),
    pThreshold: z.number().min(0).max(1).exactOptional(),
    nStartupSteps: z.int().nonnegative().exactOptional(),
  }),
]);

/** The pruner that never prunes. */
export const NOP_PRUNER: Pruner = { shouldPrune: () => false };

/**
 * Parses unknown input into a pruner configuration.
 * @param where the source, e.g. `pipelines/retrain-weekly.yaml: search.pruner`.
 * @throws SearchConfigError listing every problem as `field: message`.
 */
export function parsePrunerConfig(input: unknown, where: string): PrunerConfig {
  const result = PrunerConfigSchema.safeParse(input);
  if (!result.success) throw new SearchConfigError(where, formatIssues(result.error.issues));
  return result.data;
}

/**
 * Builds the pruner a configuration describes.
 * @throws SearchConfigError when the configuration is invalid (it is re-validated here).
 */
export function createPruner(cfg: PrunerConfig): Pruner {
  const parsed = parsePrunerConfig(cfg, 'pruner');
  switch (parsed.type) {
    case 'none':
      return NOP_PRUNER;
    case 'median':
      return new MedianPruner(parsed);
    case 'successive-halving':
      return new SuccessiveHalvingPruner(parsed);
    case 'wilcoxon':
      return new WilcoxonPruner(parsed);
  }
}
