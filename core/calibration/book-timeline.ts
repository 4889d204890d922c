/**
 * The mid of a replayed book over exchange time, for calibration: the book is rebuilt from a session's
 * depth events with `BinanceBookSync` (the same rule the quoting engine and the backtester use), and
 * after every snapshot or diff the timeline records (depth time, 2·mid), 2·mid being an integer number
 * of half-ticks, or NaN while the book is not synced or a side is empty.
 *
 * Depth time is the event's exchange time `E` (ms); a spot snapshot, which has none, takes the time of
 * the previous depth event (−∞ before any). It never decreases (depth `E` never decreases within a
 * recorded file; /work/shared/data/README.md), so look-ups are binary searches.
 *
 * Trades are matched to the timeline by their own trade time `T`, not by their position in the
 * receive-ordered stream: the depth and trade streams arrive with different delays, and the recorder's
 * receive clock is off by over a second in the 2024 sessions (README, "Known quirks").
 */

import { BinanceBookSync } from '../book/binance-sync.ts';
import { OrderBook } from '../book/order-book.ts';
import type { MarketEvent, MarketKind } from '../market-events.ts';

/** Mid of the replayed book as a step function of exchange time. */
export class BookTimeline {
  /** Depth time of each entry, ms (non-decreasing; −∞ for an untimed snapshot before any timed event). */
  private readonly timesMs: Float64Array;
  /** 2·mid in half-ticks after each entry's event; NaN when not synced or a side is empty. */
  private readonly mid2: Float64Array;

  private constructor(timesMs: Float64Array, mid2: Float64Array) {
    this.timesMs = timesMs;
    this.mid2 = mid2;
  }

  /**
   * Replays the depth events (snapshots and diffs, in recorded order) of one session; trades and
   * bookTicker events are skipped.
   * @throws PermanentError `USDM_DIFF_WITHOUT_PU` from the sync.
   */
  static fromEvents(events: Iterable<MarketEvent>, market: MarketKind): BookTimeline {
    const book = new OrderBook();
    const sync = new BinanceBookSync(market, book);
    const times: number[] = [];
    const mids: number[] = [];
    let clockMs = -Infinity;
    for (const ev of events) {
      if (ev.kind !== 'snapshot' && ev.kind !== 'depth') continue;
      if (ev.exchTimeMs !== undefined && ev.exchTimeMs > clockMs) clockMs = ev.exchTimeMs;
      if (ev.kind === 'snapshot') sync.onSnapshot(ev);
      else sync.onDiff(ev);
      const mid = sync.synced ? book.midTicks() : undefined;
      times.push(clockMs);
      mids.push(mid === undefined ? Number.NaN : 2 * mid);
    }
    return new BookTimeline(Float64Array.from(times), Float64Array.from(mids));
  }

  /** Number of entries (depth events replayed). */
  get length(): number {
    return this.timesMs.length;
  }

  /**
   * 2·mid (half-ticks) of the book as of the last depth event with time strictly before `timeMs`:
   * "the mid just before" a trade at `timeMs`. A diff stamped in the same millisecond may already hold
   * that trade's own impact, so it is not used. Undefined before the first entry or when that book was
   * not synced.
   */
  mid2Before(timeMs: number): number | undefined {
    return this.valueAt(this.lastIndexBelow(timeMs, true));
  }

  /**
   * 2·mid (half-ticks) as of the last depth event with time ≤ `timeMs` (the previous-tick rule of
   * core/signals/ewma-volatility.ts, for calendar-grid sampling). Undefined as `mid2Before`.
   */
  mid2At(timeMs: number): number | undefined {
    return this.valueAt(this.lastIndexBelow(timeMs, false));
  }

  private valueAt(i: number): number | undefined {
    if (i < 0) return undefined;
    const v = this.mid2[i];
    return v === undefined || Number.isNaN(v) ? undefined : v;
  }

  /** Index of the last entry with time < t (strict) or ≤ t; −1 when none. */
  private lastIndexBelow(t: number, strict: boolean): number {
    const times = this.timesMs;
    let lo = 0;
    let hi = times.length; // first index whose time is ≥ t (strict) or > t
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      const tm = times[m] ?? Infinity;
      if (strict ? tm < t : tm <= t) lo = m + 1;
      else hi = m;
    }
    return lo - 1;
  }
}
