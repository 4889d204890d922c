/**
 * Data-quality windows of a recorded session: the session's market time is cut into consecutive
 * windows, the book is replayed with `BinanceBookSync`, and each window is graded. Training, calibration
 * and walk-forward folds use only the windows graded `included`; the excluded ones are kept with their
 * reasons so the exclusions are recorded (docs/calibration.md, "Data-quality gate").
 *
 * Time. Windows are in exchange time (µs, `[startUs, endUs)`), on a grid of `windowMs` aligned to
 * multiples of `windowMs` since the Unix epoch (so the windows of two sessions of one instrument line
 * up and a window's key does not depend on where the recording starts), clipped to the session's span:
 * from its earliest exchange time to 1 ms after its latest one. A depth event belongs to the window of
 * its exchange time `E`; a spot snapshot (which carries none) to the window of the previous depth event.
 * A trade belongs to the window of its own trade time `T`. Depth `E` never decreases within a file
 * (/work/shared/data/README.md, "Known quirks"), so depth windows are visited in order.
 *
 * Grading. A window is excluded, with every reason that applies, when:
 *  - `book-gap`: the update-id chain broke inside it (the sync reports 'gap');
 *  - `crossed-book`: the book crossed after a snapshot or diff inside it;
 *  - `resync`: the book was rebuilt from a later snapshot inside it (any snapshot applied after the
 *    session's first one: continuity across the rebuild is not known);
 *  - `not-synced`: the book did not mirror the venue for the whole window (awaiting the first snapshot,
 *    or out of sync after a gap until the next snapshot); a window is synced for its whole span when
 *    the book was synced before its first depth event and after every one of them;
 *  - `no-depth-events`: no snapshot or diff fell inside it (a hole in the depth recording);
 *  - `missing-trades`: fewer than `minTrades` trades, or a trade silence longer than `maxTradeGapMs`,
 *    counting the silences from the window's start to its first trade and from its last trade to its
 *    end (a window without trades has a silence of its whole length);
 *  - `recorder-gap`: a gap marker of the recorder touches it (applied by the gate: ./recorder-gaps.ts).
 * BookTicker events are ignored (the book is rebuilt from depth only).
 */

import { PermanentError } from '../errors.ts';
import { BinanceBookSync, type SyncResult } from '../book/binance-sync.ts';
import { OrderBook } from '../book/order-book.ts';
import type { MarketEvent, MarketKind } from '../market-events.ts';

/** A time window of one recorded session (session id = the recording prefix, e.g. `binance-usdm_BTCUSDT_20240718T2357Z-20240719T0005Z`); exchange time µs, [startUs, endUs). */
export interface SessionWindow {
  readonly sessionId: string;
  /** Window start, exchange time, Unix epoch µs (inclusive). */
  readonly startUs: number;
  /** Window end, exchange time, Unix epoch µs (exclusive). */
  readonly endUs: number;
}

/** Every exclusion reason (see the module doc), in the order they are listed in `WindowQuality.reasons`. */
export const EXCLUSION_REASONS = [
  'book-gap',
  'resync',
  'crossed-book',
  'not-synced',
  'no-depth-events',
  'missing-trades',
  'recorder-gap', // a gap marker of the recorder (./recorder-gaps.ts)
] as const;

/** Why a window was excluded (see the module doc). */
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];

/** The grade of one window, with the counts it was graded on. */
export interface WindowQuality extends SessionWindow {
  /** Snapshots and diffs in the window. */
  readonly depthEvents: number;
  /** Trade prints in the window (by trade time). */
  readonly trades: number;
  /** Update-id chain breaks detected in the window. */
  readonly gaps: number;
  /** Book rebuilds from a snapshot after the session's first one. */
  readonly resyncs: number;
  /** Crossed books detected in the window. */
  readonly crossed: number;
  /** Longest trade silence in the window, ms, edges included (the window length without trades). */
  readonly maxTradeGapMs: number;
  /** True when no reason applies. */
  readonly included: boolean;
  /** Reasons of the exclusion, in the order of `EXCLUSION_REASONS`; empty when included. */
  readonly reasons: readonly string[]; // e.g. 'book-gap', 'resync', 'crossed-book', 'missing-trades', 'not-synced'
}

