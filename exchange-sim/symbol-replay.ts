/**
 * The replay of one recorded session (one symbol): the book as the venue holds it (core/book, rebuilt
 * from the snapshot and the diffs by Binance's own procedure), the market clock, and the stream
 * messages, in recorded order. Each `step()` feeds one recorded line to the fill model first (arrivals,
 * trade matching, queue caps: the same order of calls as core/backtest/replay.ts) and then to the stream
 * listeners, so a client sees a fill no later than the trade that caused it.
 *
 * Lines up to the session's REST snapshot line are consumed at construction (the book must be synced
 * before anything is served); streaming starts with the next line. In a loop (`restart`) the book is
 * rebuilt from the snapshot again and every update id, trade id and exchange time is shifted past the
 * previous pass, so ids keep increasing: a client sees a gap in the diff chain (`U ≠ previous u + 1`),
 * exactly as after a venue hiccup, and resyncs from a new REST snapshot.
 */
import { PermanentError } from '../core/errors.ts';
import type { Instrument } from '../core/instrument.ts';
import type { MarketKind, Trade } from '../core/market-events.ts';
import { ManualClock } from '../core/ports.ts';
import { OrderBook } from '../core/book/order-book.ts';
import { BinanceBookSync } from '../core/book/binance-sync.ts';
import type { FeedEvent, Payload } from './recorded-feed.ts';
import { depthLevels, type DepthSnapshotWire } from './market-wire.ts';

/** What drives the fill model of one account on this symbol (`SimulatedVenue` satisfies it). */
export interface MatchingDriver {
  processUntil(tUs: number): void;
  onTrade(trade: Trade): void;
  onBookChanged(): void;
}

/** A message for the subscribers of one canonical stream (`btcusdt@depth`, `@trade`, `@aggTrade`, `@bookTicker`). */
export interface StreamMessage {
  readonly stream: string;
  readonly payload: Payload;
}

export type StreamListener = (msg: StreamMessage) => void;

/** Ids and times of a session, for the loop shifts. */
interface Spans {
  readonly updateIds: number;
  readonly tradeIds: number;
  readonly timeMs: number;
}

/** One symbol's replay; see the module doc. */
export class SymbolReplay {
  readonly instrument: Instrument;
  readonly market: MarketKind;
  /** Exchange symbol, e.g. `BTCUSDT`. */
  readonly symbol: string;
  readonly clock = new ManualClock(0);
  readonly book = new OrderBook();
  private sync: BinanceBookSync;
  private readonly feed: readonly FeedEvent[];
  private readonly spans: Spans;
  private cursor = 0;
  private loopIndex = 0;
  private readonly drivers = new Set<MatchingDriver>();
  private readonly listeners = new Set<StreamListener>();

  /** @throws PermanentError `NO_SNAPSHOT` if the session never yields a synced book. */
  constructor(instrument: Instrument, market: MarketKind, feed: readonly FeedEvent[]) {
    this.instrument = instrument;
    this.market = market;
    this.symbol = instrument.symbol;
    this.feed = feed;
    this.spans = spansOf(feed);
    this.sync = new BinanceBookSync(market, this.book);
    this.prime();
  }

  /** Receive time of the first streamed line, Unix µs (the pace's origin). */
  get liveStartRecvUs(): number {
    return this.feed[this.firstLiveIndex]?.recvUs ?? 0;
  }

  /** Receive time of the next line to stream, Unix µs; undefined at the end of the pass. */
  get nextRecvUs(): number | undefined {
    return this.feed[this.cursor]?.recvUs;
  }

  /** Loop passes completed. */
  get loops(): number {
    return this.loopIndex;
  }

  /** The update id the book reflects (shifted for the pass), for REST snapshots; undefined if unsynced. */
  get updateId(): number | undefined {
    const id = this.sync.updateId;
    return id === undefined ? undefined : id + this.loopIndex * this.spans.updateIds;
  }

  /** Current exchange time (shifted for the pass), Unix ms. */
  get exchTimeMs(): number {
    return Math.floor(this.clock.nowUs() / 1000);
  }

  addDriver(d: MatchingDriver): void {
    this.drivers.add(d);
  }

