/**
 * The risk layer's persistent state (migration 0011, docs/adr/0011-risk-layer.md):
 * - the kill-switch latch per engine id (`kill_switches`), written by `mmflow kill` / `mmflow resume`,
 *   by the engine's `POST /kill`, and by any future workflow activity through {@link killEngine} /
 *   {@link resumeEngine} (the "path for workflows"); read by the engine at start and every ~1 s;
 * - the risk gate's transitions of each engine run (`risk_events`), idempotent on (run id, seq).
 */
import { z } from 'zod';
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

const RiskStateName = z.enum(['active', 'reducing', 'halted']);

/** A kill or a resume: who, why, when. */
export const LatchChange = z.object({
  /** Stable engine name (engine config `engineId`), not a run id. */
  engineId: NonEmpty,
  /** Operator or system that acts, e.g. `alice`, `http`, `risk-gate`. */
  by: NonEmpty,
  /** Free text, stored as given. */
  reason: NonEmpty,
  /** Unix epoch ms. */
  atMs: SafeIntInput,
});
export type LatchChange = z.input<typeof LatchChange>;

/** The kill-switch row of an engine. */
export interface KillSwitch {
  readonly engineId: string;
  /** True while killed (no resume since the last kill). */
  readonly killed: boolean;
  /** Unix epoch ms. */
  readonly killedAtMs: number;
  readonly killedBy: string;
  readonly reason: string;
  /** Unix epoch ms; undefined while killed. */
  readonly resumedAtMs: number | undefined;
  readonly resumedBy: string | undefined;
  readonly resumeReason: string | undefined;
}

const KillSwitchRow = z
  .object({
    engine_id: z.string(),
    killed_at: EpochMsOutput,
    killed_by: z.string(),
    reason: z.string(),
    resumed_at: EpochMsOutput.nullable(),
    resumed_by: z.string().nullable(),
    resume_reason: z.string().nullable(),
  })
  .transform((r): KillSwitch => ({
    engineId: r.engine_id,
    killed: r.resumed_at === null,
    killedAtMs: r.killed_at,
    killedBy: r.killed_by,
    reason: r.reason,
    resumedAtMs: r.resumed_at ?? undefined,
    resumedBy: r.resumed_by ?? undefined,
    resumeReason: r.resume_reason ?? undefined,
  }));

/**
 * Latches the kill switch of `engineId` (idempotent while killed: the first kill's who/why/when are
 * kept). The engine halts within its poll interval and stays halted across restarts until resumed.
 * @returns `created: false` when it was already killed.
 */
export async function killEngine(db: Queryable, change: LatchChange): Promise<{ created: boolean }> {
  const c = parseInput(LatchChange, change, 'kill switch');
  const result = await execute(
    db,
    `kill engine ${c.engineId}`,
    `INSERT INTO kill_switches (engine_id, killed_at, killed_by, reason)
     VALUES ($1, ${msToTimestamptz('$2')}, $3, $4)
     ON CONFLICT (engine_id) DO UPDATE
       SET killed_at = EXCLUDED.killed_at, killed_by = EXCLUDED.killed_by, reason = EXCLUDED.reason,
           resumed_at = NULL, resumed_by = NULL, resume_reason = NULL
       WHERE kill_switches.resumed_at IS NOT NULL`,
    [c.engineId, c.atMs, c.by, c.reason],
  );
  return { created: result.rowCount === 1 };
}

/**
 * Lifts the kill switch of `engineId`.
 * @returns `resumed: false` when it was not killed (nothing changes).
 * @throws PermanentError `DB_CONSTRAINT` when `atMs` is before the kill.
 */
export async function resumeEngine(db: Queryable, change: LatchChange): Promise<{ resumed: boolean }> {
  const c = parseInput(LatchChange, change, 'resume');
  const result = await execute(
    db,
    `resume engine ${c.engineId}`,
    `UPDATE kill_switches SET resumed_at = GREATEST(${msToTimestamptz('$2')}, killed_at), resumed_by = $3, resume_reason = $4
     WHERE engine_id = $1 AND resumed_at IS NULL`,
    [c.engineId, c.atMs, c.by, c.reason],
  );
  return { resumed: result.rowCount === 1 };
}

