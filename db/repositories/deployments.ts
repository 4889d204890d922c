/**
 * Engine slots (`deployments`, migration 0013): where an engine quotes and what it should quote with.
 * Workflows change a slot's desired state (each change bumps `desired_revision`, writes a
 * `deployment_changes` row and is announced by a trigger on channel {@link DEPLOYMENTS_CHANNEL}); the
 * engine following the slot applies it at a safe point and acknowledges the revision and the exact
 * version it applied ({@link markApplied}), with a heartbeat.
 */
import { z } from 'zod';
import { PermanentError } from '../../core/errors.ts';
import {
  EpochMsOutput,
  msToTimestamptz,
  NonEmpty,
  parseInput,
  parseRows,
  SafeIntInput,
  SafeIntOutput,
} from '../codec.ts';
import { execute } from '../errors.ts';
import type { Queryable } from '../queryable.ts';

/** PostgreSQL NOTIFY channel of desired-state changes; the payload is the slot id. */
export const DEPLOYMENTS_CHANNEL = 'mmflow_deployments';

const Venue = z.enum(['binance-spot', 'binance-usdm']);
const RiskState = z.enum(['active', 'halted']);

/** Where a slot quotes. */
export const SlotSpec = z.object({
  /** Letters, digits, `.`, `_`, `:`, `-`. */
  id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits, ".", "_", ":" or "-"'),
  venue: Venue,
  account: NonEmpty,
  /** Exchange symbol, e.g. `BTCUSDT`. */
  symbol: z.string().regex(/^[A-Z0-9]{2,20}$/, 'exchange symbol such as BTCUSDT'),
  mode: z.enum(['paper', 'live']),
  /** The model name whose aliases the desired model may name. */
  modelName: NonEmpty,
});
export type SlotSpec = z.infer<typeof SlotSpec>;

/** What the engine of a slot should quote with. */
export const DesiredState = z.object({
  /** `champion` / `challenger` (aliases of the slot's model name, resolved on apply) or `<name>@<n>`. */
  model: NonEmpty,
  /** Share of the slot's capital in use, 0–1 (0: no quotes). */
  capitalFraction: z.number().min(0).max(1),
  riskState: RiskState,
});
export type DesiredState = z.infer<typeof DesiredState>;

/** Who changes a desired state and why. */
export const ChangeMeta = z.object({
  by: NonEmpty,
  reason: NonEmpty,
  workflowId: NonEmpty.optional(),
  runId: NonEmpty.optional(),
});
export type ChangeMeta = z.input<typeof ChangeMeta>;

/** A slot with its desired and applied state. */
export interface Slot extends SlotSpec {
  readonly desired: DesiredState & {
    /** Bumped on every change, from 1. */
    readonly revision: number;
    readonly by: string;
    readonly reason: string;
    /** Unix epoch ms. */
    readonly atMs: number;
  };
  /** What the engine applied last; undefined before its first apply. `version` is `<name>@<n>`. */
  readonly applied:
    | {
        readonly revision: number;
        readonly version: string;
        readonly capitalFraction: number;
        readonly riskState: 'active' | 'halted';
        /** Unix epoch ms. */
        readonly atMs: number;
      }
    | undefined;
  readonly engineRunId: string | undefined;
  /** Unix epoch ms of the engine's last heartbeat; undefined if none. */
  readonly heartbeatAtMs: number | undefined;
}

