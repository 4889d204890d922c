/**
 * The `killEngine` / `resumeEngine` activities: the workflows' path to the kill switch
 * (docs/adr/0011-risk-layer.md). They write the same latch as `mmflow kill` / `mmflow resume` and the
 * engine's `POST /kill` (db/repositories/risk-state.ts, table `kill_switches`, one row per engine id);
 * a running engine halts (cancels everything) or resumes within its poll interval
 * (`MMFLOW_KILL_POLL_MS`, 1 s) and a killed one stays halted across restarts.
 *
 * Idempotency (STYLE §9): the latch itself is the key. A kill while killed keeps the first kill's
 * who/why/when (the repository's rule) and succeeds with `alreadyKilled: true`. A resume of an engine
 * that is not killed is a permanent error (`ENGINE_NOT_KILLED`): resuming nothing is an operator's
 * mistake worth surfacing — except on a retry (attempt > 1) that finds the row resumed with this very
 * `by` and `reason`, which is the previous attempt's own write whose completion was lost.
 * Both are short (two statements): no heartbeat, bounded by the proxy's start-to-close timeout.
 */
import { asyncLocalStorage } from '@temporalio/activity';
import { z } from 'zod';
import type { ActivityDeps } from './index.ts';
import { InvariantViolation, PermanentError } from '../core/errors.ts';
import {
  getKillSwitch,
  killEngine as latchKill,
  resumeEngine as liftKill,
  type KillSwitch,
} from '../db/repositories/risk-state.ts';

/** Input of both activities (and of the kill / resume workflows): who acts on which engine, and why. */
export const KillSwitchRequestSchema = z.strictObject({
  /** Stable engine name (`MMFLOW_ENGINE_ID`, e.g. `live:BTCUSDT`), not a run id. */
  engineId: z.string().trim().min(1).max(200),
  /** Free text, stored as given (trimmed); kept in `kill_switches` and in the workflow history. */
  reason: z.string().trim().min(1).max(2_000),
  /** Operator or system that acts, e.g. `alice`, `promotion:canary-btc`. */
  by: z.string().trim().min(1).max(200),
});
export type KillSwitchRequest = z.input<typeof KillSwitchRequestSchema>;

/** What {@link killEngine} returns: the latch as stored after the kill. */
export interface KillEngineResult {
  readonly engineId: string;
  /** True unless a resume landed between this kill and its read-back. */
  readonly killed: boolean;
  /** True when the engine was already killed by an earlier request, whose who/why/when are kept. */
  readonly alreadyKilled: boolean;
  /** When the latch was set, Unix epoch ms (the first kill's time when `alreadyKilled`). */
  readonly killedAtMs: number;
  readonly killedBy: string;
  readonly reason: string;
}

/** What {@link resumeEngine} returns: the latch as stored after the resume. */
export interface ResumeEngineResult {
  readonly engineId: string;
  /** When the latch was lifted, Unix epoch ms (never before `killedAtMs`). */
  readonly resumedAtMs: number;
  readonly resumedBy: string;
  readonly resumeReason: string;
  /** The kill that was lifted: when (Unix epoch ms), by whom, why. */
  readonly killedAtMs: number;
  readonly killedBy: string;
  readonly killReason: string;
}

type Deps = Pick<ActivityDeps, 'db' | 'log'>;

/**
 * Latches the kill switch of `engineId` (activity wall clock for the time).
 * @throws PermanentError `KILL_SWITCH_INVALID_INPUT` naming the field; the repository's
 *   `DB_*` errors (transient ones are retried by the caller's policy)
 */
