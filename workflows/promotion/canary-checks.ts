/**
 * One check of a canary step: both slots' metrics over the last check interval, the challenger's
 * guardrails per unit of capital (core/promotion/guardrails.ts, limits × the applied capital fraction)
 * and, optionally, its figure per unit of capital against the champion's. Workflow code only.
 */
import {
  checkGuardrails,
  type Breach as GuardrailBreach,
  type Guardrails,
} from '../../core/promotion/guardrails.ts';
import type { CanaryStepInput } from '../../pipeline-dsl/promotion-steps.ts';
import { promotionActivities } from './activity-options.ts';
import type { Breach, IntervalMetrics } from './types.ts';

/** Name of the breach of the comparison with the champion. */
export const VERSUS_CHAMPION = 'versusChampion';

/** What one check found. */
export interface CheckResult {
  readonly challenger: IntervalMetrics | null;
  readonly champion: IntervalMetrics | null;
  /** Guardrail breaches of the challenger (scaled limits). */
  readonly guardrails: GuardrailBreach[];
  /** The comparison with the champion, when it fell short (value and limit per unit of capital). */
  readonly versusChampion: Breach | null;
}

/**
 * The comparison per unit of capital: challenger metric / its capital − champion metric / its
 * capital, a breach when below −marginQuote. Skipped (null) when an arm has no figures or no capital
 * (at the last step the champion slot holds none).
 */
export function versusChampion(
  spec: CanaryStepInput['versusChampion'],
  challenger: IntervalMetrics | null,
  champion: IntervalMetrics | null,
): Breach | null {
  if (spec === undefined || challenger === null || champion === null) return null;
  if (!(challenger.capitalFraction > 0) || !(champion.capitalFraction > 0)) return null;
  const diff =
    challenger[spec.metric] / challenger.capitalFraction - champion[spec.metric] / champion.capitalFraction;
  return diff < -spec.marginQuote
    ? { guardrail: VERSUS_CHAMPION, value: diff, limit: -spec.marginQuote }
    : null;
}

/**
 * Measures both slots over [fromMs, toMs] and checks the challenger.
 * @param fraction the step's challenger fraction: the scale of the guardrails when the metrics carry
 *   no applied fraction
 */
export async function checkCanary(
  input: CanaryStepInput,
  fraction: number,
  fromMs: number,
  toMs: number,
): Promise<CheckResult> {
  const { slotIntervalMetrics } = promotionActivities();
  const [challenger, champion] = await Promise.all([
    slotIntervalMetrics({ slotId: input.challengerSlot, fromMs, toMs }),
    slotIntervalMetrics({ slotId: input.championSlot, fromMs, toMs }),
  ]);
  const guardrails: Guardrails = input.guardrails;
  const scale =
    challenger !== null && challenger.capitalFraction > 0
      ? Math.min(1, challenger.capitalFraction)
      : fraction;
  return {
    challenger,
    champion,
    guardrails: challenger === null ? [] : checkGuardrails(challenger, guardrails, scale),
    versusChampion: versusChampion(input.versusChampion, challenger, champion),
  };
}