const SlotDbRow = z
  .object({
    id: z.string(),
    venue: Venue,
    account: z.string(),
    symbol: z.string(),
    mode: z.enum(['paper', 'live']),
    model_name: z.string(),
    desired_model: z.string(),
    desired_capital_fraction: z.number(),
    desired_risk_state: RiskState,
    desired_revision: SafeIntOutput,
    desired_by: z.string(),
    desired_reason: z.string(),
    desired_at: EpochMsOutput,
    applied_revision: SafeIntOutput.nullable(),
    applied_version: z.string().nullable(),
    applied_capital_fraction: z.number().nullable(),
    applied_risk_state: RiskState.nullable(),
    applied_at: EpochMsOutput.nullable(),
    engine_run_id: z.string().nullable(),
    heartbeat_at: EpochMsOutput.nullable(),
  })
  .transform((r): Slot => ({
    id: r.id,
    venue: r.venue,
    account: r.account,
    symbol: r.symbol,
    mode: r.mode,
    modelName: r.model_name,
    desired: {
      model: r.desired_model,
      capitalFraction: r.desired_capital_fraction,
      riskState: r.desired_risk_state,
      revision: r.desired_revision,
      by: r.desired_by,
      reason: r.desired_reason,
      atMs: r.desired_at,
    },
    applied:
      r.applied_revision === null ||
      r.applied_version === null ||
      r.applied_capital_fraction === null ||
      r.applied_risk_state === null ||
      r.applied_at === null
        ? undefined
        : {
            revision: r.applied_revision,
            version: r.applied_version,
            capitalFraction: r.applied_capital_fraction,
            riskState: r.applied_risk_state,
            atMs: r.applied_at,
          },
    engineRunId: r.engine_run_id ?? undefined,
    heartbeatAtMs: r.heartbeat_at ?? undefined,
  }));

const COLUMNS = `id, venue, account, symbol, mode, model_name, desired_model, desired_capital_fraction,
  desired_risk_state, desired_revision, desired_by, desired_reason, desired_at, applied_revision, applied_version,
  applied_capital_fraction, applied_risk_state, applied_at, engine_run_id, heartbeat_at`;

/** Inserts the `deployment_changes` row of every slot a CTE named `changed` returned. */
const RECORD_CHANGES = `INSERT INTO deployment_changes
  (deployment_id, revision, desired_model, desired_capital_fraction, desired_risk_state, at, by, reason, workflow_id, run_id)
  SELECT id, desired_revision, desired_model, desired_capital_fraction, desired_risk_state, desired_at, desired_by,
         desired_reason, $workflow::text, $run::text FROM changed`;

function recordChanges(workflowParam: string, runParam: string): string {
  return RECORD_CHANGES.replace('$workflow', workflowParam).replace('$run', runParam);
}

/** @throws PermanentError `SLOT_DESIRED_INVALID` unless `model` is an alias or a version of `modelName`. */
function checkModelRef(slotId: string, modelName: string, model: string): void {
  if (model === 'champion' || model === 'challenger') return;
  const prefix = `${modelName}@`;
  if (model.startsWith(prefix) && /^[1-9][0-9]*$/.test(model.slice(prefix.length))) return;
  throw new PermanentError(
    'SLOT_DESIRED_INVALID',
    `slot ${slotId} follows ${modelName}: its model must be champion, challenger or ${modelName}@<n>, not "${model}"`,
    { slotId, modelName, model },
  );
}

function notFound(id: string): PermanentError {
  return new PermanentError('SLOT_NOT_FOUND', `slot ${id} does not exist`, { slotId: id });
}

/**
 * Creates slot `spec.id` at revision 1 with `desired` (one `deployment_changes` row). Idempotent: an
 * existing slot with the same venue, account, symbol, mode and model name is returned unchanged.
 * @throws PermanentError `SLOT_EXISTS` (same id, different spec), `SLOT_DESIRED_INVALID`, `DB_INVALID_INPUT`.
 */