/** The kill-switch row of `engineId`, or undefined when it was never killed. */
export async function getKillSwitch(db: Queryable, engineId: string): Promise<KillSwitch | undefined> {
  const result = await execute(
    db,
    `read kill switch ${engineId}`,
    `SELECT engine_id, killed_at, killed_by, reason, resumed_at, resumed_by, resume_reason
     FROM kill_switches WHERE engine_id = $1`,
    [engineId],
  );
  return parseRows(KillSwitchRow, result.rows, 'kill_switches')[0];
}

/** One transition of a run's risk gate (core/risk/risk-state.ts RiskTransition, numbered). */
export const RiskEventRecord = z.object({
  /** Position within the run, from 0 (the idempotency key with the run id). */
  seq: SafeIntInput.min(0),
  /** Engine time, Unix epoch µs. */
  atUs: SafeIntInput,
  from: RiskStateName,
  to: RiskStateName,
  reason: NonEmpty,
  /** Measured value and limit, in the limit's unit; absent: none. */
  value: z.number().finite().optional(),
  limit: z.number().finite().optional(),
  note: z.string().optional(),
});
export type RiskEventRecord = z.input<typeof RiskEventRecord>;

/** A stored risk event. */
export type StoredRiskEvent = z.output<typeof RiskEventRecord> & {
  readonly runId: string;
  readonly engineId: string;
};

/**
 * Stores risk transitions of run `runId` (idempotent on seq). @returns rows written.
 * @throws PermanentError `DB_CONSTRAINT` for an unknown run.
 */
export async function insertRiskEvents(
  db: Queryable,
  runId: string,
  engineId: string,
  events: readonly RiskEventRecord[],
): Promise<number> {
  let written = 0;
  for (const raw of events) {
    const e = parseInput(RiskEventRecord, raw, 'risk event');
    const result = await execute(
      db,
      `insert risk event ${runId}#${e.seq}`,
      `INSERT INTO risk_events (run_id, seq, engine_id, at_us, from_state, to_state, reason, value, limit_value, note)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (run_id, seq) DO NOTHING`,
      [
        runId,
        e.seq,
        engineId,
        e.atUs,
        e.from,
        e.to,
        e.reason,
        e.value ?? null,
        e.limit ?? null,
        e.note ?? null,
      ],
    );
    written += result.rowCount ?? 0;
  }
  return written;
}

const RiskEventRow = z
  .object({
    run_id: z.string(),
    engine_id: z.string(),
    seq: SafeIntOutput,
    at_us: SafeIntOutput,
    from_state: RiskStateName,
    to_state: RiskStateName,
    reason: z.string(),
    value: z.number().nullable(),
    limit_value: z.number().nullable(),
    note: z.string().nullable(),
  })
  .transform((r): StoredRiskEvent => ({
    runId: r.run_id,
    engineId: r.engine_id,
    seq: r.seq,
    atUs: r.at_us,
    from: r.from_state,
    to: r.to_state,
    reason: r.reason,
    ...(r.value === null ? {} : { value: r.value }),
    ...(r.limit_value === null ? {} : { limit: r.limit_value }),
    ...(r.note === null ? {} : { note: r.note }),
  }));

/** The risk events of an engine (all its runs), oldest first. */
export async function listRiskEvents(db: Queryable, engineId: string): Promise<StoredRiskEvent[]> {
  const result = await execute(
    db,
    `list risk events of ${engineId}`,
    `SELECT run_id, engine_id, seq, at_us, from_state, to_state, reason, value, limit_value, note
     FROM risk_events WHERE engine_id = $1 ORDER BY recorded_at, run_id, seq`,
    [engineId],
  );
  return parseRows(RiskEventRow, result.rows, 'risk_events');
}