/** Rules of the gate. */
export interface QualityRules {
  /** Window length, ms (integer ≥ 1). */
  readonly windowMs: number;
  /** Longest trade silence allowed in an included window, ms (integer ≥ 0). */
  readonly maxTradeGapMs: number;
  /** Fewest trade prints an included window must hold (integer ≥ 0). */
  readonly minTrades: number;
}

/**
 * Checks the rules.
 * @throws PermanentError `QUALITY_RULES` naming the field: windowMs not an integer ≥ 1, maxTradeGapMs or
 *   minTrades not an integer ≥ 0.
 */
export function validateQualityRules(rules: QualityRules): QualityRules {
  const check = (field: keyof QualityRules, min: number): void => {
    const v = rules[field];
    if (!Number.isSafeInteger(v) || v < min)
      throw new PermanentError(
        'QUALITY_RULES',
        `quality rule ${field} must be an integer ≥ ${min}, got ${v}`,
        {
          field,
          value: v,
        },
      );
  };
  check('windowMs', 1);
  check('maxTradeGapMs', 0);
  check('minTrades', 0);
  return rules;
}

/** Per-window accumulator. */
interface Acc {
  depthEvents: number;
  trades: number;
  gaps: number;
  resyncs: number;
  crossed: number;
  /** False once the book was not synced after one of the window's depth events. */
  syncedAfterEach: boolean;
  /** Sync state after the window's last depth event. */
  syncedAtEnd: boolean;
  firstTradeUs: number;
  lastTradeUs: number;
  maxInnerGapUs: number;
}

function newAcc(): Acc {
  return {
    depthEvents: 0,
    trades: 0,
    gaps: 0,
    resyncs: 0,
    crossed: 0,
    syncedAfterEach: true,
    syncedAtEnd: false,
    firstTradeUs: Number.NaN,
    lastTradeUs: Number.NaN,
    maxInnerGapUs: 0,
  };
}

/**
 * Span of a session's market time: earliest exchange time (ms) of its depth and trade events, and its
 * latest; undefined when no event carries an exchange time.
 */
export function marketSpanMs(events: Iterable<MarketEvent>): { firstMs: number; lastMs: number } | undefined {
  let firstMs = Infinity;
  let lastMs = -Infinity;
  for (const ev of events) {
    if (ev.kind === 'bookTicker' || ev.exchTimeMs === undefined) continue;
    if (ev.exchTimeMs < firstMs) firstMs = ev.exchTimeMs;
    if (ev.exchTimeMs > lastMs) lastMs = ev.exchTimeMs;
  }
  return firstMs <= lastMs ? { firstMs, lastMs } : undefined;
}

/** Splits a session's events (recorded order) into consecutive windows of windowMs and grades each (the book replayed with BinanceBookSync; a window is excluded if it contains a gap, a resync, a crossed book, is not synced for its whole span, or its trades are missing: fewer than minTrades or a silence longer than maxTradeGapMs).
 *
 * @param events the session's events in recorded (receive-time) order, e.g. from `loadSessionEvents`.
 * @param sessionId copied into every window.
 * @param market selects the Binance sequencing rule.
 * @param rules see `QualityRules`.
 * @returns every window of the session's span in time order (windows with no event included); empty
 *   when no event carries an exchange time.
 * @throws PermanentError `QUALITY_RULES` for invalid rules; `USDM_DIFF_WITHOUT_PU` from the sync.
 */
