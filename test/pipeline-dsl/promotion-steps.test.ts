/**
 * The promotion step types (pipeline-dsl/promotion-steps.ts) and pipelines/promote.yaml: the shipped
 * file compiles to the ladder holdout → A/B → approve → canary → promote; rendered inputs carry the
 * issue's defaults (canary 1 → 5 → 10 → 25 → 100 %, breach window 15 min) with durations in ms; the
 * parsed input round-trips to the workflow input; bad inputs are refused naming the field.
 */
import { TEST_KINDS } from '../../core/promotion/compare.ts';
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { repoRoot } from '../../app/paths.ts';
import { loadPipelineFile } from '../../pipeline-dsl/load.ts';
import { resolveStepInput, type ResolvedStepInput } from '../../pipeline-dsl/inputs.ts';
import { resolveParams } from '../../pipeline-dsl/params.ts';
import type { Json } from '../../pipeline-dsl/plan-types.ts';
import {
  abTestInputOf,
  abTestStepInputSchema,
  canaryInputOf,
  canaryStepInputSchema,
  comparisonSchema,
  modelNameOf,
  promoteInputOf,
  promoteStepInputSchema,
  rollbackInputOf,
  rollbackStepInputSchema,
} from '../../pipeline-dsl/promotion-steps.ts';

const CANDIDATE = 'as-v1.5-btcusdt-usdm@7';
const base = { challenger: CANDIDATE, by: 'alice', reason: 'test' };

const problems = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  (r.error?.issues ?? []).map((i) => `${i.path.map(String).join('.')}: ${i.message}`);

describe('pipelines/promote.yaml', () => {
  it('compiles to holdout → ab → approve → canary → promote with the ladder params', async () => {
    const plan = await loadPipelineFile(join(repoRoot, 'pipelines/promote.yaml'));
    expect(plan.steps.map((s) => [s.id, s.uses, s.kind, s.needs])).toEqual([
      ['holdout', 'holdout-gate', 'activity', []],
      ['ab', 'ab-test', 'workflow', ['holdout']],
      ['approve', 'approve', 'approve', ['ab']],
      ['canary', 'canary', 'workflow', ['approve']],
      ['promote', 'promote', 'workflow', ['canary', 'approve']],
    ]);
    expect(plan.params['candidate']?.default).toBeUndefined(); // required at run start
    expect(plan.concurrency).toBe(1);
  });

  it('renders each step with the defaults: A/B 6 × 10 s, canary 5 steps × 20 s, checks 5 s, window 15 s', async () => {
    const plan = await loadPipelineFile(join(repoRoot, 'pipelines/promote.yaml'));
    const params = resolveParams(plan.params, { candidate: CANDIDATE });
    const approve: Json = { decision: 'approved', approver: 'bob', reason: 'A/B looks fine' };
    const steps = { approve: { outputs: approve } };
    const resolved = (id: string): ResolvedStepInput => {
      const step = plan.steps.find((s) => s.id === id);
      if (step === undefined) throw new Error(`no step ${id}`);
      return resolveStepInput(step, { params, steps });
    };
    const holdout = resolved('holdout');
    expect(holdout.uses === 'holdout-gate' && holdout.input).toEqual({
      candidate: CANDIDATE,
      windows: [
        {
          sessionId: 'binance-usdm_BTCUSDT_20240808T2354Z-20240809T0000Z',
          startUs: 1_723_161_300_000_000,
          endUs: 1_723_161_540_000_000,
        },
      ],
      marginQuote: 0,
      entryLatencyMs: 5,
      cancelLatencyMs: 5,
      failOnReject: true,
      by: 'pipeline:promote',
    });
    const ab = resolved('ab');
    if (ab.uses !== 'ab-test') throw new Error('ab is not an ab-test');
    expect(ab.input).toMatchObject({
      design: 'parallel',
      challengerSlot: 'paper-challenger',
      championSlot: 'paper-champion',
      intervalMs: 10_000,
      intervals: 6,
      capitalFraction: 1,
      guardrails: { maxDrawdownQuote: 50, maxRejectRate: 0.5 },
      comparison: {
        metric: 'netPnlQuote',
        test: 'bootstrap',
        minIntervals: 6,
        marginQuote: 0,
        seed: 20261207,
      },
      failOnReject: true,
      applyTimeoutMs: 60_000,
    });
    const canary = resolved('canary');
    if (canary.uses !== 'canary') throw new Error('canary is not a canary');
    expect(canary.input).toMatchObject({
      steps: [0.01, 0.05, 0.1, 0.25, 1],
      holdMs: 20_000,
      checkEveryMs: 5_000,
      breachWindowMs: 15_000,
      by: 'bob',
      reason: 'A/B looks fine',
    });
    const promote = resolved('promote');
    expect(promote.uses === 'promote' && promote.input).toMatchObject({
      approval: 'given',
      by: 'bob',
      championSlots: ['paper-champion'],
      challengerSlots: ['paper-challenger'],
    });
  });
});

