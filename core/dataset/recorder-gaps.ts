/**
 * Exclusion of the windows a recorder gap touches (docs: README "Recording market data"; the gap
 * markers are written by `mmflow record`, see venues/binance/gap-markers.ts). A gap is where the
 * recording lost the stream; the book replay may not see it (a reconnect brings a fresh snapshot that
 * resyncs cleanly) and trades lost in it leave no trace, so the gate excludes those windows by the
 * marker alone, with the reason `recorder-gap`.
 */
import type { WindowQuality } from './windows.ts';

/** One recorder gap, in exchange time (Unix epoch ms, inclusive); null = open on that side. */
export interface RecorderGap {
  readonly reason: string;
  /** Exchange time of the last event before the gap, ms; null = from the start of the session. */
  readonly fromMs: number | null;
  /** Exchange time of the first event after the gap, ms; null = to the end of the session. */
  readonly toMs: number | null;
}

/**
 * The windows with every one that overlaps a gap excluded (reason `recorder-gap` appended, `included`
 * false). A window `[startUs, endUs)` overlaps `[fromMs, toMs]` when `startUs ≤ toMs·1000` and
 * `fromMs·1000 < endUs`. Pure; returns new objects for the changed windows, in input order.
 */
export function excludeRecorderGaps(
  windows: readonly WindowQuality[],
  gaps: readonly RecorderGap[],
): WindowQuality[] {
  if (gaps.length === 0) return [...windows];
  return windows.map((w) => {
    const hit = gaps.some(
      (g) =>
        (g.toMs === null || w.startUs <= g.toMs * 1000) && (g.fromMs === null || g.fromMs * 1000 < w.endUs),
    );
    if (!hit || w.reasons.includes('recorder-gap')) return w;
    return { ...w, included: false, reasons: [...w.reasons, 'recorder-gap'] };
  });
}
