/**
 * Canary (issue 14): the challenger slot's capital ramps through `steps` (default 1 → 5 → 10 → 25 →
 * 100 %) while the champion slot holds 1 − f. Each step is applied (both engines' acknowledgements
 * awaited), then held for `holdMs` of unpaused time with a check every `checkEveryMs`: the challenger's
 * guardrails per unit of capital and its figure against the champion's. A breach sustained for
 * `breachWindowMs` (seed 004: 15 min; core/promotion/breach-window.ts) rolls back automatically (child
 * `rollbackWorkflow`); so do `abort` and a rejected approval between steps. Each finished step is
 * stored as evidence `canary-step`. One step per run: the workflow continues as new between steps,
 * carrying its state, so a long canary's history stays short; a long step (hours of checks every few
 * seconds) also continues as new within its hold when Temporal suggests it or the history passes
 * {@link HOLD_HISTORY_EVENTS}, carrying the step's elapsed time, start, last check and PnL
 * (`CanaryCarry.hold`) without applying its slots again. At 100 % the challenger is ready for
 * `promoteWorkflow`.
 *
 * Failures roll back: an engine that does not apply a step (SLOT_APPLY_TIMEOUT / SLOT_APPLY_FAILED) or
 * a failed check activity rolls the challenger back (by `system:canary`, the reason naming the failure)
 * instead of leaving it at f; a silent challenger (no samples) is a `noData` breach.
 *
 * Operator interface (workflows/promotion/definitions.ts): query `canaryStatus`; Updates `pause`,
 * `resume`, `abort` and, between steps when `approveBetweenSteps`, `approve` / `reject`, all with
 * `{ by, reason }`. Every wait is a Temporal timer or condition.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  continueAsNew,
  executeChild,
  upsertSearchAttributes,
  workflowInfo,
  condition,
} from '@temporalio/workflow';
import { workflowNowMs } from '../pipeline/json.ts';
import { BreachWindow, type BreachWindowState } from '../../core/promotion/breach-window.ts';
import {
  canaryStepInputSchema,
  modelNameOf,
  type WorkflowInput,
} from '../../pipeline-dsl/promotion-steps.ts';
import { MODEL_VERSION_KEY, OUTCOME_KEY, STEP_KEY } from '../search-attributes.ts';
import { promotionActivities } from './activity-options.ts';
import { checkCanary, STEP_START, type StepPnl } from './canary-checks.ts';
import { CanaryControl, type Stamped } from './canary-control.ts';
import type { Decision } from './definitions.ts';
import { DecisionGate } from './gate.ts';
import { parseWorkflowInput, refused } from './parse.ts';
import { rollbackWorkflow } from './rollback.ts';
import { applyStep, emptyWindow, minDefined, recordStep } from './canary-step.ts';
import { runRef } from './slots.ts';
import type { Actor, RollbackResult } from './types.ts';

/** Input of {@link canaryWorkflow} (pipeline-dsl/promotion-steps.ts `canaryStepInputSchema`). */
export type CanaryInput = WorkflowInput<typeof canaryStepInputSchema>;

/** Error type of a canary rolled back, aborted or rejected (with `failOnReject`). */
export const CANARY_ROLLED_BACK = 'CanaryRolledBack';

/** Identity of the automatic decisions (a sustained breach, a gate's deadline). */
export const CANARY_SYSTEM_ACTOR = 'system:canary';

/** History length (events) past which a step's hold continues as new (Temporal's limit: 51,200). */
export const HOLD_HISTORY_EVENTS = 10_000;

/** A step interrupted by Continue-As-New within its hold (its slots are applied already). */
export interface HoldCarry {
  /** Unpaused time held so far, ms. */
  readonly elapsedMs: number;
  /** The step's start (after its apply) and its last check, epoch ms. */
  readonly stepStartMs: number;
  readonly lastCheckMs: number;
  /** The challenger's PnL since the step's start (drawdown guardrail). */
  readonly stepPnl: StepPnl;
}

/** State carried from one step's run to the next (Continue-As-New); plain JSON. */
export interface CanaryCarry {
  readonly stepIndex: number;
  readonly champion: string;
  readonly breachWindow: BreachWindowState;
  /** Start of an ongoing shortfall against the champion, epoch ms; null: none. */
  readonly versusChampionSince: number | null;
  readonly paused: Stamped | null;
  readonly decisions: readonly Decision[];
  /** Present when the run continued as new in the middle of step `stepIndex`'s hold. */
  readonly hold?: HoldCarry | null;
}

