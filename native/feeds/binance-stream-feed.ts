/**
 * Live Binance market data for one instrument, read from Binance's raw combined stream and REST depth
 * snapshots, following "How to manage a local order book correctly" (Spot API docs, WebSocket Streams;
 * USDⓈ-M Futures docs, WebSocket Market Streams). Why not ccxt pro's `watchOrderBook`:
 * docs/adr/0013-live-book-feed.md.
 *
 * Procedure, per connection to `<streamBaseUrl>/stream?streams=<s>@depth@100ms/<s>@trade/<s>@bookTicker`:
 * 1. every depth diff is emitted as it arrives (with its real U/u, and pu on USDⓈ-M); the engine's
 *    `BinanceBookSync` buffers them until a snapshot is in force, drops the stale ones and checks the
 *    chain (U == previous u + 1 on spot, pu == previous u on USDⓈ-M);
 * 2. after the first diff of the connection, a REST snapshot (`GET /api/v3/depth` or
 *    `GET /fapi/v1/depth`, limit 1000, through the ccxt client's rate limiter) is fetched; one older
 *    than the first diff (./binance-stream-lines.ts `snapshotTooOld`) is fetched again; the snapshot is
 *    emitted after the diffs received meanwhile, so the engine applies it and then its buffered diffs;
 * 3. `requestSnapshot()` (the engine went out of sync: gap, crossed book, bookTicker mismatch) fetches a
 *    NEW snapshot while diffs keep flowing, unless one fetched after the offending diff is already in
 *    flight or emitted (`SnapshotLedger`); never an old one;
 * 4. a break of the received chain is also detected here (a `gap` raw record, and a new snapshot);
 * 5. a dropped socket is reopened with exponential backoff (`reconnectMinMs` … `reconnectMaxMs`), and
 *    the new connection starts again at step 2 (a `gap` raw record with reason `reconnect`);
 * 6. every `resnapshotMs` a new snapshot is fetched and emitted: the engine reloads its book from it
 *    when it is newer than the book (a drift the chain check cannot see is repaired), else drops it.
 *
 * Every message is turned into a recorded-format line (payload + `recv_ns` + `stream`) and parsed by
 * venues/binance/parse.ts, the parser of the recorded files; `onRaw` gets each line first (the
 * recorder writes them). Trades are deduplicated by id. `silenceMs` feeds the stale-feed watchdog.
 * A malformed message or a permanent REST error ends the iteration with that error.
 */
import { WebSocket, type RawData } from 'ws';
import { isMmflowError, PermanentError } from '../../core/errors.ts';
import type { Instrument } from '../../core/instrument.ts';
import type { DepthDiff, MarketEvent, MarketKind } from '../../core/market-events.ts';
import type { Clock } from '../../core/ports.ts';
import { errorFields, type Log } from '../../infra/log.ts';
import { marketOf, RecordedLineParser } from '../../venues/binance/parse.ts';
import {
  breaksChain,
  gapRecord,
  rawRecord,
  SnapshotLedger,
  snapshotTooOld,
  splitCombined,
  type RawFeedRecord,
} from './binance-stream-lines.ts';
import type { SnapshotFetcher } from './depth-snapshot.ts';
import type { Sleeper } from './recorded-feed.ts';

export type { RawFeedKind, RawFeedRecord, RawGapReason } from './binance-stream-lines.ts';
export { ccxtSnapshotFetcher, type BinanceDepthClient, type SnapshotFetcher } from './depth-snapshot.ts';

/** Construction options of {@link BinanceStreamFeed}. */
export interface BinanceStreamFeedOptions {
  readonly instrument: Instrument;
  /** Raw-stream base without trailing slash (native/venues/endpoints.ts `streamBaseUrl`). */
  readonly streamBaseUrl: string;
  readonly fetchSnapshot: SnapshotFetcher;
  /** Wall clock: stamps `recvTimeUs` / `recv_ns`. */
  readonly clock: Clock;
  readonly sleep: Sleeper;
  readonly log: Log;
  /** Ends the feed when aborted. */
  readonly signal?: AbortSignal | undefined;
  /** Gets every raw line (depth, trade, bookTicker, snapshot, gap) before its event is queued. */
  readonly onRaw?: ((record: RawFeedRecord) => void) | undefined;
  /** Periodic re-snapshot, wall ms; default 900,000 (15 min); 0 = never. */
  readonly resnapshotMs?: number;
  /** Reconnect backoff bounds, wall ms; defaults 250 and 10,000. */
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
  /** Wait before fetching again a snapshot that failed or was too old, wall ms; default 500. */
  readonly snapshotRetryMs?: number;
}

/** Counters of the feed (monotone integers). */
export interface StreamFeedCounters {
  /** Socket connections opened (the first one included). */
  connects: number;
  /** REST snapshots fetched (all, including those too old). */
  snapshotsFetched: number;
  /** Snapshots older than the first diff of the connection, fetched again. */
  snapshotsTooOld: number;
  /** Breaks of the received diff chain. */
  sequenceGaps: number;
  /** Trades dropped as already seen (id not above the last). */
  duplicateTrades: number;
}

