/**
 * Cumulative metrics samples an engine following a slot writes every second (`deployment_metrics`,
 * migration 0013). Counters and PnL are cumulative since the engine run started: the difference of two
 * samples of one run is the interval's figure (core/promotion/interval-metrics.ts).
 * (deploymentId, engineRunId, seq) is the idempotency key.
 */
import { z } from 'zod';
import { insertBatch, type BatchColumn } from '../batch.ts';
import { parseInput, parseRows, NonEmpty, SafeIntInput, SafeIntOutput } from '../codec.ts';
import { execute } from '../errors.ts';
import type { Queryable } from '../queryable.ts';

const Count = SafeIntInput.min(0);
const Quote = z.number().finite();

/** One sample of a slot's engine run. */
export const SlotSample = z.object({
  deploymentId: NonEmpty,
  engineRunId: NonEmpty,
  /** Position within the engine run, from 0. */
  seq: Count,
  /** Wall time of the sample (engine process clock), Unix epoch ms. */
  atMs: SafeIntInput,
  /** Desired revision applied when sampled. */
  appliedRevision: SafeIntInput.min(1),
  /** Version quoting when sampled, `<name>@<n>`. */
  appliedVersion: NonEmpty,
  /** Applied capital fraction, 0–1. */
  capitalFraction: z.number().min(0).max(1),
  /** Cumulative net PnL after fees, marked to mid, quote currency. */
  netPnlQuote: Quote,
  /** Cumulative fees paid, quote currency. */
  feesQuote: Quote,
  /** Cumulative 1-s mark-out of settled fills, quote currency. */
  markout1sQuote: Quote,
  /** Fills whose 1-s mark-out is settled (cumulative). */
  markoutFills: Count,
  /** Signed inventory, lots. */
  inventoryLots: SafeIntInput,
  /** Cumulative fills. */
  fills: Count,
  /** Cumulative filled size, lots. */
  filledLots: Count,
  /** Cumulative orders placed. */
  quotesPlaced: Count,
  /** Cumulative order rejects. */
  rejects: Count,
  /** Orders of this engine working on the venue at the sample. */
  workingOrders: Count,
});
export type SlotSample = z.infer<typeof SlotSample>;

const COLUMNS: readonly BatchColumn<SlotSample>[] = [
  { name: 'deployment_id', type: 'text', value: (s) => s.deploymentId },
  { name: 'engine_run_id', type: 'text', value: (s) => s.engineRunId },
  { name: 'seq', type: 'bigint', value: (s) => s.seq },
  { name: 'at_ms', type: 'bigint', value: (s) => s.atMs },
  { name: 'applied_revision', type: 'bigint', value: (s) => s.appliedRevision },
  { name: 'applied_version', type: 'text', value: (s) => s.appliedVersion },
  { name: 'capital_fraction', type: 'double precision', value: (s) => s.capitalFraction },
  { name: 'net_pnl_quote', type: 'double precision', value: (s) => s.netPnlQuote },
  { name: 'fees_quote', type: 'double precision', value: (s) => s.feesQuote },
  { name: 'markout_1s_quote', type: 'double precision', value: (s) => s.markout1sQuote },
  { name: 'markout_fills', type: 'bigint', value: (s) => s.markoutFills },
  { name: 'inventory_lots', type: 'bigint', value: (s) => s.inventoryLots },
  { name: 'fills', type: 'bigint', value: (s) => s.fills },
  { name: 'filled_lots', type: 'bigint', value: (s) => s.filledLots },
  { name: 'quotes_placed', type: 'bigint', value: (s) => s.quotesPlaced },
  { name: 'rejects', type: 'bigint', value: (s) => s.rejects },
  { name: 'working_orders', type: 'integer', value: (s) => s.workingOrders },
];

/**
 * Stores samples, skipping those already stored (same slot, run and seq).
 * @returns how many were new.
 * @throws PermanentError `DB_INVALID_INPUT`, `DB_CONSTRAINT` (unknown slot).
 */
export async function insertSamples(db: Queryable, rows: readonly SlotSample[]): Promise<number> {
  const valid = parseInput(z.array(SlotSample), rows, 'slot samples');
  if (valid.length === 0) return 0;
  return insertBatch(
    db,
    'insert slot samples',
    'deployment_metrics',
    COLUMNS,
    valid,
    'ON CONFLICT DO NOTHING',
  );
}

const SampleDbRow = z
  .object({
    deployment_id: z.string(),
    engine_run_id: z.string(),
    seq: SafeIntOutput,
    at_ms: SafeIntOutput,
    applied_revision: SafeIntOutput,
    applied_version: z.string(),
    capital_fraction: z.number(),
    net_pnl_quote: z.number(),
    fees_quote: z.number(),
    markout_1s_quote: z.number(),
    markout_fills: SafeIntOutput,
    inventory_lots: SafeIntOutput,
    fills: SafeIntOutput,
    filled_lots: SafeIntOutput,
    quotes_placed: SafeIntOutput,
    rejects: SafeIntOutput,
    working_orders: z.number().int(),
  })
  .transform((r): SlotSample => ({
    deploymentId: r.deployment_id,
    engineRunId: r.engine_run_id,
    seq: r.seq,
    atMs: r.at_ms,
    appliedRevision: r.applied_revision,
    appliedVersion: r.applied_version,
    capitalFraction: r.capital_fraction,
    netPnlQuote: r.net_pnl_quote,
    feesQuote: r.fees_quote,
    markout1sQuote: r.markout_1s_quote,
    markoutFills: r.markout_fills,
    inventoryLots: r.inventory_lots,
    fills: r.fills,
    filledLots: r.filled_lots,
    quotesPlaced: r.quotes_placed,
    rejects: r.rejects,
    workingOrders: r.working_orders,
  }));

/**
 * The samples of slot `deploymentId` with `atMs` in [fromMs, toMs] (Unix epoch ms, both inclusive),
 * ordered by atMs then seq (all engine runs; split by `engineRunId` before differencing).
 */
export async function samplesBetween(
  db: Queryable,
  deploymentId: string,
  fromMs: number,
  toMs: number,
): Promise<SlotSample[]> {
  const from = parseInput(SafeIntInput, fromMs, 'from (epoch ms)');
  const to = parseInput(SafeIntInput, toMs, 'to (epoch ms)');
  const result = await execute(
    db,
    `read samples of slot ${deploymentId}`,
    `SELECT ${COLUMNS.map((c) => c.name).join(', ')} FROM deployment_metrics
     WHERE deployment_id = $1 AND at_ms BETWEEN $2 AND $3 ORDER BY at_ms, seq, engine_run_id`,
    [deploymentId, from, to],
  );
  return parseRows(SampleDbRow, result.rows, 'deployment_metrics');
}
