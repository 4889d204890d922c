/**
 * The first step of a slot run's configuration (native/config.ts): which slot, which database, and the
 * slot's row as a {@link SlotBinding} (mode, venue, symbol, and the exact version its desired model ref
 * names now, ./slot-apply.ts `resolveSlotVersion`). The engine then applies the slot's full desired
 * state (capital fraction, risk state) before its first event (./slot-runner.ts).
 */
import type { Queryable } from '../../db/queryable.ts';
import { getSlot } from '../../db/repositories/deployments.ts';
import { ConfigError, type EngineCliOptions, type SlotBinding } from '../config.ts';
import { resolveSlotVersion } from './slot-apply.ts';

/** What a slot run needs before it can read its row. */
export interface SlotRequest {
  readonly slotId: string;
  readonly databaseUrl: string;
}

/**
 * The slot and database of a `--slot` run; undefined without `--slot` / MMFLOW_SLOT.
 * @throws ConfigError `slot` (empty id) or `databaseUrl` (none given).
 */
export function slotRequest(
  cli: EngineCliOptions,
  env: Readonly<Record<string, string | undefined>>,
): SlotRequest | undefined {
  const slotId = nonEmpty(cli.slot) ?? nonEmpty(env['MMFLOW_SLOT']);
  if (slotId === undefined) return undefined;
  const databaseUrl =
    nonEmpty(cli.dbUrl) ?? nonEmpty(env['MMFLOW_DATABASE_URL']) ?? nonEmpty(env['DATABASE_URL']);
  if (databaseUrl === undefined)
    throw new ConfigError('databaseUrl', '--db-url / MMFLOW_DATABASE_URL / DATABASE_URL', 'is required');
  return { slotId, databaseUrl };
}

/**
 * Reads slot `slotId` and resolves its desired model ref to a version.
 * @throws ConfigError `slot` for an unknown slot or a desired model that names no usable version (the
 *   resolution's code and message in the problem); DB errors as they are.
 */
export async function loadSlotBinding(db: Queryable, slotId: string): Promise<SlotBinding> {
  const slot = await getSlot(db, slotId);
  if (slot === undefined)
    throw new ConfigError('slot', '--slot / MMFLOW_SLOT', `no slot "${slotId}" in deployments`);
  let modelVersionId: string;
  try {
    modelVersionId = (await resolveSlotVersion(db, slot)).id;
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String(err.code) : 'ERROR';
    const message = err instanceof Error ? err.message : String(err);
    throw new ConfigError(
      'slot',
      '--slot / MMFLOW_SLOT',
      `slot ${slotId}: desired model ${slot.desired.model}: ${code}: ${message}`,
    );
  }
  return { slotId, mode: slot.mode, venue: slot.venue, symbol: slot.symbol, modelVersionId };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}