export async function killEngine(deps: Deps, raw: KillSwitchRequest): Promise<KillEngineResult> {
  const req = parseRequest(raw, 'kill-engine');
  const { created } = await latchKill(deps.db, { ...req, atMs: Date.now() });
  const row = await readBack(deps, req.engineId);
  const ownRetry = retried() && row.killedBy === req.by && row.reason === req.reason;
  const result: KillEngineResult = {
    engineId: req.engineId,
    killed: row.killed,
    alreadyKilled: !created && !ownRetry,
    killedAtMs: row.killedAtMs,
    killedBy: row.killedBy,
    reason: row.reason,
  };
  deps.log.warn(
    { engineId: req.engineId, by: req.by, alreadyKilled: result.alreadyKilled, killed: row.killed },
    'engine kill switch latched by workflow',
  );
  return result;
}

/**
 * Lifts the kill switch of `engineId` (activity wall clock for the time; the repository clamps it to
 * the kill's time).
 * @throws PermanentError `ENGINE_NOT_KILLED` when the engine was never killed or is already resumed
 *   (the message says which, and by whom); `ENGINE_KILLED_AGAIN` when a kill landed right after
 *   this resume; `KILL_SWITCH_INVALID_INPUT` naming the field; the repository's `DB_*` errors
 */
export async function resumeEngine(deps: Deps, raw: KillSwitchRequest): Promise<ResumeEngineResult> {
  const req = parseRequest(raw, 'resume-engine');
  const { resumed } = await liftKill(deps.db, { ...req, atMs: Date.now() });
  const row = await getKillSwitch(deps.db, req.engineId);
  const ownRetry =
    row !== undefined &&
    !row.killed &&
    retried() &&
    row.resumedBy === req.by &&
    row.resumeReason === req.reason;
  if (!resumed && !ownRetry) throw notKilled(req.engineId, row);
  if (row === undefined) throw missing(req.engineId);
  if (row.killed || row.resumedAtMs === undefined)
    // A kill landed between this resume and its read-back: the engine is halted again, say so.
    throw new PermanentError(
      'ENGINE_KILLED_AGAIN',
      `resume-engine: engine ${req.engineId} was resumed, then killed again by ${row.killedBy} at once`,
      { engineId: req.engineId, killedBy: row.killedBy },
    );
  deps.log.info({ engineId: req.engineId, by: req.by }, 'engine kill switch lifted by workflow');
  return {
    engineId: req.engineId,
    resumedAtMs: row.resumedAtMs,
    resumedBy: row.resumedBy ?? req.by,
    resumeReason: row.resumeReason ?? req.reason,
    killedAtMs: row.killedAtMs,
    killedBy: row.killedBy,
    killReason: row.reason,
  };
}

function parseRequest(raw: unknown, activity: string): z.output<typeof KillSwitchRequestSchema> {
  const parsed = KillSwitchRequestSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (i) => `${i.path.map(String).join('.') || '(input)'}: ${i.message}`,
  );
  throw new PermanentError('KILL_SWITCH_INVALID_INPUT', `${activity}: ${problems.join('; ')}`);
}

/** The row just written; its absence means the table lost a row we wrote (our state is wrong). */
async function readBack(deps: Deps, engineId: string): Promise<KillSwitch> {
  const row = await getKillSwitch(deps.db, engineId);
  if (row === undefined) throw missing(engineId);
  return row;
}

function missing(engineId: string): InvariantViolation {
  return new InvariantViolation('KILL_SWITCH_MISSING', `kill switch of ${engineId} missing after a write`, {
    engineId,
  });
}

/** True on a retried activity attempt (a previous attempt may have written the latch). */
function retried(): boolean {
  return (asyncLocalStorage.getStore()?.info.attempt ?? 1) > 1;
}

function notKilled(engineId: string, row: KillSwitch | undefined): PermanentError {
  const state =
    row === undefined
      ? 'it was never killed'
      : `it was already resumed at ${new Date(row.resumedAtMs ?? row.killedAtMs).toISOString()} by ${row.resumedBy ?? '?'}`;
  return new PermanentError(
    'ENGINE_NOT_KILLED',
    `resume-engine: engine ${engineId} is not killed (${state}): nothing to resume`,
    { engineId, neverKilled: row === undefined },
  );
}