  addListener(l: StreamListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /**
   * Replays the next line. @returns false at the end of the pass (nothing was done).
   */
  step(): boolean {
    const fe = this.feed[this.cursor];
    if (fe === undefined) return false;
    this.cursor++;
    const ev = fe.event;
    const shiftMs = this.loopIndex * this.spans.timeMs;
    if (ev?.exchTimeMs !== undefined) this.clock.advanceTo((ev.exchTimeMs + shiftMs) * 1000);
    const nowUs = this.clock.nowUs();
    for (const d of this.drivers) d.processUntil(nowUs);
    if (ev?.kind === 'trade') for (const d of this.drivers) d.onTrade(ev);
    if (ev?.kind === 'depth') this.sync.onDiff(ev);
    else if (ev?.kind === 'snapshot') this.sync.onSnapshot(ev);
    if (ev?.kind === 'depth' || ev?.kind === 'snapshot') for (const d of this.drivers) d.onBookChanged();
    if (fe.stream !== undefined) this.emit(fe.stream, fe.payload);
    return true;
  }

  /** Starts the next loop pass: the book is rebuilt from the snapshot, ids and times shifted. */
  restart(): void {
    this.loopIndex++;
    this.cursor = 0;
    this.book.clear();
    this.sync = new BinanceBookSync(this.market, this.book);
    this.prime();
  }

  /** `GET depth` at the current replay point: best `limit` levels a side and the matching update id. */
  depthSnapshot(limit: number): DepthSnapshotWire {
    return {
      lastUpdateId: this.updateId ?? 0,
      bids: depthLevels(this.instrument, this.market, this.book, 'bid', limit),
      asks: depthLevels(this.instrument, this.market, this.book, 'ask', limit),
    };
  }

  private firstLiveIndex = 0;

  /** Consumes lines through the first one after which the book is synced. */
  private prime(): void {
    const shiftMs = this.loopIndex * this.spans.timeMs;
    while (!this.sync.synced) {
      const fe = this.feed[this.cursor];
      if (fe === undefined) {
        throw new PermanentError(
          'NO_SNAPSHOT',
          `${this.symbol}: the session never syncs a book (no snapshot)`,
          {
            symbol: this.symbol,
          },
        );
      }
      this.cursor++;
      const ev = fe.event;
      if (ev?.exchTimeMs !== undefined) this.clock.advanceTo((ev.exchTimeMs + shiftMs) * 1000);
      if (ev?.kind === 'depth') this.sync.onDiff(ev);
      else if (ev?.kind === 'snapshot') this.sync.onSnapshot(ev);
    }
    this.firstLiveIndex = this.cursor;
  }

  private emit(recordedStream: string, payload: Payload): void {
    const sym = recordedStream.slice(0, recordedStream.indexOf('@'));
    const shifted = this.loopIndex === 0 ? payload : this.shift(payload);
    const e = shifted['e'];
    const stream =
      e === 'depthUpdate' ? `${sym}@depth` : e === 'trade' ? `${sym}@trade` : `${sym}@bookTicker`;
    for (const l of this.listeners) l({ stream, payload: shifted });
    if (e === 'trade') {
      const agg = aggTradeOf(shifted, this.market);
      for (const l of this.listeners) l({ stream: `${sym}@aggTrade`, payload: agg });
    }
  }

  /** A copy with update ids, trade ids and times moved past the previous passes. */
  private shift(p: Payload): Payload {
    const k = this.loopIndex;
    const out: Payload = { ...p };
    const add = (key: string, by: number): void => {
      const v = out[key];
      if (typeof v === 'number') out[key] = v + by;
    };
    for (const key of ['U', 'u', 'pu', 'lastUpdateId']) add(key, k * this.spans.updateIds);
    if (p['e'] === 'trade') add('t', k * this.spans.tradeIds);
    for (const key of ['E', 'T']) add(key, k * this.spans.timeMs);
    return out;
  }
}

/**
 * The `aggTrade` message of one trade: the recordings hold `@trade` only, so each aggregate holds one
 * trade (a = f = l = the trade id). Binance aggregates same-taker fills at one price; one-trade
 * aggregates are a valid, finer stream.
 */
function aggTradeOf(t: Payload, market: MarketKind): Payload {
  const agg: Payload = {
    e: 'aggTrade',
    E: t['E'],
    s: t['s'],
    a: t['t'],
    p: t['p'],
    q: t['q'],
    f: t['t'],
    l: t['t'],
    T: t['T'],
    m: t['m'],
  };
  if (market === 'spot') agg['M'] = true;
  return agg;
}

function spansOf(feed: readonly FeedEvent[]): Spans {
  let minU = Infinity;
  let maxU = -Infinity;
  let minT = Infinity;
  let maxT = -Infinity;
  let minMs = Infinity;
  let maxMs = -Infinity;
  for (const fe of feed) {
    const ev = fe.event;
    if (ev === undefined) continue;
    const ids =
      ev.kind === 'depth'
        ? [ev.firstUpdateId, ev.finalUpdateId]
        : ev.kind === 'snapshot'
          ? [ev.lastUpdateId]
          : ev.kind === 'bookTicker'
            ? [ev.updateId]
            : [];
    for (const id of ids) {
      if (id < minU) minU = id;
      if (id > maxU) maxU = id;
    }
    if (ev.kind === 'trade') {
      if (ev.tradeId < minT) minT = ev.tradeId;
      if (ev.tradeId > maxT) maxT = ev.tradeId;
    }
    if (ev.exchTimeMs !== undefined) {
      if (ev.exchTimeMs < minMs) minMs = ev.exchTimeMs;
      if (ev.exchTimeMs > maxMs) maxMs = ev.exchTimeMs;
    }
  }
  const span = (lo: number, hi: number, pad: number): number => (hi >= lo ? hi - lo + pad : pad);
  // One second of exchange time between passes, so a new pass never shares a timestamp with the last.
  return { updateIds: span(minU, maxU, 1), tradeIds: span(minT, maxT, 1), timeMs: span(minMs, maxMs, 1000) };
}
