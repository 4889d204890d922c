/**
 * The data-quality gate's record: one `data_quality_gates` row per gate run (rules, sessions, dataset
 * digests) and one `data_quality_windows` row per graded window, keyed (gate_id, session_id, start_us).
 * Saving the same gate id again is an idempotent upsert: the gate row and every window are overwritten,
 * and windows of that gate that are no longer produced (e.g. after a rules change) are deleted, so a
 * rerun leaves exactly the rows of its own result.
 */
import { z } from 'zod';
import { EXCLUSION_REASONS, type QualityRules, type WindowQuality } from '../../core/dataset/windows.ts';
import {
  EpochMsOutput,
  JsonObject,
  NonEmpty,
  parseInput,
  parseRows,
  SafeIntInput,
  SafeIntOutput,
} from '../codec.ts';
import { execute } from '../errors.ts';
import type { Queryable } from '../queryable.ts';

const Count = SafeIntInput.min(0);
const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case hex sha256');
const Reason = z.enum(EXCLUSION_REASONS);

const WindowInput = z
  .object({
    sessionId: NonEmpty,
    startUs: SafeIntInput,
    endUs: SafeIntInput,
    depthEvents: Count,
    trades: Count,
    gaps: Count,
    resyncs: Count,
    crossed: Count,
    maxTradeGapMs: Count,
    included: z.boolean(),
    reasons: z.array(Reason),
  })
  .refine((w) => w.endUs > w.startUs, { message: 'endUs must be > startUs', path: ['endUs'] })
  .refine((w) => w.included === (w.reasons.length === 0), {
    message: 'a window is included exactly when it has no reason',
    path: ['reasons'],
  });

/** A gate run as saved by {@link saveQualityGate}. */
export const QualityGateInput = z
  .object({
    /** Idempotency key of the gate, e.g. `dqg:<workflowId>.<stepId>`. */
    id: NonEmpty,
    rules: z.object({ windowMs: Count, maxTradeGapMs: Count, minTrades: Count }),
    sessions: z.array(NonEmpty),
    /** sessionId → sha256 (hex) of its depth then trades file bytes. */
    datasetDigests: z.record(z.string(), Sha256Hex),
    windows: z.array(WindowInput),
  })
  .refine(
    (g) => {
      const keys = new Set(g.windows.map((w) => `${w.sessionId}\u0000${w.startUs}`));
      return keys.size === g.windows.length;
    },
    { message: 'two windows share (sessionId, startUs)', path: ['windows'] },
  );
/** What {@link saveQualityGate} takes (the gate activity's result plus its rules and sessions). */
export interface QualityGateRecord {
  readonly id: string;
  readonly rules: QualityRules;
  readonly sessions: readonly string[];
  readonly datasetDigests: Readonly<Record<string, string>>;
  readonly windows: readonly WindowQuality[];
}