/** The live feed of one instrument; iterate once. See the module doc. */
export class BinanceStreamFeed implements AsyncIterable<MarketEvent> {
  readonly counters: StreamFeedCounters = {
    connects: 0,
    snapshotsFetched: 0,
    snapshotsTooOld: 0,
    sequenceGaps: 0,
    duplicateTrades: 0,
  };
  private readonly o: BinanceStreamFeedOptions;
  /** `spot` or `usdm` (the sequencing rule of the instrument's venue). */
  readonly market: MarketKind;
  private readonly parser: RecordedLineParser;
  private readonly url: string;
  private readonly ledger = new SnapshotLedger();
  private readonly queue: MarketEvent[] = [];
  /** Depth seq of each queued event (0 for other kinds). */
  private readonly queueSeq: number[] = [];
  private wake: (() => void) | undefined;
  private failure: unknown;
  private stopped = false;
  private socket: WebSocket | undefined;
  private connId = 0;
  private isConnected = false;
  private reconnected = false;
  /** Depth messages received (all connections), and that of the last depth event yielded. */
  private seq = 0;
  private yieldedSeq = 0;
  private firstDiff: DepthDiff | undefined;
  private lastDiffU: number | undefined;
  private lastDepthUs: number | undefined;
  private lastTradeId = -1;
  private fetching = false;
  private resnapshotTimer: ReturnType<typeof setInterval> | undefined;
  /** Aborted by `stop`: ends the backoff sleeps at once. */
  private readonly halt = new AbortController();

  constructor(options: BinanceStreamFeedOptions) {
    this.o = options;
    this.market = marketOf(options.instrument);
    this.parser = new RecordedLineParser(options.instrument, false);
    const s = options.instrument.symbol.toLowerCase();
    this.url = `${options.streamBaseUrl}/stream?streams=${s}@depth@100ms/${s}@trade/${s}@bookTicker`;
    options.signal?.addEventListener('abort', () => this.stop(), { once: true });
  }

  /** Whether the socket is open now. */
  get connected(): boolean {
    return this.isConnected;
  }

  /** Receive time of the last depth message, Unix µs; undefined before the first. */
  get lastDepthRecvUs(): number | undefined {
    return this.lastDepthUs;
  }

  /**
   * Stale-feed watchdog input: ms since the last depth message at `nowUs` (wall µs); Infinity while
   * the socket is down after depth had flowed; undefined before the first depth message (nothing to
   * quote on yet).
   */
  silenceMs(nowUs: number): number | undefined {
    const last = this.lastDepthUs;
    if (last === undefined) return undefined;
    return this.isConnected ? Math.max(0, (nowUs - last) / 1000) : Number.POSITIVE_INFINITY;
  }

  /** Asks for a new REST snapshot covering every depth event yielded so far (module doc, step 3). */
  requestSnapshot(): void {
    this.o.log.debug({ symbol: this.o.instrument.symbol, seq: this.yieldedSeq }, 'book resync requested');
    this.ledger.request(this.yieldedSeq);
    this.kickSnapshot();
  }

  /** Ends the iteration after the events already queued; closes the socket. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.resnapshotTimer !== undefined) clearInterval(this.resnapshotTimer);
    this.halt.abort();
    this.socket?.terminate();
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<MarketEvent> {
    const every = this.o.resnapshotMs ?? 900_000;
    if (every > 0) {
      this.resnapshotTimer = setInterval(() => {
        this.ledger.force();
        this.kickSnapshot();
      }, every);
      this.resnapshotTimer.unref();
    }
    const loop = this.connectLoop().catch((err: unknown) => this.fail(err)); // e.g. a malformed URL
    try {
      for (;;) {
        const ev = this.queue.shift();
        const seq = this.queueSeq.shift() ?? 0;
        if (ev !== undefined) {
          if (seq > 0) this.yieldedSeq = seq;
          yield ev;
          continue;
        }
        if (this.failure !== undefined) throw this.failure;
        if (this.stopped) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
      }
    } finally {
      this.stop();
      await loop;
    }
  }

  private push(ev: MarketEvent, seq: number): void {
    this.queue.push(ev);
    this.queueSeq.push(seq);
    this.wake?.();
  }

  private fail(err: unknown): void {
    this.failure ??= err;
    this.stop();
  }

  /** Connects, waits for the close, backs off, reconnects, until stopped. */
  private async connectLoop(): Promise<void> {
    const min = this.o.reconnectMinMs ?? 250;
    const max = this.o.reconnectMaxMs ?? 10_000;
    let backoffMs = min;
    while (!this.stopped) {
      const gotData = await this.connectOnce();
      if (this.stopped) return;
      backoffMs = gotData ? min : Math.min(backoffMs * 2, max);
      this.o.log.warn({ symbol: this.o.instrument.symbol, backoffMs }, 'market stream closed; reconnecting');
      await this.o.sleep(backoffMs, this.halt.signal);
    }
  }

