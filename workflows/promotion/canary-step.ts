/**
 * The slot changes and the evidence of one canary step (workflows/promotion/canary.ts), and small
 * helpers of its hold. Workflow code only.
 */
import { workflowInfo } from '@temporalio/workflow';
import type { BreachWindowState } from '../../core/promotion/breach-window.ts';
import type { CanaryStepInput } from '../../pipeline-dsl/promotion-steps.ts';
import { workflowNowMs } from '../pipeline/json.ts';
import { promotionActivities } from './activity-options.ts';
import { applySlots, runRef } from './slots.ts';

/** Applies step i: challenger slot at f, champion slot at 1 − f (both engines' acknowledgements awaited). */
export async function applyStep(input: CanaryStepInput, i: number, fraction: number): Promise<void> {
  await applySlots(
    [
      {
        slotId: input.challengerSlot,
        desired: { model: input.challenger, capitalFraction: fraction, riskState: 'active' },
      },
      {
        slotId: input.championSlot,
        desired: { model: 'champion', capitalFraction: round6(1 - fraction), riskState: 'active' },
      },
    ],
    { by: input.by, reason: `canary step ${i + 1}/${input.steps.length}: challenger at ${fraction}` },
    input.applyTimeoutMs,
  );
}

/** Stores the step's figures over its whole hold as evidence `canary-step` on the challenger. */
export async function recordStep(
  input: CanaryStepInput,
  i: number,
  fraction: number,
  fromMs: number,
  champion: string,
): Promise<void> {
  const acts = promotionActivities();
  const toMs = Math.max(workflowNowMs(), fromMs + 1);
  const [challengerMetrics, championMetrics] = await Promise.all([
    acts.slotIntervalMetrics({ slotId: input.challengerSlot, fromMs, toMs }),
    acts.slotIntervalMetrics({ slotId: input.championSlot, fromMs, toMs }),
  ]);
  await acts.recordEvidence({
    versionId: input.challenger,
    kind: 'canary-step',
    payload: {
      step: i + 1,
      steps: input.steps,
      fraction,
      fromMs,
      toMs,
      champion,
      challengerMetrics,
      championMetrics,
    },
    by: input.by,
    ...runRef(),
    idempotencyKey: `${workflowInfo().workflowId}/step-${i + 1}`,
  });
}

/** A breach window with no check yet. */
export function emptyWindow(): BreachWindowState {
  return { since: null, lastAtMs: null, breaches: [] };
}

/** The smaller of two optional times; undefined when both are. */
export function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

/** 1 − f without float noise (1 − 0.1 = 0.9, not 0.8999999999999999). */
export function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
