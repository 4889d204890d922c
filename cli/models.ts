/**
 * `mmflow models list | show NAME@N | history NAME | at NAME TIME`: the model registry, its status
 * (alias) history and the evidence of promotions, from PostgreSQL (DATABASE_URL, else the embedded
 * database). `at` answers "which version was champion at TIME" with one query (championAt) and prints
 * the answer as JSON on its last line.
 */
import Table from 'cli-table3';
import { withCliDatabase } from './cli-database.ts';
import { listEvidence, type EvidenceRow } from '../db/repositories/model-evidence.ts';
import { championAt, modelHistory, type HistoryRow } from '../db/repositories/model-history.ts';
import {
  getModelVersion,
  listModelVersions,
  ModelStatus,
  type ModelVersion,
} from '../db/repositories/models.ts';

/** ISO 8601 UTC of Unix epoch ms. */
export const iso = (ms: number): string => new Date(ms).toISOString();

/** JSON of `value`, cut to `max` characters. */
export function brief(value: unknown, max = 80): string {
  const text = JSON.stringify(value) ?? '';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Parses a time argument: Unix epoch ms (digits) or an ISO 8601 date-time (`2026-12-07T08:00:00Z`,
 * offset or `Z` optional, then UTC) or date (`2026-12-07`, midnight UTC).
 * @returns epoch ms, or undefined when `text` is neither.
 */
export function parseTimeArg(text: string): number | undefined {
  if (/^\d{1,16}$/.test(text)) return Number(text);
  const isoLike = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
  if (!isoLike.test(text)) return undefined;
  const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/.test(text) && text.length > 10;
  const ms = Date.parse(text.length > 10 && !hasZone ? `${text}Z` : text);
  return Number.isFinite(ms) ? ms : undefined;
}

/** The versions table (pure). */
export function renderVersions(versions: readonly ModelVersion[]): string {
  const table = new Table({ head: ['version', 'kind', 'status', 'parent', 'created (UTC)'] });
  for (const v of versions) table.push([v.id, v.kind, v.status, v.parentId ?? '', iso(v.createdAtMs)]);
  return table.toString();
}

/** A status history table (pure). */
export function renderHistory(rows: readonly HistoryRow[]): string {
  const table = new Table({
    head: ['time (UTC)', 'version', 'from → to', 'who', 'why', 'workflow / run'],
    wordWrap: true,
    colWidths: [26, 30, 26, 14, 40, 36],
  });
  for (const r of rows)
    table.push([
      iso(r.atMs),
      r.versionId,
      `${r.from} → ${r.to}`,
      r.by,
      r.reason,
      [r.workflowId, r.runId].filter((x) => x !== undefined).join(' / '),
    ]);
  return table.toString();
}

/** An evidence table (pure). */
export function renderEvidence(rows: readonly EvidenceRow[]): string {
  const table = new Table({
    head: ['time (UTC)', 'kind', 'who', 'workflow', 'payload'],
    wordWrap: true,
    colWidths: [26, 14, 14, 30, 70],
  });
  for (const e of rows) table.push([iso(e.atMs), e.kind, e.by, e.workflowId ?? '', brief(e.payload, 200)]);
  return table.toString();
}

/** `models list [--name N] [--status S] [--json]`. @returns the exit code (2: bad status). */
export async function runModelsListCommand(opts: {
  name?: string;
  status?: string;
  json?: boolean;
}): Promise<number> {
  const status = opts.status === undefined ? undefined : ModelStatus.safeParse(opts.status);
  if (status !== undefined && !status.success) {
    process.stderr.write(`mmflow models list: --status must be one of ${ModelStatus.options.join(', ')}\n`);
    return 2;
  }
  return withCliDatabase('models list', async (db) => {
    const versions = await listModelVersions(db, {
      ...(opts.name === undefined ? {} : { name: opts.name }),
      ...(status?.data === undefined ? {} : { status: status.data }),
    });
    process.stdout.write(
      `${opts.json === true ? JSON.stringify(versions.map((v) => ({ id: v.id, kind: v.kind, status: v.status, parentId: v.parentId ?? null, createdAtMs: v.createdAtMs }))) : renderVersions(versions)}\n`,
    );
    return 0;
  });
}

/** `models show NAME@N [--json]`: the version, its history and its evidence. @returns 1 if unknown. */
export async function runModelsShowCommand(id: string, opts: { json?: boolean }): Promise<number> {
  return withCliDatabase('models show', async (db) => {
    const version = await getModelVersion(db, id);
    if (version === undefined) {
      process.stderr.write(`mmflow models show: no model version "${id}"\n`);
      return 1;
    }
    const history = await modelHistory(db, version.name, { versionId: id });
    const evidence = await listEvidence(db, id);
    if (opts.json === true) {
      process.stdout.write(`${JSON.stringify({ version, history, evidence })}\n`);
      return 0;
    }
    const details = new Table({ wordWrap: true, colWidths: [16, 100] });
    details.push(
      ['version', version.id],
      ['kind', version.kind],
      ['status', version.status],
      ['parent', version.parentId ?? ''],
      ['created (UTC)', iso(version.createdAtMs)],
      ['params', brief(version.params, 400)],
      ['metrics', brief(version.metrics, 400)],
      ['artifacts', version.artifacts.map((a) => `${a.kind} ${a.path}`).join('\n')],
    );
    process.stdout.write(
      `${details.toString()}\n\nstatus history (${history.length}):\n${renderHistory(history)}\n\n` +
        `evidence (${evidence.length}):\n${renderEvidence(evidence)}\n`,
    );
    return 0;
  });
}

/** `models history NAME [--limit N] [--json]`: every status change of the name, oldest first. */
export async function runModelsHistoryCommand(
  name: string,
  opts: { limit?: number; json?: boolean },
): Promise<number> {
  return withCliDatabase('models history', async (db) => {
    const rows = await modelHistory(db, name, opts.limit === undefined ? {} : { limit: opts.limit });
    process.stdout.write(`${opts.json === true ? JSON.stringify(rows) : renderHistory(rows)}\n`);
    return 0;
  });
}

/**
 * `models at NAME TIME`: the version that was champion at TIME. Prints one sentence, then
 * `{"name","atMs","at","champion":id|null}` as the last line. @returns 2 for a bad TIME.
 */
export async function runModelsAtCommand(name: string, time: string): Promise<number> {
  const atMs = parseTimeArg(time);
  if (atMs === undefined) {
    process.stderr.write(
      `mmflow models at: TIME must be ISO 8601 (e.g. 2026-12-07T08:00:00Z) or Unix epoch ms, got "${time}"\n`,
    );
    return 2;
  }
  return withCliDatabase('models at', async (db) => {
    const champion = await championAt(db, name, atMs);
    process.stdout.write(
      champion === undefined
        ? `no version of ${name} was champion at ${iso(atMs)}\n`
        : `champion of ${name} at ${iso(atMs)}: ${champion}\n`,
    );
    process.stdout.write(`${JSON.stringify({ name, atMs, at: iso(atMs), champion: champion ?? null })}\n`);
    return 0;
  });
}
