/**
 * Gap markers of recorded sessions: where the recorder (`mmflow record`, native/recorder/) lost the
 * stream (a dropped connection, a broken update-id chain), written as explicit lines of a side file
 * `gaps/<prefix>.gaps.jsonl.gz` next to the session's depth/trades/bookticker files, so the depth,
 * trades and bookTicker files keep exactly the /work/shared/data format and their readers need no
 * change. A session without a gaps file had no gap.
 *
 * One line per gap: `{"recv_ns": <ns when it was noticed>, "gap": {"reason", "fromMs", "toMs",
 * "lastUpdateId"}}` where `fromMs` is the exchange time (`E`/`T`, Unix epoch ms) of the last event
 * received before the gap and `toMs` the exchange time of the first one after it; `null` when the gap
 * runs to the start or the end of the file (the recorder had seen nothing yet, or the file closed
 * before the stream came back). The data-quality gate excludes every window touching `[fromMs, toMs]`
 * (core/dataset/recorder-gaps.ts).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { PermanentError } from '../../core/errors.ts';
import type { RecorderGap } from '../../core/dataset/recorder-gaps.ts';
import { readGzipLines } from '../gz-lines.ts';

/** Folder of the gap files, under the data directory. */
export const GAPS_FOLDER = 'gaps';
/** Suffix of a gap file after the session prefix. */
export const GAPS_SUFFIX = '.gaps.jsonl.gz';

const epochMs = z.number().int().nonnegative().nullable();
const GapLine = z.object({
  recv_ns: z.number().nonnegative(),
  gap: z.object({
    reason: z.string().min(1),
    fromMs: epochMs,
    toMs: epochMs,
    lastUpdateId: z.number().int().nonnegative().nullable().optional(),
  }),
});

/**
 * The gap-marker line (no trailing newline).
 * @param recvNs when the gap was noticed, Unix epoch ns.
 * @param gap reason and exchange-time bounds (ms, null = open side); `lastUpdateId` the last update id
 *   applied before the gap, when known.
 */
export function gapMarkerLine(
  recvNs: bigint,
  gap: {
    readonly reason: string;
    readonly fromMs: number | null;
    readonly toMs: number | null;
    readonly lastUpdateId?: number | null;
  },
): string {
  const body = JSON.stringify({
    reason: gap.reason,
    fromMs: gap.fromMs,
    toMs: gap.toMs,
    lastUpdateId: gap.lastUpdateId ?? null,
  });
  return `{"recv_ns":${recvNs.toString()},"gap":${body}}`;
}

/** Path of the gap file of the session whose depth file is `depthPath` (`<data>/depth/<prefix>…`). */
export function gapsPathOf(depthPath: string, prefix: string): string {
  return join(dirname(dirname(depthPath)), GAPS_FOLDER, `${prefix}${GAPS_SUFFIX}`);
}

/**
 * The gaps recorded for a session, in file order; empty when it has no gaps file.
 * @throws PermanentError `PARSE_GAP` naming `file:line` and the field for a malformed line;
 *   `DATA_READ` for an unreadable file.
 */
export async function readGapMarkers(depthPath: string, prefix: string): Promise<RecorderGap[]> {
  const path = gapsPathOf(depthPath, prefix);
  if (!existsSync(path)) return [];
  const gaps: RecorderGap[] = [];
  let lineNo = 0;
  for await (const line of readGzipLines(path)) {
    lineNo++;
    if (line.length === 0) continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      throw new PermanentError('PARSE_GAP', `${path}:${lineNo}: not valid JSON`, {
        file: path,
        line: lineNo,
      });
    }
    const parsed = GapLine.safeParse(raw);
    if (!parsed.success)
      throw new PermanentError('PARSE_GAP', `${path}:${lineNo}: ${z.prettifyError(parsed.error)}`, {
        file: path,
        line: lineNo,
      });
    const { reason, fromMs, toMs } = parsed.data.gap;
    gaps.push({ reason, fromMs, toMs });
  }
  return gaps;
}
