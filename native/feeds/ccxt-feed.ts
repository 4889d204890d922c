/**
 * Live market data over ccxt pro (4.5) `watchOrderBook` and `watchTrades`, as mmflow `MarketEvent`s,
 * for `paper` and `live` modes.
 *
 * ccxt maintains the Binance book itself (REST snapshot + diff stream); each `watchOrderBook` answer is
 * its current full book with `nonce` = the last applied update id. `CcxtBookDiffer` turns the sequence
 * of books back into the snapshot + diff stream the core's `BinanceBookSync` expects: the first book
 * (and any book after `requestSnapshot()`) becomes a `DepthSnapshot` with `lastUpdateId = nonce`; each
 * later book becomes a `DepthDiff` of the changed levels with `U = previous nonce + 1`, `u = nonce`
 * (and `pu = previous nonce` on USDⓈ-M), which satisfies both markets' chaining rules by construction.
 *
 * Stream failures are mapped with `mapCcxtError`: transient ones are retried with backoff and force a
 * fresh snapshot; permanent ones end the feed with that error.
 */
import { PermanentError } from '../../core/errors.ts';
import { instrumentSteps, type Instrument } from '../../core/instrument.ts';
import type {
  DepthDiff,
  DepthSnapshot,
  Level,
  MarketEvent,
  MarketKind,
  Trade,
} from '../../core/market-events.ts';
import type { Clock } from '../../core/ports.ts';
import { errorFields, type Log } from '../../infra/log.ts';
import { mapCcxtError } from '../venues/ccxt-errors.ts';
import {
  ccxtOrderBookWire,
  ccxtSymbolOf,
  ccxtTradeWire,
  floatToSteps,
  levelsFromCcxt,
  parseCcxt,
  type CcxtOrderBookWire,
  type CcxtTradeWire,
} from '../venues/ccxt-wire.ts';
import type { Sleeper } from './recorded-feed.ts';

/** The ccxt pro methods the feed calls (a `ccxt.pro.binance` instance satisfies it). */
export interface CcxtMarketClient {
  watchOrderBook(symbol: string, limit?: number, params?: Record<string, unknown>): Promise<unknown>;
  watchTrades(
    symbol: string,
    since?: number,
    limit?: number,
    params?: Record<string, unknown>,
  ): Promise<unknown>;
}

/**
 * Pure: successive ccxt books → snapshot + diff events (module doc). One per symbol.
 */
export class CcxtBookDiffer {
  private readonly instrument: Instrument;
  private readonly market: MarketKind;
  private prevNonce: number | undefined;
  private bids = new Map<number, number>();
  private asks = new Map<number, number>();

  constructor(instrument: Instrument) {
    this.instrument = instrument;
    this.market = instrument.venue === 'binance-spot' ? 'spot' : 'usdm';
  }

  /**
   * @param book a parsed ccxt book; @param recvTimeUs our receive time, µs.
   * @param forceSnapshot emit a snapshot even if a diff could be built (after a resync request).
   * @returns the event, or undefined if the book has not advanced (same or older nonce).
   * @throws PermanentError `PARSE_FIELD` if the book has no nonce; `OFF_GRID` for off-grid values.
   */
  next(
    book: CcxtOrderBookWire,
    recvTimeUs: number,
    forceSnapshot: boolean,
  ): DepthSnapshot | DepthDiff | undefined {
    const nonce = book.nonce;
    if (nonce === undefined || nonce === null) {
      throw new PermanentError('PARSE_FIELD', 'ccxt order book: field "nonce" is required to chain updates', {
        field: 'nonce',
      });
    }
    const bids = levelsFromCcxt(this.instrument, book.bids);
    const asks = levelsFromCcxt(this.instrument, book.asks);
    const exchTimeMs = book.timestamp ?? undefined;
    const prev = this.prevNonce;
    if (prev !== undefined && !forceSnapshot && nonce <= prev) return undefined;
    const newBids = toMap(bids);
    const newAsks = toMap(asks);
    let event: DepthSnapshot | DepthDiff;
    if (prev === undefined || forceSnapshot) {
      event = { kind: 'snapshot', lastUpdateId: nonce, bids, asks, recvTimeUs, exchTimeMs };
    } else {
      event = {
        kind: 'depth',
        firstUpdateId: prev + 1,
        finalUpdateId: nonce,
        prevFinalUpdateId: this.market === 'usdm' ? prev : undefined,
        bids: changedLevels(this.bids, newBids),
        asks: changedLevels(this.asks, newAsks),
        exchTimeMs: exchTimeMs ?? Math.floor(recvTimeUs / 1000),
        recvTimeUs,
      };
    }
    this.prevNonce = nonce;
    this.bids = newBids;
    this.asks = newAsks;
    return event;
  }
}

function toMap(levels: readonly Level[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const [p, s] of levels) if (s > 0) m.set(p, s);
  return m;
}

