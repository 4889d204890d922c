/**
 * The model registry: versions of quoting models with parameters, lifecycle status and lineage.
 *
 * Ids are derived, never parsed: `<name>@<version>` (e.g. `as-v1-alpha@3`); the table enforces it.
 * Lifecycle: `candidate` (registered, untested) → `challenger` (competing with the champion) →
 * `champion` (the one live quoting uses; at most one per name) → `retired`.
 */
import { z } from 'zod';
import { PermanentError } from '../../core/errors.ts';
import { EpochMsOutput, JsonObject, NonEmpty, parseInput, parseRows } from '../codec.ts';
import { execute } from '../errors.ts';
import type { Queryable } from '../queryable.ts';
import { writeStatusChange } from './status-change.ts';

/** Lifecycle status of a model version. */
export const ModelStatus = z.enum(['candidate', 'champion', 'challenger', 'retired']);
export type ModelStatus = z.infer<typeof ModelStatus>;

/**
 * Where a model version came from. Extra keys are kept (forward compatible).
 * - `datasetDigests`: dataset name → content digest (e.g. `sha256:…`) of the data it was fitted on.
 * - `workflowIds`: Temporal workflow ids that produced it.
 * - `codeVersion`: git commit or package version of the code that produced it.
 */
export const ModelLineage = z.looseObject({
  datasetDigests: z.record(z.string(), z.string()).default({}),
  workflowIds: z.array(z.string()).default([]),
  codeVersion: z.string().optional(),
});
export type ModelLineage = z.infer<typeof ModelLineage>;

/**
 * A file a model version needs (e.g. its ONNX alpha model). `path` is relative to the model store
 * (MMFLOW_MODEL_STORE, default `models/`) or absolute; `sha256` (64 hex) is checked before loading.
 */
export const ModelArtifact = z.strictObject({
  kind: z.enum(['onnx']),
  path: NonEmpty,
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex digits'),
  /** File size, bytes. */
  bytes: z.int().nonnegative(),
});
export type ModelArtifact = z.infer<typeof ModelArtifact>;

/** A registered model version. */
export interface ModelVersion {
  /** `<name>@<version>`. */
  readonly id: string;
  readonly name: string;
  /** 1, 2, 3… per name. */
  readonly version: number;
  /** Model family, e.g. `avellaneda-stoikov`, `gueant-lehalle-fernandez-tapia`. */
  readonly kind: string;
  /** Model parameters (the model layer parses them into its own typed shape). */
  readonly params: Readonly<Record<string, unknown>>;
  readonly status: ModelStatus;
  /** The version this one was derived from (tuned/retrained from); `undefined` for a root. */
  readonly parentId: string | undefined;
  readonly lineage: ModelLineage;
  /** Files of the version (empty for parameter-only models). */
  readonly artifacts: readonly ModelArtifact[];
  /** Figures the version was selected on, e.g. `{ inSample: {...}, outOfSample: {...} }`. */
  readonly metrics: Readonly<Record<string, unknown>>;
  /** Idempotency key of the registration that created it (e.g. `<workflowId>.<stepId>`), if any. */
  readonly registrationKey: string | undefined;
  /** Registration time, Unix epoch ms. */
  readonly createdAtMs: number;
}

/** What {@link registerModelVersion} needs. */
export const NewModelVersion = z.object({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" or "-"'),
  /** Explicit version (idempotent re-registration); omitted = next free version of `name`. */
  version: z.number().int().positive().optional(),
  kind: NonEmpty,
  params: JsonObject,
  /** Initial status (default `candidate`); promote to champion with {@link setStatus}. */
  status: z.enum(['candidate', 'challenger']).optional(),
  parentId: NonEmpty.optional(),
  lineage: ModelLineage.optional(),
  artifacts: z.array(ModelArtifact).optional(),
  metrics: JsonObject.optional(),
  /**
   * Idempotency key (e.g. `<workflowId>.<stepId>`): a second registration with the same key returns the
   * version the first one created (same name, kind and params), whatever `version` the caller omitted.
   */
  registrationKey: NonEmpty.optional(),
});
export type NewModelVersion = z.input<typeof NewModelVersion>;

/**
 * An artifact read back: its known fields checked, keys written by newer code dropped (the loader uses
 * only these fields, and a version read back stays valid input to the strict {@link ModelArtifact}).
 */
const StoredModelArtifact = z.object(ModelArtifact.shape);

