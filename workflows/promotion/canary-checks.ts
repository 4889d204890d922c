/**
 * One check of a canary step: both slots' metrics over the last check interval, the challenger's
 * guardrails per unit of capital (core/promotion/guardrails.ts, limits × the applied capital fraction)
 * and, optionally, its figure per unit of capital against the champion's. Workflow code only.
 *
 * Two rules keep a bad challenger from passing between checks:
 * - no figures (the challenger's engine dead or not sampling: slotIntervalMetrics null) is a breach of
 *   its own, `noData`, so a sustained silence rolls back after the breach window like any breach;
 * - the drawdown guardrail is measured from the step's start, not within the last check interval, so
 *   a slow bleed below the limit per check but above it over the step breaches ({@link stepDrawdown}).
 */
import {
  checkGuardrails,
  noDataBreach,
  type Breach as GuardrailBreach,
  type Guardrails,
} from '../../core/promotion/guardrails.ts';
import type { CanaryStepInput } from '../../pipeline-dsl/promotion-steps.ts';
import { promotionActivities } from './activity-options.ts';
import type { Breach, IntervalMetrics } from './types.ts';

/** Name of the breach of the comparison with the champion. */
export const VERSUS_CHAMPION = 'versusChampion';

/** The challenger's net PnL since the step's start and its peak, quote currency (carried across runs). */
export interface StepPnl {
  readonly pnlQuote: number;
  readonly peakQuote: number;
}

/** A step's PnL before its first check. */
export const STEP_START: StepPnl = { pnlQuote: 0, peakQuote: 0 };

/**
 * Adds one check interval to the step's PnL and measures the drawdown since the step's start:
 * pnl' = pnl + m.netPnlQuote, peak' = max(peak, pnl'), drawdown = max(m.maxDrawdownQuote, peak' − pnl').
 * The peak is taken at check boundaries (and within the last interval), so a peak inside an earlier
 * interval that was lost by its end is not counted: a lower bound of the exact step drawdown, exact
 * to within one check's swing. A null interval (no figures) leaves the step unchanged.
 * @returns the new step state and the drawdown now, quote currency ≥ 0
 */
export function stepDrawdown(
  step: StepPnl,
  m: IntervalMetrics | null,
): { step: StepPnl; drawdownQuote: number } {
  if (m === null) return { step, drawdownQuote: Math.max(0, step.peakQuote - step.pnlQuote) };
  const pnlQuote = step.pnlQuote + m.netPnlQuote;
  const peakQuote = Math.max(step.peakQuote, pnlQuote);
  return { step: { pnlQuote, peakQuote }, drawdownQuote: Math.max(m.maxDrawdownQuote, peakQuote - pnlQuote) };
}

/** What one check found. */
export interface CheckResult {
  readonly challenger: IntervalMetrics | null;
  readonly champion: IntervalMetrics | null;
  /** Guardrail breaches of the challenger (scaled limits; drawdown since the step's start; `noData`). */
  readonly guardrails: GuardrailBreach[];
  /** The step's PnL after this check. */
  readonly step: StepPnl;
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
 * @param step the challenger's PnL since the step's start before this check
 */
export async function checkCanary(
  input: CanaryStepInput,
  fraction: number,
  fromMs: number,
  toMs: number,
  step: StepPnl,
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
  const since = stepDrawdown(step, challenger);
  return {
    challenger,
    champion,
    guardrails:
      challenger === null
        ? [noDataBreach()]
        : checkGuardrails({ ...challenger, maxDrawdownQuote: since.drawdownQuote }, guardrails, scale),
    step: since.step,
    versusChampion: versusChampion(input.versusChampion, challenger, champion),
  };
}