  /** One connection; resolves on close with whether any message arrived. */
  private connectOnce(): Promise<boolean> {
    return new Promise((resolve) => {
      const ws = new WebSocket(this.url, { handshakeTimeout: 10_000 });
      this.socket = ws;
      const conn = ++this.connId;
      let gotData = false;
      ws.on('open', () => {
        this.counters.connects++;
        this.isConnected = true;
        this.reconnected = this.counters.connects > 1;
        this.firstDiff = undefined;
        this.ledger.reset();
      });
      ws.on('message', (data: RawData) => {
        if (conn !== this.connId || this.stopped) return;
        gotData = true;
        try {
          this.onMessage(data.toString());
        } catch (err) {
          this.fail(err);
        }
      });
      ws.on('error', (err: Error) => {
        this.o.log.warn({ symbol: this.o.instrument.symbol, err: errorFields(err) }, 'market stream error');
      });
      ws.on('close', () => {
        if (conn === this.connId) this.isConnected = false;
        resolve(gotData);
      });
    });
  }

  private onMessage(text: string): void {
    const recvUs = this.o.clock.nowUs();
    const msg = splitCombined(text);
    if (msg === undefined) return;
    const rec = rawRecord(msg.kind, recvUs, msg.stream, msg.data);
    let ev: MarketEvent | undefined;
    try {
      ev = this.parser.parse(rec.text);
    } finally {
      if (ev?.kind !== 'depth') this.o.onRaw?.(rec); // depth: after its gap record, below
    }
    if (ev === undefined) return;
    if (ev.kind === 'depth') this.onDiff(ev, rec, recvUs);
    else if (ev.kind === 'trade') {
      if (ev.tradeId <= this.lastTradeId) {
        this.counters.duplicateTrades++;
        return;
      }
      this.lastTradeId = ev.tradeId;
      this.push(ev, 0);
    } else this.push(ev, 0);
  }

  private onDiff(d: DepthDiff, rec: RawFeedRecord, recvUs: number): void {
    const seq = ++this.seq;
    this.lastDepthUs = recvUs;
    const prevU = this.lastDiffU;
    if (this.firstDiff === undefined) {
      this.firstDiff = d;
      if (this.reconnected) this.o.onRaw?.(gapRecord(recvUs, 'reconnect', prevU ?? null, d.firstUpdateId));
    } else if (prevU !== undefined && breaksChain(this.market, prevU, d)) {
      this.counters.sequenceGaps++;
      this.o.onRaw?.(gapRecord(recvUs, 'sequence', prevU, d.firstUpdateId));
      this.o.log.warn(
        { symbol: this.o.instrument.symbol, lastUpdateId: prevU, firstUpdateId: d.firstUpdateId },
        'depth stream gap; fetching a new snapshot',
      );
      this.ledger.request(seq);
    }
    if (prevU === undefined || d.finalUpdateId > prevU || this.firstDiff === d)
      this.lastDiffU = d.finalUpdateId;
    this.o.onRaw?.(rec);
    this.push(d, seq);
    this.kickSnapshot();
  }

  private kickSnapshot(): void {
    if (this.fetching || this.stopped || this.firstDiff === undefined || !this.ledger.needsFetch) return;
    this.fetching = true;
    this.fetchSnapshots()
      .catch((err: unknown) => this.fail(err))
      .finally(() => {
        this.fetching = false;
      });
  }

  /** Fetches until no request is pending on this connection (module doc, steps 2–3). */
  private async fetchSnapshots(): Promise<void> {
    const retryMs = this.o.snapshotRetryMs ?? 500;
    while (!this.stopped && this.ledger.needsFetch) {
      const first = this.firstDiff;
      if (first === undefined) return; // a new connection: its first diff kicks the fetch
      const conn = this.connId;
      this.ledger.started(this.seq);
      let raw: unknown;
      try {
        raw = await this.o.fetchSnapshot();
      } catch (err) {
        if (isMmflowError(err) && !err.retryable) throw err;
        this.ledger.failed();
        this.o.log.warn({ symbol: this.o.instrument.symbol, err: errorFields(err) }, 'depth snapshot failed');
        await this.o.sleep(retryMs, this.halt.signal);
        continue;
      }
      if (conn !== this.connId || this.stopped) continue; // reconnected meanwhile: not for this stream
      this.counters.snapshotsFetched++;
      if (!isObj(raw)) throw snapshotError('expected a JSON object');
      const rec = rawRecord('snapshot', this.o.clock.nowUs(), undefined, raw);
      const ev = this.parser.parse(rec.text);
      if (ev?.kind !== 'snapshot') throw snapshotError('field "lastUpdateId" is missing');
      if (snapshotTooOld(this.market, ev.lastUpdateId, first)) {
        this.counters.snapshotsTooOld++;
        this.ledger.failed();
        await this.o.sleep(retryMs, this.halt.signal);
        continue;
      }
      this.o.onRaw?.(rec);
      this.push(ev, 0);
    }
  }
}

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function snapshotError(what: string): PermanentError {
  return new PermanentError('PARSE_FIELD', `REST depth snapshot: ${what}`, { field: 'lastUpdateId' });
}
