/**
 * Step types of the promotion lifecycle (issue 14; docs/adr/0016-promotion-lifecycle.md): `holdout-gate`
 * (an activity), `ab-test`, `canary`, `rollback` and `promote` (child workflows). Each schema is the
 * step's `with:` as written AND the input of its workflow (workflows/promotion/*): a client starting
 * `canaryWorkflow` from the Web UI sends the same JSON as the YAML. Durations are written `30s`, `10m`
 * or as integer ms, and come out in ms under a `…Ms` name. Capital is a fraction 0–1 of a slot's
 * capital. Pure: usable inside the workflow bundle.
 */
import { z } from 'zod';
import { durationField } from './duration.ts';
import { T } from './expr/types.ts';
import { sessionWindowSchema } from './retrain-steps.ts';

/** A model version id `<name>@<n>`. */
export const versionIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*@[1-9][0-9]*$/, 'expected a model version id <name>@<version>');
/** An engine slot id (deployments.id). */
const slotId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'expected a slot id (letters, digits, ".", "_", ":", "-")');
const text = z.string().trim().min(1, 'must not be empty');
const fraction = z.number().min(0).max(1);
const approvers = z.array(text).min(1).optional();

/**
 * A workflow input as clients write it: `z.input` of a step schema with its `unknown`-typed (duration)
 * fields optional, as the schema treats them.
 */
export type WorkflowInput<S extends z.ZodType> = OptionalUnknown<z.input<S>>;
type OptionalUnknown<T> = { [K in keyof T as unknown extends T[K] ? K : never]?: T[K] } & {
  [K in keyof T as unknown extends T[K] ? never : K]: T[K];
};

/** The model name of a version id (`as-v1@3` → `as-v1`). */
export function modelNameOf(versionId: string): string {
  const at = versionId.lastIndexOf('@');
  return at < 0 ? versionId : versionId.slice(0, at);
}

/** Guardrails at full capital (checkGuardrails scales them by the capital fraction); absent = unchecked. */
export const guardrailsSchema = z.strictObject({
  /** Largest drawdown of net PnL within an interval, quote currency (> 0). */
  maxDrawdownQuote: z.number().positive().optional(),
  /** Largest RMS inventory within an interval, lots (> 0). */
  maxRmsInventoryLots: z.number().positive().optional(),
  /** Largest share of rejected orders, 0–1. */
  maxRejectRate: fraction.optional(),
  /** Smallest mean 1-s mark-out per fill, quote currency (negative = adverse selection allowed). */
  minMarkoutPerFillQuote: z.number().optional(),
});

/** The declared test of an A/B decision (core/promotion/compare.ts). */
export const comparisonSchema = z.strictObject({
  metric: z.enum(['netPnlQuote', 'markout1sQuote']).default('netPnlQuote'),
  /** core/promotion/compare.ts `TEST_KINDS` (not imported: it loads a CommonJS statistics package the
   * workflow bundle must not carry; test/pipeline-dsl/promotion-steps.test.ts keeps the two equal). */
  test: z.enum(['bootstrap', 'welch', 'paired-t', 'wilcoxon']).default('bootstrap'),
  /** Two-sided level of the interval of the mean difference. */
  alpha: z.number().gt(0).lt(0.5).default(0.05),
  /** Fewer intervals than this → `insufficient-data`. */
  minIntervals: z.int().min(2).default(6),
  /** Non-inferiority margin, quote currency per interval (≥ 0). */
  marginQuote: z.number().min(0).default(0),
  seed: z.int().optional(),
  resamples: z.int().min(100).max(100_000).optional(),
  /** Compare per unit of capital (the arms' figures divided by their mean capital fraction). */
  perCapital: z.boolean().default(false),
});

const actor = {
  /** Who starts the step (recorded with every status and slot change). */
  by: text,
  /** Why (recorded likewise). */
  reason: text,
};
const applyTimeout = durationField({ minMs: 1_000, minReason: 'applyTimeout must be at least 1s' });
const approvalTimeout = durationField({ minMs: 1_000, minReason: 'approvalTimeout must be at least 1s' });

/** Default A/B interval, ms (5 min). */
export const DEFAULT_AB_INTERVAL_MS = 300_000;