describe('promotion step schemas', () => {
  it('canary defaults: steps 1→5→10→25→100 %, hold 30 min, checks 1 min, breach window 15 min (seed 004)', () => {
    const p = canaryStepInputSchema.parse({ ...base, challengerSlot: 'a', championSlot: 'b' });
    expect(p).toMatchObject({
      steps: [0.01, 0.05, 0.1, 0.25, 1],
      holdMs: 1_800_000,
      checkEveryMs: 60_000,
      breachWindowMs: 900_000,
      approvalTimeoutMs: 86_400_000,
      applyTimeoutMs: 60_000,
      approveBetweenSteps: false,
      failOnReject: true,
      guardrails: {},
    });
  });

  it('parsed inputs round-trip to the workflow input', () => {
    const canary = canaryStepInputSchema.parse({
      ...base,
      challengerSlot: 'a',
      championSlot: 'b',
      hold: '1h30m',
    });
    expect(canary.holdMs).toBe(5_400_000);
    expect(canaryStepInputSchema.parse(canaryInputOf(canary))).toEqual(canary);
    const ab = abTestStepInputSchema.parse({
      ...base,
      design: 'switchback',
      slot: 's',
      interval: '2m',
      washout: '15s',
    });
    expect([ab.intervalMs, ab.washoutMs]).toEqual([120_000, 15_000]);
    expect(abTestStepInputSchema.parse(abTestInputOf(ab))).toEqual(ab);
    const rb = rollbackStepInputSchema.parse({ ...base, challengerSlots: ['a'], applyTimeout: '5s' });
    expect(rb.applyTimeoutMs).toBe(5_000);
    expect(rollbackStepInputSchema.parse(rollbackInputOf(rb))).toEqual(rb);
    const pr = promoteStepInputSchema.parse({
      challenger: CANDIDATE,
      approval: 'manual',
      approvalTimeout: '10m',
    });
    expect(pr.approvalTimeoutMs).toBe(600_000);
    expect(promoteStepInputSchema.parse(promoteInputOf(pr))).toEqual(pr);
  });

  it('refuses bad inputs, naming the field', () => {
    const canary = canaryStepInputSchema.safeParse({
      ...base,
      challengerSlot: 'a',
      championSlot: 'a',
      steps: [0.1, 0.05, 1],
      hold: '10s',
      checkEvery: '1m',
    });
    expect(problems(canary)).toEqual([
      'steps.1: steps must increase',
      'championSlot: the two arms need two slots',
      'checkEvery: checkEvery must not exceed hold',
    ]);
    expect(
      problems(
        abTestStepInputSchema.safeParse({ ...base, design: 'switchback', interval: '10s', washout: '10s' }),
      ),
    ).toEqual(['slot: the switchback design needs slot', 'washout: washout must be shorter than interval']);
    expect(problems(abTestStepInputSchema.safeParse({ ...base, challengerSlot: 'x' }))).toEqual([
      'championSlot: the parallel design needs championSlot',
    ]);
    expect(problems(promoteStepInputSchema.safeParse({ challenger: CANDIDATE, by: ' ' }))).toEqual([
      'by: must not be empty',
      'reason: approval "given" needs reason',
    ]);
    expect(problems(rollbackStepInputSchema.safeParse({ ...base, challenger: 'no-version' }))).toEqual([
      'challenger: expected a model version id <name>@<version>',
    ]);
  });

  it('modelNameOf strips the version', () => {
    expect(modelNameOf('as-v1.5-btcusdt-usdm@12')).toBe('as-v1.5-btcusdt-usdm');
  });
});

describe('the declared A/B test', () => {
  it('accepts exactly the tests core/promotion/compare.ts implements', () => {
    expect(comparisonSchema.shape.test.unwrap().options).toEqual([...TEST_KINDS]);
  });
});
