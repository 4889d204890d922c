/**
 * The `decideAbTest` activity: the statistical decision of an A/B test (champion vs challenger) over
 * the per-interval series the workflow measured, by the declared test of core/promotion/compare.ts
 * (paired t, bootstrap or Welch interval of the difference, or Wilcoxon signed-rank;
 * docs/adr/0017-switchback-ab-test.md), stored as evidence `ab-test` on the challenger with every figure it rests on: the series,
 * the spec, the result and the guardrail breaches seen during the test.
 *
 * `passed` is the verdict a workflow acts on: the test says challenger-better or non-inferior AND the
 * challenger breached no guardrail (a breach annotated `arm: 'champion'` is stored, not held against it). Idempotent: the evidence is written once per key (a retry recomputes the
 * same deterministic result — the bootstrap is seeded — and gets the stored row's id).
 */
import { z } from 'zod';
import { compareArms, ComparisonSpecSchema, type ComparisonResult } from '../../core/promotion/compare.ts';
import { addEvidence } from '../../db/repositories/model-evidence.ts';
import {
  BySchema,
  IdempotencyKeySchema,
  parsePromotionInput,
  keyOf,
  VersionIdSchema,
  workflowRef,
  WorkflowRefShape,
  type PromotionDeps,
} from './input.ts';

/**
 * A guardrail breach seen during the test (core/promotion/guardrails.ts `Breach`); other annotations
 * (interval index, time) are kept in the evidence as given.
 */
const BreachSchema = z.looseObject({
  guardrail: z.string().min(1),
  value: z.number(),
  limit: z.number(),
  /** Whose breach; absent = the challenger's. */
  arm: z.enum(['challenger', 'champion']).optional(),
});

const Series = z.array(z.number().refine(Number.isFinite, 'must be finite')).max(10_000);

export const DecideAbTestInputSchema = z.strictObject({
  challenger: VersionIdSchema,
  champion: VersionIdSchema,
  /** Per-interval values of `spec.metric`, quote currency, interval i of each arm paired by index. */
  series: z.strictObject({ challenger: Series, champion: Series }),
  /** The declared test (core/promotion/compare.ts, strict). */
  spec: ComparisonSpecSchema,
  /** Applied capital fraction of each interval, (0, 1]; required when `spec.perCapital`. */
  capital: z.strictObject({ challenger: z.array(z.number()), champion: z.array(z.number()) }).optional(),
  guardrailBreaches: z.array(BreachSchema).max(10_000),
  by: BySchema,
  /** Default: `ab-test:<workflowId>:<challenger>` (one decision per workflow and challenger). */
  idempotencyKey: IdempotencyKeySchema.optional(),
  ...WorkflowRefShape,
});
export type DecideAbTestInput = z.input<typeof DecideAbTestInputSchema>;

/** Result of {@link decideAbTest}. */
export type AbTestDecision = ComparisonResult & {
  /** The `ab-test` evidence row on the challenger. */
  readonly evidenceId: number;
  /** Test says challenger-better or non-inferior, and no guardrail breach. */
  readonly passed: boolean;
  /** Guardrail breaches of the challenger. */
  readonly guardrailBreaches: number;
};

/**
 * Compares the arms and stores the evidence.
 * @throws PermanentError `PROMOTION_INVALID_INPUT` naming the field (also when neither idempotencyKey
 *   nor workflowId is given); compareArms' errors; the repository's `MODEL_NOT_FOUND` / `DB_*`
 */
export async function decideAbTest(deps: PromotionDeps, raw: DecideAbTestInput): Promise<AbTestDecision> {
  const input = parsePromotionInput(DecideAbTestInputSchema, raw, 'decideAbTest');
  const idempotencyKey = keyOf(input, 'ab-test', input.challenger, 'decideAbTest');
  const result = compareArms(input.series.challenger, input.series.champion, input.spec, input.capital);
  const statsPass = result.decision === 'challenger-better' || result.decision === 'non-inferior';
  const challengerBreaches = input.guardrailBreaches.filter((b) => b.arm !== 'champion').length;
  const passed = statsPass && challengerBreaches === 0;
  const { id } = await addEvidence(deps.db, {
    versionId: input.challenger,
    kind: 'ab-test',
    payload: {
      challenger: input.challenger,
      champion: input.champion,
      spec: input.spec,
      series: input.series,
      ...(input.capital === undefined ? {} : { capital: input.capital }),
      result,
      guardrailBreaches: input.guardrailBreaches,
      passed,
    },
    by: input.by,
    idempotencyKey,
    ...workflowRef(input),
  });
  deps.log.info(
    {
      challenger: input.challenger,
      champion: input.champion,
      n: result.n,
      meanDiff: result.meanDiff,
      lower: result.lower,
      upper: result.upper,
      decision: result.decision,
      challengerBreaches,
      passed,
      evidenceId: id,
    },
    'a/b test decided',
  );
  return { ...result, evidenceId: id, passed, guardrailBreaches: challengerBreaches };
}