/**
 * `uses: ab-test` — champion against challenger over the same period. `parallel`: two paper slots on
 * the same feed with independent simulated fills, `intervals` intervals of `interval` each. `switchback`:
 * one slot alternating the arms in `pairs` randomised pairs of intervals, the first `washout` of each
 * interval not measured (core/promotion/switchback.ts). A challenger guardrail breach in any interval
 * rolls back at once.
 */
export const abTestStepInputSchema = z
  .strictObject({
    challenger: versionIdSchema,
    design: z.enum(['parallel', 'switchback']).default('parallel'),
    /** parallel: the slots of each arm. */
    challengerSlot: slotId.optional(),
    championSlot: slotId.optional(),
    /** switchback: the one slot. */
    slot: slotId.optional(),
    interval: durationField({ minMs: 1_000, minReason: 'interval must be at least 1s' }),
    intervals: z.int().min(1).max(1_000).default(12),
    pairs: z.int().min(1).max(500).default(6),
    washout: durationField(),
    seed: z.int().default(1),
    /** Capital fraction of each arm during the test. */
    capitalFraction: fraction.default(1),
    guardrails: guardrailsSchema.default({}),
    comparison: comparisonSchema.default(comparisonSchema.parse({})),
    /** Wait for a human approve/reject of a passing decision (Update `approve`/`reject` {by, reason}). */
    approve: z.boolean().default(false),
    /**
     * Fail the step (after rolling the challenger back) when the test does not pass or is rejected;
     * false: return the outcome (`rolled-back`, `failed`, `rejected`) for a `when:` to read.
     */
    failOnReject: z.boolean().default(true),
    approvalTimeout,
    approvers,
    applyTimeout,
    ...actor,
  })
  .superRefine((v, ctx) => {
    const need = (field: 'challengerSlot' | 'championSlot' | 'slot') => {
      if (v[field] === undefined)
        ctx.addIssue({ code: 'custom', path: [field], message: `the ${v.design} design needs ${field}` });
    };
    if (v.design === 'parallel') {
      need('challengerSlot');
      need('championSlot');
      if (v.challengerSlot !== undefined && v.challengerSlot === v.championSlot)
        ctx.addIssue({ code: 'custom', path: ['championSlot'], message: 'the two arms need two slots' });
    } else need('slot');
    if (v.washout !== undefined && v.washout >= (v.interval ?? DEFAULT_AB_INTERVAL_MS))
      ctx.addIssue({ code: 'custom', path: ['washout'], message: 'washout must be shorter than interval' });
  })
  .transform(({ interval, washout, approvalTimeout, applyTimeout, ...rest }) => ({
    ...rest,
    intervalMs: interval ?? DEFAULT_AB_INTERVAL_MS,
    // Default: a quarter of the interval, at most 30 s (switchback only).
    washoutMs: washout ?? Math.min(30_000, Math.floor((interval ?? DEFAULT_AB_INTERVAL_MS) / 4)),
    approvalTimeoutMs: approvalTimeout ?? 86_400_000,
    applyTimeoutMs: applyTimeout ?? 60_000,
  }));
export type AbTestStepInput = z.output<typeof abTestStepInputSchema>;

/** Default canary ramp of the challenger's capital: 1 → 5 → 10 → 25 → 100 % (issue 14). */
export const DEFAULT_CANARY_STEPS = [0.01, 0.05, 0.1, 0.25, 1] as const;
/** Default breach window: a breach sustained this long rolls back (seed 004: 15 min). */
export const DEFAULT_BREACH_WINDOW_MS = 15 * 60_000;

/**
 * `uses: canary` — ramps the challenger slot's capital through `steps` (the champion slot at 1 − f),
 * each held for `hold`, checked every `checkEvery` against the guardrails (per unit of capital) and
 * the champion; a breach lasting `breachWindow` rolls back (child rollback workflow).
 */