export async function createSlot(
  db: Queryable,
  spec: SlotSpec,
  desired: DesiredState,
  by: string,
  reason: string,
): Promise<Slot> {
  const s = parseInput(SlotSpec, spec, 'slot');
  const d = parseInput(DesiredState, desired, 'desired state');
  const meta = parseInput(ChangeMeta, { by, reason }, 'change');
  checkModelRef(s.id, s.modelName, d.model);
  const result = await execute(
    db,
    `create slot ${s.id}`,
    `WITH changed AS (
       INSERT INTO deployments (id, venue, account, symbol, mode, model_name, desired_model, desired_capital_fraction,
         desired_risk_state, desired_by, desired_reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) DO NOTHING RETURNING ${COLUMNS}
     ), recorded AS (${recordChanges('NULL', 'NULL')})
     SELECT ${COLUMNS} FROM changed`,
    [
      s.id,
      s.venue,
      s.account,
      s.symbol,
      s.mode,
      s.modelName,
      d.model,
      d.capitalFraction,
      d.riskState,
      meta.by,
      meta.reason,
    ],
  );
  const [created] = parseRows(SlotDbRow, result.rows, 'deployments');
  if (created !== undefined) return created;
  const existing = await getSlot(db, s.id);
  if (existing === undefined) throw notFound(s.id); // deleted in between
  const same = (['venue', 'account', 'symbol', 'mode', 'modelName'] as const).every(
    (k) => existing[k] === s[k],
  );
  if (!same)
    throw new PermanentError(
      'SLOT_EXISTS',
      `slot ${s.id} exists for ${existing.venue}/${existing.account}/${existing.symbol} ${existing.mode} ${existing.modelName}`,
      { slotId: s.id },
    );
  return existing;
}

/** The slot `id`, or undefined. */
export async function getSlot(db: Queryable, id: string): Promise<Slot | undefined> {
  const result = await execute(db, `get slot ${id}`, `SELECT ${COLUMNS} FROM deployments WHERE id = $1`, [
    id,
  ]);
  return parseRows(SlotDbRow, result.rows, 'deployments')[0];
}

/** Every slot, by id. */
export async function listSlots(db: Queryable): Promise<Slot[]> {
  const result = await execute(db, 'list slots', `SELECT ${COLUMNS} FROM deployments ORDER BY id`);
  return parseRows(SlotDbRow, result.rows, 'deployments');
}

/**
 * Sets the desired state of slot `id`: bumps `desired_revision` (which NOTIFYs the engine) and writes a
 * `deployment_changes` row, in one statement — unless the desired model, fraction and risk state are
 * already exactly `desired`, in which case nothing is written and `changed` is false.
 * @throws PermanentError `SLOT_NOT_FOUND`, `SLOT_DESIRED_INVALID`, `DB_INVALID_INPUT`.
 */
export async function setDesired(
  db: Queryable,
  id: string,
  desired: DesiredState,
  meta: ChangeMeta,
): Promise<{ slot: Slot; changed: boolean }> {
  const d = parseInput(DesiredState, desired, 'desired state');
  const m = parseInput(ChangeMeta, meta, 'change');
  const before = await getSlot(db, id);
  if (before === undefined) throw notFound(id);
  checkModelRef(id, before.modelName, d.model);
  const result = await execute(
    db,
    `set desired state of slot ${id}`,
    `WITH changed AS (
       UPDATE deployments SET desired_model = $2, desired_capital_fraction = $3, desired_risk_state = $4,
         desired_revision = desired_revision + 1, desired_by = $5, desired_reason = $6, desired_at = now()
       WHERE id = $1
         AND (desired_model, desired_capital_fraction, desired_risk_state) IS DISTINCT FROM ($2::text, $3::float8, $4::text)
       RETURNING ${COLUMNS}
     ), recorded AS (${recordChanges('$7', '$8')})
     SELECT ${COLUMNS} FROM changed`,
    [id, d.model, d.capitalFraction, d.riskState, m.by, m.reason, m.workflowId ?? null, m.runId ?? null],
  );
  const [updated] = parseRows(SlotDbRow, result.rows, 'deployments');
  if (updated !== undefined) return { slot: updated, changed: true };
  const current = await getSlot(db, id);
  if (current === undefined) throw notFound(id);
  return { slot: current, changed: false };
}

/**
 * Bumps the revision of every slot of `modelName` whose desired model is an alias (`champion` or
 * `challenger`), after a promotion or rollback changed what the alias names, so their engines resolve
 * it again; writes one `deployment_changes` row each (who/why from `meta`), in one statement.
 * Idempotent with `idempotencyKey` (e.g. the workflow run's): a slot that already has a change under
 * that key is not bumped again (a retried activity), and is still returned. Without a key a repeat
 * bumps again (harmless: the engine re-applies the same version).
 * @returns the ids of the slots touched (now or under the same key before), sorted.
 * @throws PermanentError `DB_INVALID_INPUT`.
 */
