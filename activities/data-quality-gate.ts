/**
 * The `data-quality gate` activity, first step of the weekly retraining: grades every window of the
 * given recorded sessions (core/dataset/windows.ts: book gaps, resyncs, crossed books, unsynced spans,
 * missing trades), records every window with its reasons in `data_quality_windows` (and the run in
 * `data_quality_gates`), and returns the included windows that calibration, the search and training
 * may use, with each session's dataset digest for lineage.
 *
 * Idempotent: keyed by `gateId`, a retry overwrites its own rows (db/repositories/data-quality-windows.ts).
 * The rows are saved before the gate can fail, so an empty result is still on record.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { asyncLocalStorage } from '@temporalio/activity';
import { z } from 'zod';
import { PermanentError } from '../core/errors.ts';
import {
  assessWindows,
  includedWindows,
  validateQualityRules,
  type QualityRules,
  type SessionWindow,
  type WindowQuality,
} from '../core/dataset/windows.ts';
import { saveQualityGate } from '../db/repositories/data-quality-windows.ts';
import type { RecordedSession } from '../venues/binance/recorded.ts';
import type { ActivityDeps } from './index.ts';
import { loadSessionCached } from './session-cache.ts';

export interface DataQualityGateInput {
  /** Idempotency key, e.g. `dqg:<workflowId>.<stepId>`. */
  readonly gateId: string;
  /** Recording prefixes, e.g. `binance-usdm_BTCUSDT_20240718T2357Z-20240719T0005Z`. */
  readonly sessions: readonly string[];
  readonly rules: QualityRules;
}

export interface DataQualityGateResult {
  readonly gateId: string;
  /** Every window of every session, in input session order then time. */
  readonly windows: readonly WindowQuality[];
  /** The included windows, same order. */
  readonly included: readonly SessionWindow[];
  readonly excludedCount: number;
  readonly datasetDigests: Readonly<
    Record<string, string>
  > /* sessionId → sha256 of its depth+trades files */;
}

const InputSchema = z.object({
  gateId: z.string().min(1),
  sessions: z
    .array(z.string().min(1))
    .min(1)
    .refine((s) => new Set(s).size === s.length, 'sessions must not repeat'),
  rules: z.object({
    windowMs: z.number().int().min(1),
    maxTradeGapMs: z.number().int().min(0),
    minTrades: z.number().int().min(0),
  }),
});

/**
 * sha256 (hex) of the session's depth file bytes followed by its trades file bytes (the files as
 * stored, gzip included); a session without a trades file hashes its depth file alone.
 * @throws the `fs` error of an unreadable file.
 */
export async function sessionDigest(session: RecordedSession): Promise<string> {
  const hash = createHash('sha256');
  for (const path of [session.depthPath, session.tradesPath]) {
    if (path === undefined) continue;
    hash.update(await readFile(path)); // a few MB per file
  }
  return hash.digest('hex');
}

/**
 * Runs the gate.
 * @returns every window, the included ones, the number excluded and the digests.
 * @throws PermanentError `BAD_INPUT` naming the field; `QUALITY_RULES`; `UNKNOWN_SESSION`; parse errors
 *   of the recorded files; `NO_INCLUDED_WINDOWS` (after saving) when no window passes the gate.
 */
export async function dataQualityGate(
  deps: ActivityDeps,
  input: DataQualityGateInput,
): Promise<DataQualityGateResult> {
  const parsed = InputSchema.safeParse(input);
  if (!parsed.success)
    throw new PermanentError('BAD_INPUT', `data-quality gate input: ${z.prettifyError(parsed.error)}`, {
      gateId: input.gateId,
    });
  const { gateId, sessions } = parsed.data;
  const rules = validateQualityRules(parsed.data.rules);
  const windows: WindowQuality[] = [];
  const datasetDigests: Record<string, string> = {};
  for (const [index, sessionId] of sessions.entries()) {
    asyncLocalStorage.getStore()?.heartbeat({ phase: 'grading', session: sessionId, index });
    const loaded = await loadSessionCached(deps.dataDir, sessionId);
    windows.push(...assessWindows(loaded.events, sessionId, loaded.market, rules));
    datasetDigests[sessionId] = await sessionDigest(loaded.session);
  }
  const included = includedWindows(windows);
  await saveQualityGate(deps.db, { id: gateId, rules, sessions, datasetDigests, windows });
  const result: DataQualityGateResult = {
    gateId,
    windows,
    included,
    excludedCount: windows.length - included.length,
    datasetDigests,
  };
  const reasons: Record<string, number> = {};
  for (const w of windows) for (const r of w.reasons) reasons[r] = (reasons[r] ?? 0) + 1;
  deps.log.info(
    { gateId, sessions: sessions.length, windows: windows.length, included: included.length, reasons },
    'data-quality gate',
  );
  if (included.length === 0)
    throw new PermanentError(
      'NO_INCLUDED_WINDOWS',
      `data-quality gate ${gateId}: none of the ${windows.length} windows of ${sessions.join(', ')} passed (reasons: ${JSON.stringify(reasons)})`,
      { gateId, reasons },
    );
  return result;
}