export const canaryStepInputSchema = z
  .strictObject({
    challenger: versionIdSchema,
    challengerSlot: slotId,
    championSlot: slotId,
    /** Challenger capital fractions, increasing, in (0, 1]; the last is the full capital. */
    steps: z
      .array(z.number().gt(0).max(1))
      .min(1)
      .default([...DEFAULT_CANARY_STEPS]),
    hold: durationField({ minMs: 1_000, minReason: 'hold must be at least 1s' }),
    checkEvery: durationField({ minMs: 1_000, minReason: 'checkEvery must be at least 1s' }),
    breachWindow: durationField(),
    guardrails: guardrailsSchema.default({}),
    /**
     * Comparison with the champion at each check: the challenger's metric per unit of capital below
     * the champion's by more than `marginQuote` (per unit of capital, per check interval) is a breach.
     */
    versusChampion: z
      .strictObject({
        metric: z.enum(['netPnlQuote', 'markout1sQuote']).default('netPnlQuote'),
        marginQuote: z.number().min(0),
      })
      .optional(),
    /** A human approve between steps (Update `approve` {by, reason}). */
    approveBetweenSteps: z.boolean().default(false),
    /**
     * Fail the workflow (after the rollback) when the canary is rolled back, aborted or rejected;
     * false: return the outcome for a `when:` to read.
     */
    failOnReject: z.boolean().default(true),
    approvalTimeout,
    approvers,
    applyTimeout,
    ...actor,
  })
  .superRefine((v, ctx) => {
    v.steps.forEach((f, i) => {
      if (i > 0 && f <= (v.steps[i - 1] ?? 0))
        ctx.addIssue({ code: 'custom', path: ['steps', i], message: 'steps must increase' });
    });
    if (v.challengerSlot === v.championSlot)
      ctx.addIssue({ code: 'custom', path: ['championSlot'], message: 'the two arms need two slots' });
    if (v.checkEvery !== undefined && v.hold !== undefined && v.checkEvery > v.hold)
      ctx.addIssue({ code: 'custom', path: ['checkEvery'], message: 'checkEvery must not exceed hold' });
  })
  .transform(({ hold, checkEvery, breachWindow, approvalTimeout, applyTimeout, ...rest }) => ({
    ...rest,
    holdMs: hold ?? 30 * 60_000,
    checkEveryMs: checkEvery ?? 60_000,
    breachWindowMs: breachWindow ?? DEFAULT_BREACH_WINDOW_MS,
    approvalTimeoutMs: approvalTimeout ?? 86_400_000,
    applyTimeoutMs: applyTimeout ?? 60_000,
  }));
export type CanaryStepInput = z.output<typeof canaryStepInputSchema>;

/**
 * `uses: rollback` — pulls the challenger's quotes (its slots to capital 0, halted, awaited), restores
 * the champion (the previous one from the history when the challenger had been promoted) and puts the
 * champion slots back on it.
 */
export const rollbackStepInputSchema = z
  .strictObject({
    challenger: versionIdSchema,
    challengerSlots: z.array(slotId).default([]),
    championSlots: z.array(slotId).default([]),
    championFraction: fraction.default(1),
    /** Status of a rolled-back challenger that was never promoted. */
    demoteTo: z.enum(['candidate', 'retired']).default('retired'),
    applyTimeout,
    ...actor,
  })
  .transform(({ applyTimeout, ...rest }) => ({ ...rest, applyTimeoutMs: applyTimeout ?? 60_000 }));
export type RollbackStepInput = z.output<typeof rollbackStepInputSchema>;

/**
 * `uses: promote` — challenger → champion (the old champion retired), alias followers re-applied.
 * `approval: given` (the pipeline's, with `by` and `reason`) or `manual` (waits for Update `approve`
 * {by, reason} until `approvalTimeout`).
 */
export const promoteStepInputSchema = z
  .strictObject({
    challenger: versionIdSchema,
    approval: z.enum(['given', 'manual']).default('given'),
    by: text.optional(),
    reason: text.optional(),
    approvalTimeout,
    approvers,
    /** Slots put on the champion alias at full capital. */
    championSlots: z.array(slotId).default([]),
    /** Slots that quoted the challenger: champion alias at capital 0, halted. */
    challengerSlots: z.array(slotId).default([]),
    applyTimeout,
  })
  .superRefine((v, ctx) => {
    if (v.approval !== 'given') return;
    for (const field of ['by', 'reason'] as const)
      if (v[field] === undefined)
        ctx.addIssue({ code: 'custom', path: [field], message: `approval "given" needs ${field}` });
  })
  .transform(({ approvalTimeout, applyTimeout, ...rest }) => ({
    ...rest,
    approvalTimeoutMs: approvalTimeout ?? 86_400_000,
    applyTimeoutMs: applyTimeout ?? 60_000,
  }));