export async function touchAliasFollowers(
  db: Queryable,
  modelName: string,
  meta: ChangeMeta,
  idempotencyKey?: string,
): Promise<string[]> {
  const m = parseInput(ChangeMeta, meta, 'change');
  const key = idempotencyKey === undefined ? null : parseInput(NonEmpty, idempotencyKey, 'idempotency key');
  const result = await execute(
    db,
    `touch alias followers of ${modelName}`,
    `WITH done AS (
       SELECT deployment_id AS id FROM deployment_changes WHERE $6::text IS NOT NULL AND idempotency_key = $6
     ), changed AS (
       UPDATE deployments SET desired_revision = desired_revision + 1, desired_by = $2, desired_reason = $3,
         desired_at = now()
       WHERE model_name = $1 AND desired_model IN ('champion', 'challenger') AND id NOT IN (SELECT id FROM done)
       RETURNING ${COLUMNS}
     ), recorded AS (
       INSERT INTO deployment_changes
         (deployment_id, revision, desired_model, desired_capital_fraction, desired_risk_state, at, by, reason,
          workflow_id, run_id, idempotency_key)
       SELECT id, desired_revision, desired_model, desired_capital_fraction, desired_risk_state, desired_at,
              desired_by, desired_reason, $4::text, $5::text, $6::text FROM changed
     )
     SELECT id FROM changed UNION SELECT id FROM done ORDER BY id`,
    [modelName, m.by, m.reason, m.workflowId ?? null, m.runId ?? null, key],
  );
  return parseRows(z.object({ id: z.string() }), result.rows, 'deployments').map((r) => r.id);
}

/** What an engine applied. */
export const AppliedState = z.object({
  /** The desired revision applied. */
  revision: SafeIntInput.min(1),
  /** The exact version applied, `<name>@<n>` (an alias resolved). */
  version: NonEmpty,
  /** The fraction applied, 0–1. */
  capitalFraction: z.number().min(0).max(1),
  riskState: RiskState,
  engineRunId: NonEmpty,
  /** Unix epoch ms (engine clock). */
  atMs: SafeIntInput,
});
export type AppliedState = z.infer<typeof AppliedState>;

/**
 * Engine side: records what was applied, and the engine run (its heartbeat at `atMs` too), unless the
 * slot already records a newer revision applied (an older revision is ignored).
 * @throws PermanentError `SLOT_NOT_FOUND`, `DB_INVALID_INPUT`.
 */
export async function markApplied(db: Queryable, id: string, applied: AppliedState): Promise<void> {
  const a = parseInput(AppliedState, applied, 'applied state');
  const result = await execute(
    db,
    `mark slot ${id} applied at revision ${a.revision}`,
    `UPDATE deployments SET applied_revision = $2, applied_version = $3, applied_capital_fraction = $4,
       applied_risk_state = $5, applied_at = ${msToTimestamptz('$7')}, engine_run_id = $6,
       heartbeat_at = ${msToTimestamptz('$7')}
     WHERE id = $1 AND (applied_revision IS NULL OR applied_revision <= $2)`,
    [id, a.revision, a.version, a.capitalFraction, a.riskState, a.engineRunId, a.atMs],
  );
  if (result.rowCount === 0 && (await getSlot(db, id)) === undefined) throw notFound(id);
}

/**
 * Engine side: records a heartbeat of run `engineRunId` at `atMs` (Unix epoch ms).
 * @throws PermanentError `SLOT_NOT_FOUND`, `DB_INVALID_INPUT`.
 */
export async function heartbeatSlot(
  db: Queryable,
  id: string,
  engineRunId: string,
  atMs: number,
): Promise<void> {
  const run = parseInput(NonEmpty, engineRunId, 'engine run id');
  const at = parseInput(SafeIntInput, atMs, 'heartbeat time');
  const result = await execute(
    db,
    `heartbeat slot ${id}`,
    `UPDATE deployments SET engine_run_id = $2, heartbeat_at = ${msToTimestamptz('$3')} WHERE id = $1`,
    [id, run, at],
  );
  if (result.rowCount === 0) throw notFound(id);
}
