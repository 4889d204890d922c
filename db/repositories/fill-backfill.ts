/**
 * The reads the restart back-fill of own trades needs (native/reconcile-backfill.ts;
 * docs/adr/0015-reconciliation.md "Back-fill"): which run owns a client order id, the live run of an
 * engine before a time, the fills already stored for an order, and the next fill seq of a run.
 * Writes go through ./engine-runs.ts (`insertOrders`, `insertFills`), idempotent per row key.
 */
import { z } from 'zod';
import { msToTimestamptz, parseRows } from '../codec.ts';
import { execute } from '../errors.ts';
import type { Queryable } from '../queryable.ts';

/**
 * The run that stored order `clientOrderId`, other than `exceptRunId`; undefined if none did.
 * (Client ids carry a run prefix, so at most one run has it.)
 */
export async function runOfOrder(
  db: Queryable,
  clientOrderId: string,
  exceptRunId: string,
): Promise<string | undefined> {
  const r = await execute(
    db,
    `run of order ${clientOrderId}`,
    `SELECT run_id FROM orders WHERE client_order_id = $1 AND run_id <> $2 LIMIT 1`,
    [clientOrderId, exceptRunId],
  );
  return parseRows(z.object({ run_id: z.string() }), r.rows, 'orders')[0]?.run_id;
}

/** An engine run and its start. */
export interface RunStart {
  readonly id: string;
  /** Unix ms. */
  readonly startedMs: number;
}

/**
 * The live engine runs of `venue`/`symbol` other than `exceptRunId` that started at or before `atMs`
 * (Unix ms), latest first, at most `limit`.
 */
export async function liveRunsBefore(
  db: Queryable,
  venue: string,
  symbol: string,
  atMs: number,
  exceptRunId: string,
  limit = 100,
): Promise<RunStart[]> {
  const r = await execute(
    db,
    `live runs of ${venue} ${symbol} before ${atMs}`,
    `SELECT id, (EXTRACT(EPOCH FROM started_at) * 1000)::bigint::text AS ms FROM engine_runs
      WHERE mode = 'live' AND venue = $1 AND symbol = $2 AND id <> $4
        AND started_at <= ${msToTimestamptz('$3')}
      ORDER BY started_at DESC, id DESC LIMIT $5`,
    [venue, symbol, atMs, exceptRunId, limit],
  );
  return parseRows(z.object({ id: z.string(), ms: z.string() }), r.rows, 'engine_runs').map((x) => ({
    id: x.id,
    startedMs: Number(x.ms),
  }));
}

/** A stored fill's identity: its trade id when known, else its time (µs) and size (base units). */
export interface StoredFillKey {
  readonly tradeId: string | undefined;
  readonly timeUs: number;
  /** Exact decimal text as stored. */
  readonly size: string;
}

const KeyRow = z.object({
  trade_id: z.string().nullable(),
  time_us: z.union([z.string(), z.number()]).transform(Number),
  size: z.string(),
});

/** The fills of order `clientOrderId` stored for run `runId`. */
export async function fillKeysOfOrder(
  db: Queryable,
  runId: string,
  clientOrderId: string,
): Promise<StoredFillKey[]> {
  const r = await execute(
    db,
    `fills of order ${clientOrderId}`,
    `SELECT trade_id, time_us, size::text AS size FROM fills WHERE run_id = $1 AND client_order_id = $2`,
    [runId, clientOrderId],
  );
  return parseRows(KeyRow, r.rows, 'fills').map((k) => ({
    tradeId: k.trade_id ?? undefined,
    timeUs: k.time_us,
    size: k.size,
  }));
}

/** The seq the next fill of run `runId` takes (max + 1; 0 for none). */
export async function nextFillSeq(db: Queryable, runId: string): Promise<number> {
  const r = await execute(
    db,
    `next fill seq of ${runId}`,
    `SELECT COALESCE(MAX(seq) + 1, 0)::text AS next FROM fills WHERE run_id = $1`,
    [runId],
  );
  return Number(parseRows(z.object({ next: z.string() }), r.rows, 'fills')[0]?.next ?? '0');
}

/**
 * Start of the latest live engine run of `venue`/`symbol` other than `exceptRunId`, Unix ms;
 * undefined if there is none.
 */
export async function previousLiveRunStartMs(
  db: Queryable,
  venue: string,
  symbol: string,
  exceptRunId: string,
): Promise<number | undefined> {
  const r = await execute(
    db,
    `previous live run of ${venue} ${symbol}`,
    `SELECT (EXTRACT(EPOCH FROM started_at) * 1000)::bigint::text AS ms FROM engine_runs
      WHERE mode = 'live' AND venue = $1 AND symbol = $2 AND id <> $3
      ORDER BY started_at DESC, id DESC LIMIT 1`,
    [venue, symbol, exceptRunId],
  );
  const ms = parseRows(z.object({ ms: z.string() }), r.rows, 'engine_runs')[0]?.ms;
  return ms === undefined ? undefined : Number(ms);
}