export function assessWindows(
  events: Iterable<MarketEvent>,
  sessionId: string,
  market: MarketKind,
  rules: QualityRules,
): WindowQuality[] {
  validateQualityRules(rules);
  const list = Array.from(events); // two passes (span, then replay); a one-shot iterable is allowed
  const span = marketSpanMs(list);
  if (span === undefined) return [];
  const windowUs = rules.windowMs * 1000;
  const spanStartUs = span.firstMs * 1000;
  const spanEndUs = (span.lastMs + 1) * 1000;
  const accs = new Map<number, Acc>();
  const acc = (index: number): Acc => {
    let a = accs.get(index);
    if (a === undefined) {
      a = newAcc();
      accs.set(index, a);
    }
    return a;
  };

  const sync = new BinanceBookSync(market, new OrderBook());
  let depthClockMs = span.firstMs;
  let snapshotsApplied = 0;
  for (const ev of list) {
    if (ev.kind === 'trade') {
      const tUs = ev.exchTimeMs * 1000;
      const a = acc(Math.floor(tUs / windowUs));
      if (a.trades === 0) a.firstTradeUs = tUs;
      else if (tUs > a.lastTradeUs) a.maxInnerGapUs = Math.max(a.maxInnerGapUs, tUs - a.lastTradeUs);
      a.lastTradeUs = a.trades === 0 ? tUs : Math.max(a.lastTradeUs, tUs);
      a.trades++;
      continue;
    }
    if (ev.kind === 'bookTicker') continue;
    if (ev.exchTimeMs !== undefined && ev.exchTimeMs > depthClockMs) depthClockMs = ev.exchTimeMs;
    const a = acc(Math.floor((depthClockMs * 1000) / windowUs));
    let result: SyncResult;
    if (ev.kind === 'snapshot') {
      result = sync.onSnapshot(ev);
      if (result === 'applied') {
        if (snapshotsApplied > 0) a.resyncs++;
        snapshotsApplied++;
      }
    } else {
      result = sync.onDiff(ev);
    }
    if (result === 'gap') a.gaps++;
    else if (result === 'crossed') a.crossed++;
    a.depthEvents++;
    const synced = sync.synced;
    if (!synced) a.syncedAfterEach = false;
    a.syncedAtEnd = synced;
  }

  const out: WindowQuality[] = [];
  const first = Math.floor(spanStartUs / windowUs);
  const last = Math.floor((spanEndUs - 1) / windowUs);
  let syncedCarry = false; // the book awaits its first snapshot before any event
  for (let index = first; index <= last; index++) {
    const a = accs.get(index) ?? newAcc();
    const startUs = Math.max(index * windowUs, spanStartUs);
    const endUs = Math.min((index + 1) * windowUs, spanEndUs);
    const syncedWhole = syncedCarry && a.syncedAfterEach;
    if (a.depthEvents > 0) syncedCarry = a.syncedAtEnd;
    const silenceUs =
      a.trades === 0
        ? endUs - startUs
        : Math.max(a.firstTradeUs - startUs, a.maxInnerGapUs, endUs - a.lastTradeUs);
    const maxTradeGapMs = Math.round(silenceUs / 1000);
    const reasons: ExclusionReason[] = [];
    if (a.gaps > 0) reasons.push('book-gap');
    if (a.resyncs > 0) reasons.push('resync');
    if (a.crossed > 0) reasons.push('crossed-book');
    if (!syncedWhole) reasons.push('not-synced');
    if (a.depthEvents === 0) reasons.push('no-depth-events');
    if (a.trades < rules.minTrades || maxTradeGapMs > rules.maxTradeGapMs) reasons.push('missing-trades');
    out.push({
      sessionId,
      startUs,
      endUs,
      depthEvents: a.depthEvents,
      trades: a.trades,
      gaps: a.gaps,
      resyncs: a.resyncs,
      crossed: a.crossed,
      maxTradeGapMs,
      included: reasons.length === 0,
      reasons,
    });
  }
  return out;
}

/** The included windows only, as plain `SessionWindow`s (what calibration and folds consume). */
export function includedWindows(windows: readonly WindowQuality[]): SessionWindow[] {
  return windows
    .filter((w) => w.included)
    .map((w) => ({ sessionId: w.sessionId, startUs: w.startUs, endUs: w.endUs }));
}
