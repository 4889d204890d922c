/**
 * `mmflow slots list | show ID | create …`: engine slots (db/repositories/deployments.ts) with their
 * desired and applied state and heartbeat, from PostgreSQL (DATABASE_URL, else the embedded database).
 * `create` is idempotent for an identical spec and prints the slot as JSON on its last line.
 */
import Table from 'cli-table3';
import { z } from 'zod';
import { listSlotChanges, type SlotChange } from '../db/repositories/deployment-changes.ts';
import {
  createSlot,
  DesiredState,
  getSlot,
  listSlots,
  SlotSpec,
  type Slot,
} from '../db/repositories/deployments.ts';
import { safeUserName } from './kill.ts';
import { withCliDatabase } from './cli-database.ts';
import { iso } from './models.ts';

/** A fraction 0–1 as a percentage, e.g. `25 %`. */
const pct = (f: number): string => `${Number((f * 100).toFixed(2))} %`;

/** Age of a heartbeat at `nowMs`, e.g. `1.2 s ago`; `never` without one. */
function age(atMs: number | undefined, nowMs: number): string {
  return atMs === undefined ? 'never' : `${((nowMs - atMs) / 1000).toFixed(1)} s ago`;
}

/** The slots table at `nowMs` (pure). */
export function renderSlots(slots: readonly Slot[], nowMs: number): string {
  const table = new Table({
    head: ['slot', 'venue / account', 'symbol', 'mode', 'desired (rev)', 'applied (rev)', 'heartbeat'],
  });
  for (const s of slots)
    table.push([
      s.id,
      `${s.venue} / ${s.account}`,
      s.symbol,
      s.mode,
      `${s.desired.model} ${pct(s.desired.capitalFraction)} ${s.desired.riskState} (${s.desired.revision})`,
      s.applied === undefined
        ? 'not applied'
        : `${s.applied.version} ${pct(s.applied.capitalFraction)} ${s.applied.riskState} (${s.applied.revision})`,
      age(s.heartbeatAtMs, nowMs),
    ]);
  return table.toString();
}

/** The change log table of a slot (pure). */
export function renderSlotChanges(changes: readonly SlotChange[]): string {
  const table = new Table({
    head: ['rev', 'time (UTC)', 'model', 'capital', 'risk', 'who', 'why', 'workflow'],
    wordWrap: true,
    colWidths: [6, 26, 28, 10, 9, 14, 36, 30],
  });
  for (const c of changes)
    table.push([
      String(c.revision),
      iso(c.atMs),
      c.model,
      pct(c.capitalFraction),
      c.riskState,
      c.by,
      c.reason,
      c.workflowId ?? '',
    ]);
  return table.toString();
}

/** `slots list [--json]`. */
export async function runSlotsListCommand(opts: { json?: boolean }): Promise<number> {
  return withCliDatabase('slots list', async (db) => {
    const slots = await listSlots(db);
    process.stdout.write(`${opts.json === true ? JSON.stringify(slots) : renderSlots(slots, Date.now())}\n`);
    return 0;
  });
}

/** `slots show ID [--json] [--limit N]`: the slot and its recent changes. @returns 1 if unknown. */
export async function runSlotsShowCommand(
  id: string,
  opts: { json?: boolean; limit?: number },
): Promise<number> {
  return withCliDatabase('slots show', async (db) => {
    const slot = await getSlot(db, id);
    if (slot === undefined) {
      process.stderr.write(`mmflow slots show: no slot "${id}"\n`);
      return 1;
    }
    const changes = await listSlotChanges(db, id, { limit: opts.limit ?? 20 });
    process.stdout.write(
      opts.json === true
        ? `${JSON.stringify({ slot, changes })}\n`
        : `${renderSlots([slot], Date.now())}\n\ndesired-state changes (last ${changes.length}):\n${renderSlotChanges(changes)}\n`,
    );
    return 0;
  });
}

/** Options of `slots create`. */
export interface SlotsCreateOptions {
  readonly id: string;
  readonly venue: string;
  readonly account: string;
  readonly symbol: string;
  readonly mode: string;
  readonly modelName: string;
  /** `champion` (default), `challenger` or `<name>@<n>`. */
  readonly model?: string;
  /** 0–1, default 1. */
  readonly fraction?: number;
  /** `active` (default) or `halted`. */
  readonly risk?: string;
  readonly by?: string;
  readonly reason: string;
}

/**
 * `slots create …`: prints the slot (JSON, last line).
 * @returns 2 for an invalid field (named on stderr); 1 for a refused spec (SLOT_EXISTS, model ref).
 */
export async function runSlotsCreateCommand(opts: SlotsCreateOptions): Promise<number> {
  const spec = SlotSpec.safeParse({
    id: opts.id,
    venue: opts.venue,
    account: opts.account,
    symbol: opts.symbol,
    mode: opts.mode,
    modelName: opts.modelName,
  });
  const desired = DesiredState.safeParse({
    model: opts.model ?? 'champion',
    capitalFraction: opts.fraction ?? 1,
    riskState: opts.risk ?? 'active',
  });
  if (!spec.success || !desired.success) {
    const error = spec.error ?? desired.error;
    process.stderr.write(`mmflow slots create: ${error === undefined ? '' : z.prettifyError(error)}\n`);
    return 2;
  }
  return withCliDatabase('slots create', async (db) => {
    const slot = await createSlot(db, spec.data, desired.data, opts.by ?? safeUserName(), opts.reason);
    process.stdout.write(`${renderSlots([slot], Date.now())}\n${JSON.stringify(slot)}\n`);
    return 0;
  });
}
