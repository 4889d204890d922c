/**
 * The `data-quality gate` activity, first step of the weekly retraining: grades every window of the
 * given recorded sessions (core/dataset/windows.ts: book gaps, resyncs, crossed books, unsynced spans,
 * missing trades), records every window with its reasons in `data_quality_windows` (and the run in
 * `data_quality_gates`), and returns the included windows that calibration, the search and training
 * may use, with each session's dataset digest for lineage.
 *
 * Idempotent: keyed by `gateId`, a retry overwrites its own rows (db/repositories/data-quality-windows.ts).
 * The rows are saved before the gate can fail, so an empty result is still on record.
 *
 * What it returns travels through the workflow history (and the included windows on into the
 * calibration, the study and the training), so the graded windows stay in the database and only their
 * counts come back; the included list is refused above `MAX_INCLUDED_WINDOWS_BYTES` with an error that
 * names a window length that fits, instead of Temporal failing the task on its payload limit.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { PermanentError } from '../core/errors.ts';
import {
  EXCLUSION_REASONS,
  assessWindows,
  includedWindows,
  type ExclusionReason,
  validateQualityRules,
  type QualityRules,
  type SessionWindow,
  type WindowQuality,
} from '../core/dataset/windows.ts';
import { saveQualityGate } from '../db/repositories/data-quality-windows.ts';
import { excludeRecorderGaps } from '../core/dataset/recorder-gaps.ts';
import { readGapMarkers } from '../venues/binance/gap-markers.ts';
import type { RecordedSession } from '../venues/binance/recorded.ts';
import { resolveSessions } from './session-selection.ts';
import type { ActivityDeps } from './index.ts';
import { loadSessionCached } from './session-cache.ts';
import { heartbeat } from './heartbeat.ts';

export interface DataQualityGateInput {
  /** Idempotency key, e.g. `dqg:<workflowId>.<stepId>`. */
  readonly gateId: string;
  /** Recording prefixes, e.g. `binance-usdm_BTCUSDT_20240718T2357Z-20240719T0005Z`, or selectors of
   * the newest sessions, `latest:7d[:usdm_BTCUSDT]` (./session-selection.ts). */
  readonly sessions: readonly string[];
  readonly rules: QualityRules;
}

export interface DataQualityGateResult {
  readonly gateId: string;
  /** Windows graded, all sessions (each is a row of `data_quality_windows` under `gateId`). */
  readonly windowCount: number;
  /** The included windows, in input session order then time. */
  readonly included: readonly SessionWindow[];
  readonly excludedCount: number;
  /** Excluded windows per reason (a window with two reasons counts under both); every reason listed. */
  readonly excludedByReason: Readonly<Record<ExclusionReason, number>>;
  readonly datasetDigests: Readonly<
    Record<string, string>
  > /* sessionId → sha256 of its depth+trades files */;
}

/**
 * Largest JSON size of the included-window list the gate returns, bytes (≈ 2,200 windows of ~120
 * bytes with Binance session ids). Temporal logs a warning above 256 KiB per payload and fails the
 * task at 2 MB (docs: "Self-hosted Temporal Service defaults", blob size limit); the list is also part
 * of the next steps' inputs.
 */
export const MAX_INCLUDED_WINDOWS_BYTES = 256 * 1024;

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
 * @returns the number of windows graded, the included ones, the number excluded (in all and per
 *   reason) and the digests.
 * @throws PermanentError `BAD_INPUT` naming the field; `QUALITY_RULES`; `UNKNOWN_SESSION`; parse errors
 *   of the recorded files; after saving: `NO_INCLUDED_WINDOWS` when no window passes the gate,
 *   `TOO_MANY_WINDOWS` when the included list exceeds `MAX_INCLUDED_WINDOWS_BYTES` (the message gives a
 *   window length that fits).
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
  const { gateId } = parsed.data;
  const sessions = resolveSessions(deps.dataDir, parsed.data.sessions);
  const rules = validateQualityRules(parsed.data.rules);
  const windows: WindowQuality[] = [];
  const datasetDigests: Record<string, string> = {};
  for (const [index, sessionId] of sessions.entries()) {
    heartbeat({ phase: 'grading', session: sessionId, index });
    const loaded = await loadSessionCached(deps.dataDir, sessionId);
    // Recorder gap markers (mmflow record) exclude the windows they touch.
    const gaps = await readGapMarkers(loaded.session.depthPath, loaded.session.prefix);
    windows.push(...excludeRecorderGaps(assessWindows(loaded.events, sessionId, loaded.market, rules), gaps));
    datasetDigests[sessionId] = await sessionDigest(loaded.session);
  }
  const included = includedWindows(windows);
  await saveQualityGate(deps.db, { id: gateId, rules, sessions, datasetDigests, windows });
  const excludedByReason = Object.fromEntries(EXCLUSION_REASONS.map((r) => [r, 0])) as Record<
    ExclusionReason,
    number
  >;
  for (const w of windows) for (const r of w.reasons) excludedByReason[r as ExclusionReason] += 1;
  const result: DataQualityGateResult = {
    gateId,
    windowCount: windows.length,
    included,
    excludedCount: windows.length - included.length,
    excludedByReason,
    datasetDigests,
  };
  deps.log.info(
    {
      gateId,
      sessions: sessions.length,
      windows: windows.length,
      included: included.length,
      excludedByReason,
    },
    'data-quality gate',
  );
  if (included.length === 0)
    throw new PermanentError(
      'NO_INCLUDED_WINDOWS',
      `data-quality gate ${gateId}: none of the ${windows.length} windows of ${sessions.join(', ')} passed (reasons: ${JSON.stringify(excludedByReason)})`,
      { gateId, reasons: excludedByReason },
    );
  const includedBytes = Buffer.byteLength(JSON.stringify(included));
  if (includedBytes > MAX_INCLUDED_WINDOWS_BYTES) {
    const fitsMs = rules.windowMs * Math.ceil(includedBytes / MAX_INCLUDED_WINDOWS_BYTES);
    throw new PermanentError(
      'TOO_MANY_WINDOWS',
      `data-quality gate ${gateId}: ${included.length} included windows of ${rules.windowMs} ms are ${includedBytes} bytes as JSON, ` +
        `over the ${MAX_INCLUDED_WINDOWS_BYTES} a workflow step may pass on (Temporal payload limits); ` +
        `use windowMs ≥ ${fitsMs} (every window is saved under gate ${gateId})`,
      { gateId, included: included.length, includedBytes, windowMs: rules.windowMs, fitsWindowMs: fitsMs },
    );
  }
  return result;
}