/** Levels whose size changed from `before` to `after`, removed ones with size 0. */
export function changedLevels(
  before: ReadonlyMap<number, number>,
  after: ReadonlyMap<number, number>,
): Level[] {
  const out: Level[] = [];
  for (const [p, s] of after) if (before.get(p) !== s) out.push([p, s]);
  for (const p of before.keys()) if (!after.has(p)) out.push([p, 0]);
  return out;
}

/**
 * Pure: a ccxt public trade → a core `Trade` (ccxt's `side` is the taker side).
 * @throws PermanentError `PARSE_FIELD` for a non-integer trade id; `OFF_GRID` for off-grid values.
 */
export function tradeFromCcxt(instrument: Instrument, t: CcxtTradeWire, recvTimeUs: number): Trade {
  const tradeId = Number(t.id);
  if (!Number.isSafeInteger(tradeId)) {
    throw new PermanentError('PARSE_FIELD', `ccxt trade: field "id": expected an integer id, got ${t.id}`, {
      field: 'id',
    });
  }
  const { price, size } = instrumentSteps(instrument);
  return {
    kind: 'trade',
    tradeId,
    priceTicks: floatToSteps(price, t.price),
    sizeLots: floatToSteps(size, t.amount),
    aggressor: t.side,
    exchTimeMs: t.timestamp,
    recvTimeUs,
  };
}

/** Construction options of `CcxtMarketFeed`. */
export interface CcxtMarketFeedOptions {
  readonly client: CcxtMarketClient;
  readonly instrument: Instrument;
  /** Wall clock: stamps `recvTimeUs`. */
  readonly clock: Clock;
  readonly sleep: Sleeper;
  readonly log: Log;
  /** Ends the feed when aborted. */
  readonly signal?: AbortSignal | undefined;
}

/** Live events from ccxt pro; iterate once. See the module doc. */
export class CcxtMarketFeed implements AsyncIterable<MarketEvent> {
  private readonly o: CcxtMarketFeedOptions;
  private readonly symbol: string;
  private readonly differ: CcxtBookDiffer;
  private readonly queue: MarketEvent[] = [];
  private wake: (() => void) | undefined;
  private failure: unknown;
  private snapshotWanted = true;
  private stopped = false;
  /** Highest trade id emitted: Binance trade ids rise per symbol, so a repeat after a resubscribe is dropped. */
  private lastTradeId = -1;

  constructor(options: CcxtMarketFeedOptions) {
    this.o = options;
    this.symbol = ccxtSymbolOf(options.instrument);
    this.differ = new CcxtBookDiffer(options.instrument);
    options.signal?.addEventListener('abort', () => this.stop(), { once: true });
  }

  /** The next book update is emitted as a snapshot (the engine calls this on a resync request). */
  requestSnapshot(): void {
    this.o.log.debug({ symbol: this.o.instrument.symbol }, 'book resync requested');
    this.snapshotWanted = true;
  }

  /** Ends the iteration after the events already queued. */
  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<MarketEvent> {
    const loops = [this.loop('book'), this.loop('trades')];
    try {
      for (;;) {
        const ev = this.queue.shift();
        if (ev !== undefined) {
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
      void Promise.allSettled(loops);
    }
  }

  private push(ev: MarketEvent): void {
    this.queue.push(ev);
    this.wake?.();
  }

  private async loop(kind: 'book' | 'trades'): Promise<void> {
    let backoffMs = 100;
    while (!this.stopped) {
      try {
        if (kind === 'book') {
          const book = parseCcxt(
            ccxtOrderBookWire,
            await this.o.client.watchOrderBook(this.symbol),
            'order book',
          );
          const ev = this.differ.next(book, this.o.clock.nowUs(), this.snapshotWanted);
          this.snapshotWanted = false;
          if (ev !== undefined) this.push(ev);
        } else {
          const raw = await this.o.client.watchTrades(this.symbol);
          if (!Array.isArray(raw))
            throw new PermanentError('PARSE_FIELD', 'ccxt watchTrades: expected an array', {
              field: '(root)',
            });
          const recvTimeUs = this.o.clock.nowUs();
          for (const item of raw) {
            const trade = tradeFromCcxt(
              this.o.instrument,
              parseCcxt(ccxtTradeWire, item, 'trade'),
              recvTimeUs,
            );
            if (trade.tradeId <= this.lastTradeId) continue;
            this.lastTradeId = trade.tradeId;
            this.push(trade);
          }
        }
        backoffMs = 100;
      } catch (err) {
        if (this.stopped) return;
        const mapped =
          err instanceof PermanentError
            ? err
            : mapCcxtError(err, { op: kind === 'book' ? 'watchOrderBook' : 'watchTrades' });
        if (!mapped.retryable) {
          this.failure = mapped;
          this.stop();
          return;
        }
        this.o.log.warn(
          { stream: kind, err: errorFields(mapped), backoffMs },
          'market stream failed; resubscribing',
        );
        if (kind === 'book') this.snapshotWanted = true;
        await this.o.sleep(backoffMs, this.o.signal);
        backoffMs = Math.min(backoffMs * 2, 10_000);
      }
    }
  }
}