/** How a canary ended. */
export interface CanaryResult {
  readonly outcome: 'completed' | 'rolled-back' | 'aborted' | 'rejected';
  readonly challenger: string;
  readonly champion: string;
  /** Steps held to the end. */
  readonly stepsCompleted: number;
  /** The challenger's capital fraction at the end (0 after a rollback). */
  readonly fraction: number;
  /** Who ended it and why (the system for a sustained breach). */
  readonly by: string;
  readonly reason: string;
  readonly rollback: RollbackResult | null;
  readonly decisions: readonly Decision[];
}

/**
 * Runs (the current step of) a canary.
 * @param carry absent on the first run; the state of the previous step's run after Continue-As-New
 * @throws ApplicationFailure PromotionRefused for bad input or a name without champion;
 *   ActivityFailure (SLOT_APPLY_TIMEOUT…) from the activities; ChildWorkflowFailure from a rollback
 */
export async function canaryWorkflow(raw: CanaryInput, carry?: CanaryCarry): Promise<CanaryResult> {
  const gate = new DecisionGate();
  gate.install();
  const input = parseWorkflowInput(canaryStepInputSchema, raw, 'canary');
  const { challenger } = input;
  const wf = workflowInfo().workflowId;
  const acts = promotionActivities();
  const actor: Actor = { by: input.by, reason: input.reason };

  let state: CanaryCarry;
  if (carry === undefined) {
    const champion = (await acts.resolveAlias({ modelName: modelNameOf(challenger), alias: 'champion' }))
      .versionId;
    if (champion === null)
      throw refused(`canary: ${modelNameOf(challenger)} has no champion to ramp against`);
    if (champion === challenger) throw refused(`canary: ${challenger} is already the champion`);
    await acts.changeModelStatus({
      versionId: challenger,
      to: 'challenger',
      ...actor,
      ...runRef(),
      idempotencyKey: `${wf}/challenger`,
    });
    state = {
      stepIndex: 0,
      champion,
      breachWindow: emptyWindow(),
      versusChampionSince: null,
      paused: null,
      decisions: [],
    };
  } else state = carry;
  gate.decisions.push(...state.decisions);

  const i = state.stepIndex;
  const fraction = input.steps[i] ?? 1;
  const control = new CanaryControl(
    {
      challenger,
      champion: state.champion,
      stepIndex: i,
      steps: input.steps,
      fraction,
      holdMs: input.holdMs,
      breachWindowMs: input.breachWindowMs,
    },
    gate,
    { paused: state.paused, breachSinceMs: state.breachWindow.since },
  );
  control.install();
  upsertSearchAttributes([
    { key: STEP_KEY, value: 'canary' },
    { key: MODEL_VERSION_KEY, value: challenger },
    { key: OUTCOME_KEY, value: `step-${i + 1}-of-${input.steps.length}` },
  ]);

  const end = async (
    outcome: CanaryResult['outcome'],
    who: Actor,
    rollback: RollbackResult | null,
    completed: number,
  ): Promise<CanaryResult> => {
    upsertSearchAttributes([{ key: OUTCOME_KEY, value: outcome }]);
    const result: CanaryResult = {
      outcome,
      challenger,
      champion: rollback?.champion ?? state.champion,
      stepsCompleted: completed,
      fraction: rollback === null ? fraction : 0,
      by: who.by,
      reason: who.reason,
      rollback,
      decisions: [...gate.decisions],
    };
    if (outcome !== 'completed' && input.failOnReject)
      throw ApplicationFailure.create({
        message: `canary of ${challenger}: ${outcome} by ${who.by}: ${who.reason}`,
        type: CANARY_ROLLED_BACK,
        nonRetryable: true,
        details: [result],
      });
    return result;
  };
  const rollBack = async (who: Actor, outcome: CanaryResult['outcome']): Promise<CanaryResult> => {
    control.phase = 'rolling-back';
    const result = await executeChild(rollbackWorkflow, {
      workflowId: `${wf}.rollback`,
      staticSummary: `roll back ${challenger}: ${who.reason}`,
      args: [
        {
          challenger,
          challengerSlots: [input.challengerSlot],
          championSlots: [input.championSlot],
          demoteTo: 'retired',
          applyTimeout: input.applyTimeoutMs,
          by: who.by,
          reason: who.reason,
        },
      ],
    });
    control.phase = outcome === 'aborted' ? 'aborted' : 'rolled-back';
    return end(outcome, who, result, i);
  };

  /** An activity of the step failed: the challenger is rolled back rather than left at f. */
  const failed = (what: string, err: unknown): Promise<CanaryResult> => {
    if (!(err instanceof ActivityFailure) || control.phase === 'rolling-back') throw err;
    const cause = err.cause instanceof ApplicationFailure ? `${err.cause.type ?? 'Error'}: ` : '';
    return rollBack(
      {
        by: CANARY_SYSTEM_ACTOR,
        reason: `${what} failed at step ${i + 1} (${fraction}): ${cause}${err.cause?.message ?? err.message}`,
      },
      'rolled-back',
    );
  };

  const hold = state.hold ?? null;
  if (hold === null) {
    try {
      await applyStep(input, i, fraction);
    } catch (err) {
      return failed('applying the step', err);
    }
  } else control.elapsedMs = hold.elapsedMs;

  // Hold, checking every checkEveryMs (checks go on while paused; paused time does not count).
  const window = new BreachWindow(input.breachWindowMs, state.breachWindow);
  let versusSince = state.versusChampionSince;
  const stepStartMs = hold?.stepStartMs ?? workflowNowMs();
  let lastCheckMs = hold?.lastCheckMs ?? stepStartMs;
  let stepPnl = hold?.stepPnl ?? STEP_START;
  const carryWith = (next: Partial<CanaryCarry>): CanaryCarry => ({
    stepIndex: i,
    champion: state.champion,
    breachWindow: window.state(),
    versusChampionSince: versusSince,
    paused: control.paused,
    decisions: gate.decisions.slice(-20),
    hold: null,
    ...next,
  });
  try {
    for (;;) {
      if (control.aborted !== null) return await rollBack(control.aborted, 'aborted');
      const wasPaused = control.paused !== null;
      if (!wasPaused && control.elapsedMs >= input.holdMs) break;
      const info = workflowInfo();
      if (info.continueAsNewSuggested || info.historyLength > HOLD_HISTORY_EVENTS)
        return await continueAsNew<typeof canaryWorkflow>(
          raw,
          carryWith({ hold: { elapsedMs: control.elapsedMs, stepStartMs, lastCheckMs, stepPnl } }),
        );
      control.phase = wasPaused ? 'paused' : 'holding';
      const waitMs = wasPaused
        ? input.checkEveryMs
        : Math.min(input.checkEveryMs, input.holdMs - control.elapsedMs);
      const t0 = workflowNowMs();
      const interrupted = await condition(
        () => control.aborted !== null || (control.paused !== null) !== wasPaused,
        waitMs,
      );
      if (!wasPaused) control.elapsedMs += workflowNowMs() - t0;
      if (interrupted || workflowNowMs() <= lastCheckMs) continue;
      const nowMs = workflowNowMs();
      const check = await checkCanary(input, fraction, lastCheckMs, nowMs, stepPnl);
      lastCheckMs = nowMs;
      stepPnl = check.step;
      const status = window.update(nowMs, check.guardrails);
      versusSince = check.versusChampion === null ? null : (versusSince ?? nowMs);
      const breaches = [
        ...check.guardrails,
        ...(check.versusChampion === null ? [] : [check.versusChampion]),
      ];
      const since = minDefined(status.since, versusSince ?? undefined);
      control.observed({ challenger: check.challenger, champion: check.champion }, breaches, since ?? null);
      const versusSustained = versusSince !== null && nowMs - versusSince >= input.breachWindowMs;
      if (status.sustained || versusSustained) {
        const what = breaches.map((b) => `${b.guardrail} ${b.value} vs ${b.limit}`).join(', ');
        return await rollBack(
          {
            by: CANARY_SYSTEM_ACTOR,
            reason: `breach sustained ${nowMs - (since ?? nowMs)} ms ≥ ${input.breachWindowMs} ms at step ${i + 1} (${fraction}): ${what}`,
          },
          'rolled-back',
        );
      }
    }
    await recordStep(input, i, fraction, stepStartMs, state.champion);
  } catch (err) {
    return failed('a check', err);
  }
  const last = i + 1 >= input.steps.length;
  if (last) {
    control.phase = 'completed';
    return end('completed', actor, null, i + 1);
  }
  if (input.approveBetweenSteps) {
    control.phase = 'waiting-approval';
    const label = `canary ${challenger}: step ${i + 2} (${input.steps[i + 1]})`;
    let decision: Decision | null;
    try {
      decision = await gate.wait(
        label,
        input.approvalTimeoutMs,
        input.approvers,
        () => control.aborted !== null,
      );
    } catch {
      return rollBack(
        {
          by: CANARY_SYSTEM_ACTOR,
          reason: `no approval of step ${i + 2} within ${input.approvalTimeoutMs} ms`,
        },
        'rejected',
      );
    }
    if (control.aborted !== null) return rollBack(control.aborted, 'aborted');
    if (decision?.decision === 'rejected') return rollBack(decision, 'rejected');
  }
  return continueAsNew<typeof canaryWorkflow>(raw, carryWith({ stepIndex: i + 1 }));
}
