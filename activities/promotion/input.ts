/**
 * Shared boundary of the promotion activities (docs/adr/0016-promotion-lifecycle.md): every input is
 * parsed with a strict zod schema (unknown keys refused), and a bad one fails as a non-retryable
 * PermanentError `PROMOTION_INVALID_INPUT` whose message names each offending field.
 *
 * Idempotency (STYLE §9): the activities that write take an `idempotencyKey` the workflow derives from
 * its workflow id and the step (e.g. `<workflowId>.promote`), stored with the row it writes so that a
 * retried attempt writes nothing new.
 */
import { z } from 'zod';
import { PermanentError } from '../../core/errors.ts';
import type { ActivityDeps } from '../index.ts';

/** Ports of the promotion activities: the database and the logger. */
export type PromotionDeps = Pick<ActivityDeps, 'db' | 'log'>;

/** Code of every refused input. */
export const PROMOTION_INVALID_INPUT = 'PROMOTION_INVALID_INPUT';

/** A model name, e.g. `as-v1.5-btcusdt-usdm` (db/repositories/models.ts). */
export const ModelNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" or "-"');

/** A version id `<name>@<n>`, n ≥ 1. */
export const VersionIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*@[1-9][0-9]*$/, 'a version id <name>@<n>, e.g. as-v1@3');

/** A slot (deployment) id, as the table's check constraint (infra/migrations/0013_promotion.sql). */
export const SlotIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits, . _ : -');

/** Who acts: an operator or a system, e.g. `alice`, `promotion:canary-btc`. */
export const BySchema = z.string().trim().min(1).max(200);

/** Why, free text kept with the change. */
export const ReasonSchema = z.string().trim().min(1).max(2_000);

/** Idempotency key derived by the workflow from its id and the step. */
export const IdempotencyKeySchema = z.string().min(1).max(500);

/** The Temporal ids recorded with a write (both optional: a CLI or test may write without them). */
export const WorkflowRefShape = {
  workflowId: z.string().min(1).max(500).optional(),
  runId: z.string().min(1).max(200).optional(),
};

/**
 * Parses `raw` with `schema`.
 * @param activity names the activity in the message, e.g. `setSlotDesired`
 * @throws PermanentError `PROMOTION_INVALID_INPUT`: `<activity>: <field>: <problem>; …`, with the
 *   offending field paths in `details.fields`
 */
export function parsePromotionInput<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  activity: string,
): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues.map((i) => issueField(i));
  const problems = parsed.error.issues.map((i, k) => `${fields[k] ?? '(input)'}: ${i.message}`);
  throw new PermanentError(PROMOTION_INVALID_INPUT, `${activity}: ${problems.join('; ')}`, {
    activity,
    fields,
  });
}

/** The dotted path of an issue; for an unknown key, the key itself. */
function issueField(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (path === '' ? k : `${path}.${k}`));
    return keys.join(', ');
  }
  return path === '' ? '(input)' : path;
}

/** `undefined`-free spread of the workflow ids (exactOptionalPropertyTypes). */
export function workflowRef(input: { workflowId?: string | undefined; runId?: string | undefined }): {
  workflowId?: string;
  runId?: string;
} {
  return {
    ...(input.workflowId === undefined ? {} : { workflowId: input.workflowId }),
    ...(input.runId === undefined ? {} : { runId: input.runId }),
  };
}

/**
 * The idempotency key of a write: the given one, else `<kind>:<workflowId>:<versionId>` (one write of
 * that kind per workflow and version).
 * @throws PermanentError `PROMOTION_INVALID_INPUT` when there is neither a key nor a workflow id
 */
export function keyOf(
  input: { idempotencyKey?: string | undefined; workflowId?: string | undefined },
  kind: string,
  versionId: string,
  activity: string,
): string {
  if (input.idempotencyKey !== undefined) return input.idempotencyKey;
  if (input.workflowId !== undefined) return `${kind}:${input.workflowId}:${versionId}`;
  throw new PermanentError(
    PROMOTION_INVALID_INPUT,
    `${activity}: idempotencyKey: required when workflowId is absent`,
    {
      activity,
      fields: ['idempotencyKey'],
    },
  );
}