const ModelDbRow = z
  .object({
    id: z.string(),
    name: z.string(),
    version: z.number().int(),
    kind: z.string(),
    params: JsonObject,
    status: ModelStatus,
    parent_id: z.string().nullable(),
    lineage: ModelLineage,
    artifacts: z.array(StoredModelArtifact),
    metrics: JsonObject,
    registration_key: z.string().nullable(),
    created_at: EpochMsOutput,
  })
  .transform((r): ModelVersion => ({
    id: r.id,
    name: r.name,
    version: r.version,
    kind: r.kind,
    params: r.params,
    status: r.status,
    parentId: r.parent_id ?? undefined,
    lineage: r.lineage,
    artifacts: r.artifacts,
    metrics: r.metrics,
    registrationKey: r.registration_key ?? undefined,
    createdAtMs: r.created_at,
  }));

const COLUMNS =
  'id, name, version, kind, params, status, parent_id, lineage, artifacts, metrics, registration_key, created_at';

/** The id of version `version` of model `name`: `<name>@<version>`. */
export function modelVersionId(name: string, version: number): string {
  return `${name}@${version}`;
}

/** JSON with object keys sorted, so two equal jsonb values compare equal as text. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof PermanentError && err.details?.['sqlState'] === '23505';
}

/**
 * Registers a model version.
 * - With `registrationKey`: idempotent per key. If a version was already registered under that key with
 *   the same name, kind, params and parent, it is returned unchanged (a retried activity); otherwise →
 *   PermanentError `MODEL_VERSION_CONFLICT`.
 * - With `version`: idempotent. If `<name>@<version>` exists with the same kind, params and parent it
 *   is returned unchanged; with different ones → PermanentError `MODEL_VERSION_CONFLICT`.
 * - Without `version`: takes the next free version of `name` (retrying if a concurrent caller took it).
 * @throws PermanentError `DB_INVALID_INPUT` (bad input), `DB_CONSTRAINT` (unknown parentId),
 *   `MODEL_VERSION_CONFLICT`.
 */
export async function registerModelVersion(db: Queryable, input: NewModelVersion): Promise<ModelVersion> {
  const m = parseInput(NewModelVersion, input, 'model version');
  const lineage = ModelLineage.parse(m.lineage ?? {});
  const values = [
    m.name,
    m.kind,
    JSON.stringify(m.params),
    m.status ?? 'candidate',
    m.parentId ?? null,
    JSON.stringify(lineage),
    JSON.stringify(m.artifacts ?? []),
    JSON.stringify(m.metrics ?? {}),
    m.registrationKey ?? null,
  ];
  const context = `register model version ${m.name}${m.version === undefined ? '' : `@${m.version}`}`;
  const same = (existing: ModelVersion): boolean =>
    existing.name === m.name &&
    existing.kind === m.kind &&
    existing.parentId === m.parentId &&
    canonicalJson(existing.params) === canonicalJson(m.params);
  const conflict = (what: string): PermanentError =>
    new PermanentError(
      'MODEL_VERSION_CONFLICT',
      `${what} already exists with a different name, kind, params or parent`,
      {
        ...(m.registrationKey === undefined ? {} : { registrationKey: m.registrationKey }),
        name: m.name,
      },
    );
  const byKey = async (): Promise<ModelVersion | undefined> =>
    m.registrationKey === undefined ? undefined : getModelVersionByRegistrationKey(db, m.registrationKey);

  const registered = await byKey();
  if (registered !== undefined) {
    if (same(registered)) return registered;
    throw conflict(`the registration ${m.registrationKey ?? ''} (${registered.id})`);
  }
  if (m.version !== undefined) {
    // `ON CONFLICT (id)`: a deferrable constraint (one champion) cannot be a conflict arbiter.
    let inserted;
    try {
      inserted = await execute(
        db,
        context,
        `INSERT INTO model_versions
           (name, kind, params, status, parent_id, lineage, artifacts, metrics, registration_key, version, id)
         VALUES ($1, $2, $3::jsonb, $4, $5, $6::jsonb, $7::jsonb, $8::jsonb, $9, $10::integer, $1 || '@' || $10::integer::text)
         ON CONFLICT (id) DO NOTHING RETURNING ${COLUMNS}`,
        [...values, m.version],
      );
    } catch (err) {
      const raced = isUniqueViolation(err) ? await byKey() : undefined;
      if (raced !== undefined && same(raced)) return raced;
      throw err;
    }
    const [created] = parseRows(ModelDbRow, inserted.rows, 'model_versions');
    if (created !== undefined) return created;
    const existing = await getModelVersion(db, modelVersionId(m.name, m.version));
    if (existing === undefined || !same(existing))
      throw conflict(`model version ${modelVersionId(m.name, m.version)}`);
    return existing;
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const inserted = await execute(
        db,
        context,
        `INSERT INTO model_versions
           (name, kind, params, status, parent_id, lineage, artifacts, metrics, registration_key, version, id)
         SELECT $1, $2, $3::jsonb, $4, $5, $6::jsonb, $7::jsonb, $8::jsonb, $9, next.v, $1 || '@' || next.v::text
         FROM (SELECT COALESCE(MAX(version), 0) + 1 AS v FROM model_versions WHERE name = $1) AS next
         RETURNING ${COLUMNS}`,
        values,
      );
      const [created] = parseRows(ModelDbRow, inserted.rows, 'model_versions');
      if (created === undefined) throw new Error(`${context}: INSERT returned no row`);
      return created;
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      // A concurrent registration under the same key won: return its version.
      const raced = await byKey();
      if (raced !== undefined) {
        if (same(raced)) return raced;
        throw conflict(`the registration ${m.registrationKey ?? ''} (${raced.id})`);
      }
      if (attempt >= 5) throw err;
    }
  }
}