/** A saved gate with its windows (ordered by session, then start). */
export interface QualityGate {
  readonly id: string;
  readonly rules: { readonly windowMs: number; readonly maxTradeGapMs: number; readonly minTrades: number };
  readonly sessions: readonly string[];
  readonly datasetDigests: Readonly<Record<string, string>>;
  readonly windowsTotal: number;
  readonly windowsIncluded: number;
  readonly windows: readonly WindowQuality[];
  /** First save / last save, Unix epoch ms. */
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

/** Rows per window statement (12 array parameters each). */
const CHUNK = 5_000;

/**
 * Saves (or overwrites, by id) a gate and all its windows; see the module doc for rerun semantics.
 * Three statements (gate, stale windows, windows), each idempotent, so a retry after a failure between
 * them converges to the same rows.
 * @throws PermanentError `DB_INVALID_INPUT` naming the bad field; TransientError | PermanentError from SQL.
 */
export async function saveQualityGate(db: Queryable, gate: QualityGateRecord): Promise<void> {
  const g = parseInput(QualityGateInput, gate, 'data-quality gate');
  const included = g.windows.filter((w) => w.included).length;
  await execute(
    db,
    `save data-quality gate ${g.id}`,
    `INSERT INTO data_quality_gates (id, rules, sessions, dataset_digests, windows_total, windows_included)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO UPDATE SET rules = EXCLUDED.rules, sessions = EXCLUDED.sessions,
       dataset_digests = EXCLUDED.dataset_digests, windows_total = EXCLUDED.windows_total,
       windows_included = EXCLUDED.windows_included, updated_at = now()`,
    [g.id, JSON.stringify(g.rules), g.sessions, JSON.stringify(g.datasetDigests), g.windows.length, included],
  );
  await execute(
    db,
    `delete stale windows of data-quality gate ${g.id}`,
    `DELETE FROM data_quality_windows w
      WHERE w.gate_id = $1
        AND NOT EXISTS (SELECT 1 FROM unnest($2::text[], $3::bigint[]) AS k(session_id, start_us)
                         WHERE k.session_id = w.session_id AND k.start_us = w.start_us)`,
    [g.id, g.windows.map((w) => w.sessionId), g.windows.map((w) => w.startUs)],
  );
  for (let start = 0; start < g.windows.length; start += CHUNK) {
    const chunk = g.windows.slice(start, start + CHUNK);
    const col = <T>(f: (w: (typeof chunk)[number]) => T): T[] => chunk.map(f);
    await execute(
      db,
      `save windows ${start}..${start + chunk.length - 1} of data-quality gate ${g.id}`,
      `INSERT INTO data_quality_windows (gate_id, session_id, start_us, end_us, depth_events, trades, gaps,
         resyncs, crossed, max_trade_gap_ms, included, reasons)
       SELECT $1, u.session_id, u.start_us, u.end_us, u.depth_events, u.trades, u.gaps, u.resyncs, u.crossed,
              u.max_trade_gap_ms, u.included, string_to_array(u.reasons, ',')
         FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::integer[], $6::integer[], $7::integer[],
                     $8::integer[], $9::integer[], $10::bigint[], $11::boolean[], $12::text[])
           AS u(session_id, start_us, end_us, depth_events, trades, gaps, resyncs, crossed, max_trade_gap_ms,
                included, reasons)
       ON CONFLICT (gate_id, session_id, start_us) DO UPDATE SET end_us = EXCLUDED.end_us,
         depth_events = EXCLUDED.depth_events, trades = EXCLUDED.trades, gaps = EXCLUDED.gaps,
         resyncs = EXCLUDED.resyncs, crossed = EXCLUDED.crossed, max_trade_gap_ms = EXCLUDED.max_trade_gap_ms,
         included = EXCLUDED.included, reasons = EXCLUDED.reasons`,
      [
        g.id,
        col((w) => w.sessionId),
        col((w) => w.startUs),
        col((w) => w.endUs),
        col((w) => w.depthEvents),
        col((w) => w.trades),
        col((w) => w.gaps),
        col((w) => w.resyncs),
        col((w) => w.crossed),
        col((w) => w.maxTradeGapMs),
        col((w) => w.included),
        // Reasons are from a fixed set of comma-free names; '' → '{}' (string_to_array of '' is empty).
        col((w) => w.reasons.join(',')),
      ],
    );
  }
}

const GateRow = z.object({
  id: z.string(),
  rules: z.object({ windowMs: SafeIntOutput, maxTradeGapMs: SafeIntOutput, minTrades: SafeIntOutput }),
  sessions: z.array(z.string()),
  dataset_digests: JsonObject.pipe(z.record(z.string(), z.string())),
  windows_total: SafeIntOutput,
  windows_included: SafeIntOutput,
  created_at: EpochMsOutput,
  updated_at: EpochMsOutput,
});

const WindowRow = z
  .object({
    session_id: z.string(),
    start_us: SafeIntOutput,
    end_us: SafeIntOutput,
    depth_events: SafeIntOutput,
    trades: SafeIntOutput,
    gaps: SafeIntOutput,
    resyncs: SafeIntOutput,
    crossed: SafeIntOutput,
    max_trade_gap_ms: SafeIntOutput,
    included: z.boolean(),
    reasons: z.array(z.string()),
  })
  .transform((r): WindowQuality => ({
    sessionId: r.session_id,
    startUs: r.start_us,
    endUs: r.end_us,
    depthEvents: r.depth_events,
    trades: r.trades,
    gaps: r.gaps,
    resyncs: r.resyncs,
    crossed: r.crossed,
    maxTradeGapMs: r.max_trade_gap_ms,
    included: r.included,
    reasons: r.reasons,
  }));

/** The gate with this id and its windows, or undefined. */
export async function getQualityGate(db: Queryable, id: string): Promise<QualityGate | undefined> {
  const gates = await execute(
    db,
    `read data-quality gate ${id}`,
    `SELECT id, rules, sessions, dataset_digests, windows_total, windows_included, created_at, updated_at
       FROM data_quality_gates WHERE id = $1`,
    [id],
  );
  const [gate] = parseRows(GateRow, gates.rows, 'data_quality_gates row');
  if (gate === undefined) return undefined;
  const windows = await execute(
    db,
    `read windows of data-quality gate ${id}`,
    `SELECT session_id, start_us, end_us, depth_events, trades, gaps, resyncs, crossed, max_trade_gap_ms,
            included, reasons
       FROM data_quality_windows WHERE gate_id = $1 ORDER BY session_id, start_us`,
    [id],
  );
  return {
    id: gate.id,
    rules: gate.rules,
    sessions: gate.sessions,
    datasetDigests: gate.dataset_digests,
    windowsTotal: gate.windows_total,
    windowsIncluded: gate.windows_included,
    windows: parseRows(WindowRow, windows.rows, 'data_quality_windows row'),
    createdAtMs: gate.created_at,
    updatedAtMs: gate.updated_at,
  };
}
