/**
 * Paces a recorded market-event stream for replay.
 *
 * - `fast`: events pass through as fast as the consumer takes them.
 * - `recorded`: event i is released at wall time `wallStart + (schedule(i) − schedule(0))`, i.e. the
 *   recorded inter-event gaps are reproduced. The schedule uses exchange time (µs) where the event has
 *   one; events without it (spot snapshots, spot bookTicker) use their receive time shifted by the
 *   last seen (receive − exchange) offset, so the two clocks are never mixed raw. The schedule is
 *   forced monotone (a late-stamped event is released at once, never "in the past").
 *
 * Wall time and sleeping are injected (`Clock`, `Sleeper`) so tests run with no real waits.
 */
import type { MarketEvent } from '../../core/market-events.ts';
import type { Clock } from '../../core/ports.ts';

/** Waits about `ms` wall milliseconds; resolves early (never rejects) when `signal` aborts. */
export type Sleeper = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Options of `paceEvents`. */
export interface PaceOptions {
  readonly pace: 'fast' | 'recorded';
  /** Wall clock, Unix epoch µs. */
  readonly clock: Clock;
  readonly sleep: Sleeper;
  /** Stops the stream (no further events) when aborted. */
  readonly signal?: AbortSignal | undefined;
  /** Sleeps shorter than this are skipped (timer granularity), µs; default 1000. */
  readonly minSleepUs?: number;
}

/** Exchange-time based schedule with receive-time fallback (see module doc); stateful, one per stream. */
export class ReplaySchedule {
  private offsetUs: number | undefined;
  private lastUs = Number.NEGATIVE_INFINITY;

  /** Schedule time of the next event, µs (monotone non-decreasing). */
  next(event: MarketEvent): number {
    let tUs: number;
    if (event.exchTimeMs !== undefined) {
      tUs = event.exchTimeMs * 1000;
      this.offsetUs = event.recvTimeUs - tUs;
    } else {
      tUs = event.recvTimeUs - (this.offsetUs ?? 0);
    }
    if (tUs < this.lastUs) tUs = this.lastUs;
    this.lastUs = tUs;
    return tUs;
  }
}

/**
 * Yields `events` at the configured pace.
 * @param events a sync or async stream of recorded events in receive order.
 * @returns an async stream of the same events (same objects), ending early if `signal` aborts.
 */
export async function* paceEvents(
  events: Iterable<MarketEvent> | AsyncIterable<MarketEvent>,
  options: PaceOptions,
): AsyncGenerator<MarketEvent> {
  const { clock, sleep, signal } = options;
  const minSleepUs = options.minSleepUs ?? 1000;
  const schedule = new ReplaySchedule();
  let anchor: { wallUs: number; eventUs: number } | undefined;
  for await (const event of events) {
    if (isAborted(signal)) return;
    if (options.pace === 'recorded') {
      const eventUs = schedule.next(event);
      if (anchor === undefined) {
        anchor = { wallUs: clock.nowUs(), eventUs };
      } else {
        const waitUs = anchor.wallUs + (eventUs - anchor.eventUs) - clock.nowUs();
        if (waitUs >= minSleepUs) {
          await sleep(waitUs / 1000, signal);
          if (isAborted(signal)) return;
        }
      }
    }
    yield event;
  }
}

/** Read through a call so TypeScript does not narrow `aborted` across an `await`. */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
