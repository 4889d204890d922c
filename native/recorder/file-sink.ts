/**
 * Writes one symbol's raw feed records (native/feeds/binance-stream-feed.ts `onRaw`) into hourly file
 * sets in the data directory's format (./file-set.ts), rotated by receive time at each UTC hour:
 *
 * - Rotation: the first record whose receive time falls in a later UTC hour than the open set's first
 *   line closes that set (renaming it to its final name) and opens a new one.
 * - Snapshot first: every depth file after the first opens with a snapshot of the book as the recorder
 *   keeps it (./book-keeper.ts: the feed's last REST snapshot plus every diff since, `lastUpdateId` =
 *   the last applied `u`), so each hourly session can be replayed on its own without a REST call at
 *   the rotation. The first file of a run, or a file opened while the feed is out of sync, gets the
 *   feed's own REST snapshot where it arrives (after a few diffs, as in the recorded sessions).
 * - Gaps: a feed `gap` record becomes a gap marker (venues/binance/gap-markers.ts) bounded by the
 *   exchange time of the last depth diff before it (of any event when no diff came yet) and of the
 *   first event after it; the marker is written once that first event arrives, or with an open end
 *   when the file closes first (and the next file then gets one with an open start).
 */
import { gapMarkerLine } from '../../venues/binance/gap-markers.ts';
import type { RawFeedRecord } from '../feeds/binance-stream-lines.ts';
import { RecordedBookKeeper } from './book-keeper.ts';
import { RecordingFileSet, type ClosedFileSet } from './file-set.ts';

/**
 * A raw record of the feed (native/feeds/binance-stream-lines.ts): `line` the recorded-format object,
 * `text` the same as one JSON line with `recv_ns` exact (what is written), `recvNs` Unix epoch ns.
 */
export type RecorderRecord = Pick<RawFeedRecord, 'kind' | 'recvNs' | 'line' | 'text'>;

const HOUR_MS = 3_600_000;

/** Counters of one sink (for metrics and tests). */
export interface SinkCounters {
  lines: number;
  files: number;
  gaps: number;
  synthesisedSnapshots: number;
  /** Snapshot lines of the feed (REST snapshots) written. */
  snapshots: number;
}

interface PendingGap {
  readonly reason: string;
  readonly recvNs: bigint;
  readonly fromMs: number | null;
  readonly lastUpdateId: number | null;
}

/** Records one symbol into hourly file sets. Call `accept` for each feed record, `close` at the end. */
export class RecordingFileSink {
  private set: RecordingFileSet | undefined;
  private setHour = -1;
  private readonly book: RecordedBookKeeper;
  private lastExchMs: number | null = null;
  /** `E` of the last depth diff, ms: where a gap starts (trades of a new connection can precede the
   * feed's `reconnect` record, which comes with the connection's first diff). */
  private lastDepthExchMs: number | null = null;
  private lastUpdateId: number | null = null;
  private pendingGap: PendingGap | undefined;
  private closing: Promise<unknown> = Promise.resolve();
  readonly counters: SinkCounters = { lines: 0, files: 0, gaps: 0, synthesisedSnapshots: 0, snapshots: 0 };

  /**
   * @param onClosed called with each closed file set (its final prefix and paths), e.g. to log it.
   * @param onError called when closing a file set fails (the sink goes on recording).
   */
  constructor(
    private readonly dataDir: string,
    private readonly market: 'spot' | 'usdm',
    private readonly symbol: string,
    private readonly onClosed: (closed: ClosedFileSet) => void = () => undefined,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {
    this.book = new RecordedBookKeeper(market);
  }

  /** Writes one record (rotating first when its receive time starts a new UTC hour). */
  accept(record: RecorderRecord): void {
    const recvNs = record.recvNs;
    const recvMs = Number(recvNs / 1_000_000n);
    const payload = record.line;
    const set = this.setFor(recvMs, recvNs);
    switch (record.kind) {
      case 'gap':
        return this.onGap(payload, recvNs);
      case 'snapshot':
        this.counters.snapshots++;
        this.book.onSnapshot(payload);
        break;
      case 'depth':
        this.book.onDiff(payload);
        break;
      default:
        break;
    }
    const exchMs = exchangeMs(record.kind, payload);
    if (exchMs !== undefined) {
      if (this.pendingGap !== undefined) this.writeGap(set, recvMs, exchMs);
      this.lastExchMs = exchMs;
      if (record.kind === 'depth') this.lastDepthExchMs = exchMs;
    }
    if (record.kind === 'depth' && typeof payload['u'] === 'number') this.lastUpdateId = payload['u'];
    set.write(record.kind === 'snapshot' ? 'depth' : record.kind, record.text, recvMs);
    this.counters.lines++;
  }

  private setFor(recvMs: number, recvNs: bigint): RecordingFileSet {
    const hour = Math.floor(recvMs / HOUR_MS);
    if (this.set !== undefined && hour <= this.setHour) return this.set;
    if (this.set !== undefined) this.retire(this.set);
    const set = new RecordingFileSet(this.dataDir, this.market, this.symbol, recvMs);
    this.set = set;
    this.setHour = hour;
    this.counters.files++;
    const snap = this.book.snapshotLine(recvNs);
    if (snap !== undefined) {
      set.write('depth', snap, recvMs);
      this.counters.synthesisedSnapshots++;
    }
    return set;
  }

  private retire(set: RecordingFileSet): void {
    if (this.pendingGap !== undefined) {
      // The stream is not back yet: the gap runs to the end of this file and from the start of the next.
      set.write('gap', this.gapLine(this.pendingGap, null), Number(this.pendingGap.recvNs / 1_000_000n));
      this.pendingGap = { ...this.pendingGap, fromMs: null };
    }
    this.closing = this.closing.then(() => set.close().then(this.onClosed, this.onError));
  }

  private onGap(line: Readonly<Record<string, unknown>>, recvNs: bigint): void {
    this.counters.gaps++;
    this.book.reset();
    if (this.pendingGap !== undefined) return; // one gap until the stream is back
    const reason = typeof line['reason'] === 'string' ? line['reason'] : 'feed-gap';
    const lastU = line['lastUpdateId'];
    this.pendingGap = {
      reason,
      recvNs,
      fromMs: this.lastDepthExchMs ?? this.lastExchMs,
      lastUpdateId: typeof lastU === 'number' ? lastU : this.lastUpdateId,
    };
  }

  private writeGap(set: RecordingFileSet, recvMs: number, toMs: number): void {
    const gap = this.pendingGap;
    if (gap === undefined) return;
    set.write('gap', this.gapLine(gap, toMs), recvMs);
    this.pendingGap = undefined;
  }

  private gapLine(gap: PendingGap, toMs: number | null): string {
    return gapMarkerLine(gap.recvNs, {
      reason: gap.reason,
      fromMs: gap.fromMs,
      toMs,
      lastUpdateId: gap.lastUpdateId,
    });
  }

  /** Closes the open file set (a pending gap is written with an open end) and waits for every close. */
  async close(): Promise<void> {
    if (this.set !== undefined) this.retire(this.set);
    this.set = undefined;
    await this.closing;
  }
}

/** Exchange time of a line, ms: `E` of a depth diff, `T` of a trade; undefined for others (spot bookTicker has none). */
function exchangeMs(kind: RecorderRecord['kind'], p: Readonly<Record<string, unknown>>): number | undefined {
  const v = kind === 'depth' ? p['E'] : kind === 'trade' ? p['T'] : undefined;
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined;
}
