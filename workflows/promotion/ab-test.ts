/**
 * A/B test of champion against challenger over the same period (issue 14; docs/adr/0017-switchback-ab-test.md).
 * `parallel`: two paper slots on the same feed with independent simulated fills, one per arm, measured
 * over `intervals` consecutive intervals of `intervalMs` (interval i of the two arms paired). `switchback`:
 * one slot alternating the arms in the randomised pairs of core/promotion/switchback.ts; each interval
 * is applied (engine acknowledgement awaited), runs an unmeasured washout, then is measured until its
 * end. Per interval: the series of net PnL and 1-s mark-out of each arm (slotIntervalMetrics), and the
 * challenger's guardrails — a breach rolls back at once (child `rollbackWorkflow`). The decision is the
 * declared test (decideAbTest, stored as evidence `ab-test` on the challenger); an optional human gate
 * (Updates `approve` / `reject` {by, reason}) follows a passing decision, its decision stored as
 * evidence `decision`. The candidate becomes `challenger` at the start.
 */
import {
  ApplicationFailure,
  executeChild,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { workflowNowMs } from '../pipeline/json.ts';
import { checkGuardrails } from '../../core/promotion/guardrails.ts';
import { pairedSeries, switchbackPlan } from '../../core/promotion/switchback.ts';
import {
  abTestStepInputSchema,
  modelNameOf,
  type AbTestStepInput,
  type WorkflowInput,
} from '../../pipeline-dsl/promotion-steps.ts';
import { MODEL_VERSION_KEY, OUTCOME_KEY, STEP_KEY } from '../search-attributes.ts';
import { promotionActivities } from './activity-options.ts';
import { abTestStatusQuery, type AbTestStatus, type Decision } from './definitions.ts';
import { DecisionGate } from './gate.ts';
import { parseWorkflowInput, refused } from './parse.ts';
import { rollbackWorkflow } from './rollback.ts';
import { applySlots, runRef } from './slots.ts';
import type { Actor, AppliedSlot, Breach, IntervalMetrics, RollbackResult } from './types.ts';

/** Input of {@link abTestWorkflow} (pipeline-dsl/promotion-steps.ts `abTestStepInputSchema`). */
export type AbTestInput = WorkflowInput<typeof abTestStepInputSchema>;

/** Error type of an A/B test that did not pass, was rejected or rolled back (with `failOnReject`). */
export const AB_TEST_REJECTED = 'AbTestRejected';
/** Identity of the automatic decisions. */
export const AB_TEST_SYSTEM_ACTOR = 'system:ab-test';

/** Per-interval series of one metric, challenger and champion paired by index. */
export interface ArmSeries {
  readonly challenger: number[];
  readonly champion: number[];
}

/** Result of an A/B test. */
export interface AbTestResult {
  readonly outcome: 'passed' | 'failed' | 'rolled-back' | 'rejected';
  readonly challenger: string;
  readonly champion: string;
  readonly design: 'parallel' | 'switchback';
  /** Net PnL and 1-s mark-out per interval, quote currency. */
  readonly netPnl: ArmSeries;
  readonly markout1s: ArmSeries;
  readonly breaches: readonly Breach[];
  /** The statistical decision (null when rolled back before it). */
  readonly decision: {
    readonly decision: string;
    readonly n: number;
    readonly meanDiff: number;
    readonly lower: number;
    readonly upper: number;
    readonly pValue: number | null;
    readonly reason: string;
    readonly passed: boolean;
    readonly evidenceId: number;
  } | null;
  readonly approval: Decision | null;
  readonly rollback: RollbackResult | null;
}

/**
 * Runs the test.
 * @throws ApplicationFailure PromotionRefused (bad input, no champion); {@link AB_TEST_REJECTED} when
 *   the test did not pass with `failOnReject` (the challenger is rolled back first);
 *   PromotionApprovalTimedOut when the gate's deadline passed
 */
export async function abTestWorkflow(raw: AbTestInput): Promise<AbTestResult> {
  const gate = new DecisionGate();
  gate.install();
  const input = parseWorkflowInput(abTestStepInputSchema, raw, 'ab-test');
  const { challenger, design } = input;
  const planned = design === 'parallel' ? input.intervals : 2 * input.pairs;
  const netPnl: ArmSeries = { challenger: [], champion: [] };
  const markout1s: ArmSeries = { challenger: [], champion: [] };
  const breaches: Breach[] = [];
  let phase: AbTestStatus['phase'] = 'running';
  let done = 0;
  setHandler(abTestStatusQuery, () => ({
    design,
    phase: gate.isWaiting ? 'waiting-approval' : phase,
    intervalsDone: done,
    intervalsPlanned: planned,
    series: input.comparison.metric === 'netPnlQuote' ? netPnl : markout1s,
    breaches,
  }));
  upsertSearchAttributes([
    { key: STEP_KEY, value: 'ab-test' },
    { key: MODEL_VERSION_KEY, value: challenger },
  ]);
  const acts = promotionActivities();
  const wf = workflowInfo().workflowId;
  const actor: Actor = { by: input.by, reason: input.reason };

  const champion = (await acts.resolveAlias({ modelName: modelNameOf(challenger), alias: 'champion' }))
    .versionId;
  if (champion === null) throw refused(`ab-test: ${modelNameOf(challenger)} has no champion to test against`);
  if (champion === challenger) throw refused(`ab-test: ${challenger} is already the champion`);
  await acts.changeModelStatus({
    versionId: challenger,
    to: 'challenger',
    ...actor,
    ...runRef(),
    idempotencyKey: `${wf}/challenger`,
  });

  const result = (
    outcome: AbTestResult['outcome'],
    decision: AbTestResult['decision'],
    approval: Decision | null,
    rollback: RollbackResult | null,
  ): AbTestResult => {
    phase = 'done';
    upsertSearchAttributes([{ key: OUTCOME_KEY, value: outcome }]);
    const r = {
      outcome,
      challenger,
      champion,
      design,
      netPnl,
      markout1s,
      breaches,
      decision,
      approval,
      rollback,
    };
    if (outcome !== 'passed' && input.failOnReject)
      throw ApplicationFailure.create({
        message: `ab-test of ${challenger} against ${champion}: ${outcome}${rollback === null ? '' : ` (rolled back: ${rollback.evidenceId})`}`,
        type: AB_TEST_REJECTED,
        nonRetryable: true,
        details: [r],
      });
    return r;
  };
  const rollBack = (who: Actor): Promise<RollbackResult> => {
    phase = 'rolling-back';
    const slots =
      design === 'parallel'
        ? { challengerSlots: [input.challengerSlot ?? ''], championSlots: [] }
        : { challengerSlots: [input.slot ?? ''], championSlots: [input.slot ?? ''] };
    return executeChild(rollbackWorkflow, {
      workflowId: `${wf}.rollback`,
      staticSummary: `roll back ${challenger}: ${who.reason}`,
      args: [
        {
          challenger,
          ...slots,
          championFraction: input.capitalFraction,
          demoteTo: 'retired',
          applyTimeout: input.applyTimeoutMs,
          by: who.by,
          reason: who.reason,
        },
      ],
    });
  };

  /** Records one interval; @returns the breaches of the challenger's figures. */
  const observe = (arm: 'challenger' | 'champion', m: IntervalMetrics | null): Breach[] => {
    if (m === null) return [];
    netPnl[arm].push(m.netPnlQuote);
    markout1s[arm].push(m.markout1sQuote);
    if (arm === 'champion') return [];
    const scale = m.capitalFraction > 0 ? Math.min(1, m.capitalFraction) : input.capitalFraction;
    return scale > 0 ? checkGuardrails(m, input.guardrails, scale) : [];
  };
  const breachStop = async (found: Breach[], where: string): Promise<AbTestResult | undefined> => {
    if (found.length === 0) return undefined;
    breaches.push(...found);
    const what = found.map((b) => `${b.guardrail} ${b.value} vs ${b.limit}`).join(', ');
    const rollback = await rollBack({
      by: AB_TEST_SYSTEM_ACTOR,
      reason: `guardrail breach in ${where}: ${what}`,
    });
    return result('rolled-back', null, null, rollback);
  };

  let series: ArmSeries;
  if (design === 'parallel') {
    const challengerSlot = input.challengerSlot ?? '';
    const championSlot = input.championSlot ?? '';
    const f = input.capitalFraction;
    const [cApplied, hApplied] = await applySlots(
      [
        { slotId: challengerSlot, desired: { model: challenger, capitalFraction: f, riskState: 'active' } },
        { slotId: championSlot, desired: { model: 'champion', capitalFraction: f, riskState: 'active' } },
      ],
      { by: input.by, reason: `A/B test (parallel): ${input.reason}` },
      input.applyTimeoutMs,
    );
    for (let k = 0; k < input.intervals; k++) {
      const fromMs = workflowNowMs();
      await sleep(input.intervalMs, { summary: `A/B interval ${k + 1}/${input.intervals}` });
      const toMs = workflowNowMs();
      const [c, h] = await Promise.all([
        // Only samples of the applied revision count (ADR 0017): a slot changed under the test is dropped.
        acts.slotIntervalMetrics({ slotId: challengerSlot, fromMs, toMs, ...appliedAs(cApplied) }),
        acts.slotIntervalMetrics({ slotId: championSlot, fromMs, toMs, ...appliedAs(hApplied) }),
      ]);
      done = k + 1;
      if (c === null || h === null) continue; // an interval without figures on one side is dropped whole
      observe('champion', h);
      const stop = await breachStop(observe('challenger', c), `interval ${k + 1}`);
      if (stop !== undefined) return stop;
    }
    series = input.comparison.metric === 'netPnlQuote' ? netPnl : markout1s;
  } else {
    const slotId = input.slot ?? '';
    const plan = switchbackPlan({
      pairs: input.pairs,
      intervalMs: input.intervalMs,
      washoutMs: input.washoutMs,
      seed: input.seed,
    });
    const values: (number | undefined)[] = [];
    for (const iv of plan.intervals) {
      const [applied] = await applySlots(
        [
          {
            slotId,
            desired: {
              model: iv.arm === 'challenger' ? challenger : 'champion',
              capitalFraction: input.capitalFraction,
              riskState: 'active',
            },
          },
        ],
        {
          by: input.by,
          reason: `A/B switchback interval ${iv.index + 1}/${plan.intervals.length}: ${iv.arm}`,
        },
        input.applyTimeoutMs,
      );
      if (iv.washoutMs > 0) await sleep(iv.washoutMs, { summary: `washout ${iv.index + 1}` });
      const fromMs = workflowNowMs();
      await sleep(iv.endOffsetMs - iv.startOffsetMs - iv.washoutMs, {
        summary: `switchback interval ${iv.index + 1}`,
      });
      // An interval whose switch was not applied (another revision or version in its samples) is dropped.
      const m = await acts.slotIntervalMetrics({
        slotId,
        fromMs,
        toMs: workflowNowMs(),
        ...appliedAs(applied),
      });
      done = iv.index + 1;
      values.push(m === null ? undefined : m[input.comparison.metric]);
      const stop = await breachStop(observe(iv.arm, m), `interval ${iv.index + 1} (${iv.arm})`);
      if (stop !== undefined) return stop;
    }
    // The slot quotes the champion again after the test.
    await applySlots(
      [
        {
          slotId,
          desired: { model: 'champion', capitalFraction: input.capitalFraction, riskState: 'active' },
        },
      ],
      { by: input.by, reason: 'A/B switchback finished: back to the champion' },
      input.applyTimeoutMs,
    );
    const paired = pairedSeries(plan, values);
    series = { challenger: paired.challenger, champion: paired.champion };
  }

  phase = 'deciding';
  const d = await acts.decideAbTest({
    challenger,
    champion,
    series,
    spec: input.comparison,
    guardrailBreaches: breaches.map((b) => ({ guardrail: b.guardrail, value: b.value, limit: b.limit })),
    by: input.by,
    ...runRef(),
    idempotencyKey: `${wf}/decision`,
  });
  const decision = {
    decision: d.decision,
    n: d.n,
    meanDiff: d.meanDiff,
    lower: d.lower,
    upper: d.upper,
    pValue: d.pValue ?? null,
    reason: d.reason,
    passed: d.passed,
    evidenceId: d.evidenceId,
  };
  if (!d.passed) {
    const rollback = await rollBack({
      by: AB_TEST_SYSTEM_ACTOR,
      reason: `A/B decision ${d.decision}: ${d.reason}`,
    });
    return result('failed', decision, null, rollback);
  }
  if (!input.approve) return result('passed', decision, null, null);

  const approval = await gate.wait(`A/B test of ${challenger}`, input.approvalTimeoutMs, input.approvers);
  if (approval === null) throw refused('ab-test: the approval gate ended without a decision');
  await acts.recordEvidence({
    versionId: challenger,
    kind: 'decision',
    payload: {
      gate: 'ab-test',
      decision: approval.decision,
      by: approval.by,
      reason: approval.reason,
      atMs: approval.atMs,
    },
    by: approval.by,
    ...runRef(),
    idempotencyKey: `${wf}/approval`,
  });
  if (approval.decision === 'rejected') {
    const rollback = await rollBack(approval);
    return result('rejected', decision, approval, rollback);
  }
  return result('passed', decision, approval, null);
}

export type { AbTestStepInput };

/** The applied revision and version an interval's samples must carry (none when unknown). */
function appliedAs(a: AppliedSlot | undefined): { appliedRevision?: number; appliedVersion?: string } {
  return a === undefined ? {} : { appliedRevision: a.revision, appliedVersion: a.version };
}
