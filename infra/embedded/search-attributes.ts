/**
 * The custom search attributes mmflow's workflows set, so runs can be listed by pipeline, model
 * version, step and outcome in the Temporal UI and `temporal workflow list --query`.
 */
import type { Connection } from '@temporalio/client';
import proto from '@temporalio/proto'; // CommonJS: no named exports under Node's ESM loader
import type { Log } from '../log.ts';

const { IndexedValueType } = proto.temporal.api.enums.v1;

/** Name → Temporal indexed value type of every custom search attribute mmflow uses (all Keyword). */
export const MMFLOW_SEARCH_ATTRIBUTES = {
  /** Pipeline name from the pipeline YAML, e.g. `nightly-retrain`. */
  MmflowPipeline: 'Keyword',
  /** Model version id, e.g. `as-v1-alpha@3`. */
  MmflowModelVersion: 'Keyword',
  /** Current pipeline step id. */
  MmflowStep: 'Keyword',
  /** Final outcome, e.g. `promoted`, `rejected`, `failed`. */
  MmflowOutcome: 'Keyword',
} as const;

/** One of mmflow's search attribute names. */
export type MmflowSearchAttribute = keyof typeof MMFLOW_SEARCH_ATTRIBUTES;

/** `--search-attribute Name=Keyword` flags for `temporal server start-dev`. */
export function searchAttributeFlags(): string[] {
  return Object.entries(MMFLOW_SEARCH_ATTRIBUTES).flatMap(([name, type]) => [
    '--search-attribute',
    `${name}=${type}`,
  ]);
}

/**
 * The custom search attributes registered in `namespace`, as name → type name (`KEYWORD`, `TEXT`, …).
 * @throws the gRPC error if the server is unreachable or refuses.
 */
export async function listCustomSearchAttributes(
  connection: Connection,
  namespace: string,
): Promise<Record<string, string>> {
  const response = await connection.operatorService.listSearchAttributes({ namespace });
  const result: Record<string, string> = {};
  for (const [name, type] of Object.entries(response.customAttributes ?? {})) {
    result[name] = (IndexedValueType[type] ?? String(type)).replace(/^INDEXED_VALUE_TYPE_/, '');
  }
  return result;
}

/**
 * Registers any of mmflow's search attributes missing from `namespace` (idempotent). The dev server
 * registers its `--search-attribute` flags only when it creates its database, so a persisted database
 * from an older mmflow needs this.
 * @throws the gRPC error, or Error if a name exists with another type.
 */
export async function ensureSearchAttributes(
  connection: Connection,
  namespace: string,
  log: Log,
): Promise<void> {
  const existing = await listCustomSearchAttributes(connection, namespace);
  const missing: Record<string, proto.temporal.api.enums.v1.IndexedValueType> = {};
  for (const name of Object.keys(MMFLOW_SEARCH_ATTRIBUTES)) {
    const type = existing[name];
    if (type === undefined) missing[name] = IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
    else if (type !== 'KEYWORD')
      throw new Error(`search attribute ${name} exists with type ${type}, expected KEYWORD`);
  }
  if (Object.keys(missing).length === 0) return;
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  log.info({ namespace, added: Object.keys(missing) }, 'registered temporal search attributes');
}