export type PromoteStepInput = z.output<typeof promoteStepInputSchema>;

/**
 * `uses: holdout-gate` — backtests the candidate and the champion on the same recorded windows and
 * passes when the candidate's net PnL is not below the champion's by more than `marginQuote`; the
 * result is stored as evidence `holdout-gate` (activities/promotion, `holdoutGate`).
 */
export const holdoutGateStepInputSchema = z.strictObject({
  candidate: versionIdSchema,
  windows: z.array(sessionWindowSchema).min(1, 'needs at least one window'),
  marginQuote: z.number().min(0).default(0),
  entryLatencyMs: z.number().min(0).max(10_000).default(5),
  cancelLatencyMs: z.number().min(0).max(10_000).default(5),
  /** Fail the step when the gate does not pass (else report `passed: false`). */
  failOnReject: z.boolean().default(true),
  by: text.default('pipeline'),
});
export type HoldoutGateStepInput = z.output<typeof holdoutGateStepInputSchema>;

/** Declared outputs of the promotion step types. */
export const promotionStepOutputs = {
  'holdout-gate': {
    passed: T.boolean,
    candidate: T.string,
    champion: T.nullable(T.string),
    evidenceId: T.number,
  },
  'ab-test': {
    outcome: T.string,
    decision: T.nullable(T.string),
    intervals: T.number,
    meanDiff: T.nullable(T.number),
    lower: T.nullable(T.number),
    upper: T.nullable(T.number),
    evidenceId: T.nullable(T.number),
  },
  canary: { outcome: T.string, stepsCompleted: T.number, fraction: T.number },
  rollback: { rolledBack: T.string, champion: T.nullable(T.string), restoredPrevious: T.boolean },
  promote: { champion: T.string, retired: T.nullable(T.string), approvedBy: T.string, reason: T.string },
} as const;

/*
 * Parsed step input → workflow input: the interpreter starts the child workflow with the JSON the
 * workflow parses again (durations in ms under their written names). parse(inputOf(parse(x))) equals
 * parse(x) (test/pipeline-dsl/promotion-steps.test.ts).
 */

/** The `abTestWorkflow` input of a parsed `ab-test` step. */
export function abTestInputOf(p: AbTestStepInput): WorkflowInput<typeof abTestStepInputSchema> {
  const { intervalMs, washoutMs, approvalTimeoutMs, applyTimeoutMs, ...rest } = p;
  return {
    ...rest,
    interval: intervalMs,
    washout: washoutMs,
    approvalTimeout: approvalTimeoutMs,
    applyTimeout: applyTimeoutMs,
  };
}

/** The `canaryWorkflow` input of a parsed `canary` step. */
export function canaryInputOf(p: CanaryStepInput): WorkflowInput<typeof canaryStepInputSchema> {
  const { holdMs, checkEveryMs, breachWindowMs, approvalTimeoutMs, applyTimeoutMs, ...rest } = p;
  return {
    ...rest,
    hold: holdMs,
    checkEvery: checkEveryMs,
    breachWindow: breachWindowMs,
    approvalTimeout: approvalTimeoutMs,
    applyTimeout: applyTimeoutMs,
  };
}

/** The `rollbackWorkflow` input of a parsed `rollback` step. */
export function rollbackInputOf(p: RollbackStepInput): WorkflowInput<typeof rollbackStepInputSchema> {
  const { applyTimeoutMs, ...rest } = p;
  return { ...rest, applyTimeout: applyTimeoutMs };
}

/** The `promoteWorkflow` input of a parsed `promote` step. */
export function promoteInputOf(p: PromoteStepInput): WorkflowInput<typeof promoteStepInputSchema> {
  const { approvalTimeoutMs, applyTimeoutMs, ...rest } = p;
  return { ...rest, approvalTimeout: approvalTimeoutMs, applyTimeout: applyTimeoutMs };
}
