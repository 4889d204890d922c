/**
 * The `slotIntervalMetrics` activity: the figures of one slot over one interval of an A/B test or a
 * canary step, from the cumulative samples the engine writes every second (`deployment_metrics`,
 * db/repositories/deployment-metrics.ts) reduced by the pure core (core/promotion/interval-metrics.ts,
 * which also owns the rule for engine restarts: the run of the interval's last sample is measured).
 *
 * Samples are read from {@link BASELINE_LOOKBACK_MS} before `fromMs`, so that the interval's baseline
 * is the last sample at or before its start rather than the first one inside (which would drop the
 * first second's PnL). Read-only: a retry reads again.
 */
import { z } from 'zod';
import { PermanentError } from '../../core/errors.ts';
import { intervalMetrics, type IntervalMetrics } from '../../core/promotion/interval-metrics.ts';
import { samplesBetween } from '../../db/repositories/deployment-metrics.ts';
import { getSlot } from '../../db/repositories/deployments.ts';
import { parsePromotionInput, SlotIdSchema, VersionIdSchema, type PromotionDeps } from './input.ts';

/** How far before the interval samples are read for its baseline, ms (five 1-s sample periods). */
export const BASELINE_LOOKBACK_MS = 5_000;

export const SlotIntervalMetricsInputSchema = z
  .strictObject({
    slotId: SlotIdSchema,
    /** Interval start and end, Unix epoch ms (the samples' wall-clock `at_ms`), both inclusive. */
    fromMs: z.number().int().nonnegative(),
    toMs: z.number().int().nonnegative(),
    /** Only measure if every sample after the baseline carries this applied revision (switchback). */
    appliedRevision: z.number().int().positive().optional(),
    /** Only measure if every sample after the baseline carries this applied version. */
    appliedVersion: VersionIdSchema.optional(),
  })
  .refine((i) => i.toMs > i.fromMs, { path: ['toMs'], message: 'must be after fromMs' });
export type SlotIntervalMetricsInput = z.input<typeof SlotIntervalMetricsInputSchema>;

/**
 * Interval metrics of a slot over [fromMs, toMs].
 * @returns the metrics (units of core/promotion/interval-metrics.ts: quote currency, lots), or null
 *   when the interval has no sample of the measured run, another run interleaves, or the applied
 *   revision/version restriction is not met
 * @throws PermanentError `PROMOTION_INVALID_INPUT` naming the field; `SLOT_NOT_FOUND`; `DB_*`
 */
export async function slotIntervalMetrics(
  deps: PromotionDeps,
  raw: SlotIntervalMetricsInput,
): Promise<IntervalMetrics | null> {
  const input = parsePromotionInput(SlotIntervalMetricsInputSchema, raw, 'slotIntervalMetrics');
  const { slotId, fromMs, toMs } = input;
  if ((await getSlot(deps.db, slotId)) === undefined)
    throw new PermanentError('SLOT_NOT_FOUND', `slotIntervalMetrics: slot ${slotId} does not exist`, {
      slotId,
    });
  const samples = await samplesBetween(deps.db, slotId, Math.max(0, fromMs - BASELINE_LOOKBACK_MS), toMs);
  const m = intervalMetrics(samples, fromMs, toMs, {
    ...(input.appliedRevision === undefined ? {} : { appliedRevision: input.appliedRevision }),
    ...(input.appliedVersion === undefined ? {} : { appliedVersion: input.appliedVersion }),
  });
  if (m === undefined)
    deps.log.warn({ slotId, fromMs, toMs, samples: samples.length }, 'slot interval not measurable');
  return m ?? null;
}