/** The model version registered under `registrationKey`, or `undefined`. */
export async function getModelVersionByRegistrationKey(
  db: Queryable,
  registrationKey: string,
): Promise<ModelVersion | undefined> {
  const result = await execute(
    db,
    `get model version registered as ${registrationKey}`,
    `SELECT ${COLUMNS} FROM model_versions WHERE registration_key = $1`,
    [registrationKey],
  );
  return parseRows(ModelDbRow, result.rows, 'model_versions')[0];
}

/** The model version with `id`, or `undefined`. */
export async function getModelVersion(db: Queryable, id: string): Promise<ModelVersion | undefined> {
  const result = await execute(
    db,
    `get model version ${id}`,
    `SELECT ${COLUMNS} FROM model_versions WHERE id = $1`,
    [id],
  );
  return parseRows(ModelDbRow, result.rows, 'model_versions')[0];
}

/** The current champion of model `name`, or `undefined` when none has been promoted. */
export async function getChampion(db: Queryable, name: string): Promise<ModelVersion | undefined> {
  const result = await execute(
    db,
    `get champion of ${name}`,
    `SELECT ${COLUMNS} FROM model_versions WHERE name = $1 AND status = 'champion'`,
    [name],
  );
  return parseRows(ModelDbRow, result.rows, 'model_versions')[0];
}

/** Filters of {@link listModelVersions}; all optional. */
export interface ModelVersionFilter {
  readonly name?: string;
  readonly status?: ModelStatus;
}

/** Model versions ordered by name then version. */
export async function listModelVersions(
  db: Queryable,
  filter: ModelVersionFilter = {},
): Promise<ModelVersion[]> {
  const result = await execute(
    db,
    'list model versions',
    `SELECT ${COLUMNS} FROM model_versions
     WHERE ($1::text IS NULL OR name = $1) AND ($2::text IS NULL OR status = $2)
     ORDER BY name, version`,
    [filter.name ?? null, filter.status ?? null],
  );
  return parseRows(ModelDbRow, result.rows, 'model_versions');
}

/**
 * Sets the status of model version `id`, with a `model_status_history` row per version changed (see
 * model-history.ts `changeStatus`, which adds idempotency keys and transition rules). Promoting to
 * `champion` retires the previous champion of the same name in the same statement (atomic: there is
 * never zero or two champions in between); `challenger` moves the previous challenger back to
 * `candidate`. Setting the status a version already has changes nothing.
 * @param meta who and why, stored in the history (default `mmflow`, `set to <status>`).
 * @returns the updated version.
 * @throws PermanentError `MODEL_NOT_FOUND` if `id` does not exist; `DB_INVALID_INPUT` for a bad status.
 */
export async function setStatus(
  db: Queryable,
  id: string,
  status: ModelStatus,
  meta: { readonly by?: string; readonly reason?: string } = {},
): Promise<ModelVersion> {
  const s = parseInput(ModelStatus, status, 'model status');
  const by = parseInput(NonEmpty, meta.by ?? 'mmflow', 'by');
  const reason = parseInput(NonEmpty, meta.reason ?? `set to ${s}`, 'reason');
  await writeStatusChange(db, { versionId: id, to: s, by, reason });
  const updated = await getModelVersion(db, id);
  if (updated === undefined)
    throw new PermanentError('MODEL_NOT_FOUND', `model version ${id} does not exist`, { id });
  return updated;
}
