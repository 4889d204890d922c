import { describe, expect, it } from 'vitest';
import { BinanceBookSync } from '../../core/book/binance-sync.ts';
import { OrderBook } from '../../core/book/order-book.ts';
import type { Instrument } from '../../core/instrument.ts';
import type { MarketEvent } from '../../core/market-events.ts';
import { ManualClock } from '../../core/ports.ts';
import { silentLog } from '../../infra/log.ts';
import {
  CcxtBookDiffer,
  CcxtMarketFeed,
  changedLevels,
  tradeFromCcxt,
} from '../../native/feeds/ccxt-feed.ts';
import {
  buildCreateOrderArgs,
  ccxtSymbolOf,
  feeQuoteOf,
  floatToSteps,
  parseCcxt,
  ccxtTradeWire,
} from '../../native/venues/ccxt-wire.ts';
import { instrumentSteps } from '../../core/instrument.ts';
import { NetworkError } from 'ccxt';

const SPOT: Instrument = {
  venue: 'binance-spot',
  symbol: 'BTCUSDT',
  tickSize: '0.01',
  lotSize: '0.00001',
  makerFeeBps: 10,
  takerFeeBps: 10,
};
const USDM: Instrument = {
  venue: 'binance-usdm',
  symbol: 'BTCUSDT',
  tickSize: '0.1',
  lotSize: '0.001',
  makerFeeBps: 2,
  takerFeeBps: 5,
};

const book = (nonce: number, bids: number[][], asks: number[][], timestamp = 1_723_161_255_208) => ({
  nonce,
  bids,
  asks,
  timestamp,
});

describe('CcxtBookDiffer', () => {
  it('turns successive ccxt books into a snapshot and chained diffs the spot sync applies', () => {
    const differ = new CcxtBookDiffer(SPOT);
    const ob = new OrderBook();
    const sync = new BinanceBookSync('spot', ob);
    const events = [
      differ.next(
        book(
          100,
          [
            [61837.63, 0.5],
            [61837.62, 1],
          ],
          [[61837.64, 0.25]],
        ),
        1,
        false,
      ),
      differ.next(
        book(
          103,
          [
            [61837.63, 0.7],
            [61837.62, 1],
          ],
          [[61837.65, 0.1]],
        ),
        2,
        false,
      ),
      differ.next(book(103, [[61837.63, 0.7]], [[61837.65, 0.1]]), 3, false), // same nonce: nothing new
      differ.next(
        book(
          110,
          [[61837.62, 1]],
          [
            [61837.65, 0.1],
            [61837.7, 2],
          ],
        ),
        4,
        false,
      ),
    ];
    expect(events[0]).toMatchObject({
      kind: 'snapshot',
      lastUpdateId: 100,
      bids: [
        [6183763, 50000],
        [6183762, 100000],
      ],
      asks: [[6183764, 25000]],
    });
    expect(events[1]).toEqual({
      kind: 'depth',
      firstUpdateId: 101,
      finalUpdateId: 103,
      prevFinalUpdateId: undefined,
      bids: [[6183763, 70000]],
      asks: [
        [6183765, 10000],
        [6183764, 0],
      ],
      exchTimeMs: 1_723_161_255_208,
      recvTimeUs: 2,
    });
    expect(events[2]).toBeUndefined();
    const results = events.map((e) =>
      e === undefined
        ? 'none'
        : e.kind === 'snapshot'
          ? sync.onSnapshot(e)
          : e.kind === 'depth'
            ? sync.onDiff(e)
            : 'other',
    );
    expect(results).toEqual(['applied', 'applied', 'none', 'applied']);
    expect(sync.state).toBe('synced');
    expect([ob.bestBidTicks(), ob.bestAskTicks()]).toEqual([6183762, 6183765]);
  });

  it('chains USDⓈ-M diffs with pu = previous nonce and accepts them in the futures sync', () => {
    const differ = new CcxtBookDiffer(USDM);
    const sync = new BinanceBookSync('usdm', new OrderBook());
    const snap = differ.next(book(5000, [[28150.1, 1.5]], [[28150.2, 0.3]]), 1, false);
    const diff = differ.next(book(5042, [[28150.1, 1.2]], [[28150.2, 0.3]]), 2, false);
    expect(diff).toMatchObject({
      kind: 'depth',
      firstUpdateId: 5001,
      finalUpdateId: 5042,
      prevFinalUpdateId: 5000,
      bids: [[281501, 1200]],
      asks: [],
    });
    expect(snap?.kind === 'snapshot' && sync.onSnapshot(snap)).toBe('applied');
    expect(diff?.kind === 'depth' && sync.onDiff(diff)).toBe('applied');
  });

  it('emits a snapshot again when asked (resync)', () => {
    const differ = new CcxtBookDiffer(SPOT);
    differ.next(book(1, [[1, 1]], [[1.01, 1]]), 1, false);
    expect(differ.next(book(2, [[1, 2]], [[1.01, 1]]), 2, true)?.kind).toBe('snapshot');
  });

  it('refuses a book without a nonce and off-grid prices', () => {
    const differ = new CcxtBookDiffer(SPOT);
    expect(() => differ.next({ bids: [], asks: [], timestamp: 1, nonce: undefined }, 1, false)).toThrow(
      /nonce/,
    );
    expect(() => differ.next(book(1, [[61837.635, 1]], []), 1, false)).toThrow(
      expect.objectContaining({ code: 'OFF_GRID' }),
    );
  });

  it('changedLevels lists new, changed and removed levels', () => {
    expect(
      changedLevels(
        new Map([
          [1, 5],
          [2, 5],
        ]),
        new Map([
          [2, 6],
          [3, 1],
        ]),
      ),
    ).toEqual([
      [2, 6],
      [3, 1],
      [1, 0],
    ]);
  });
});

describe('ccxt wire helpers', () => {
  it('maps instruments to ccxt symbols', () => {
    expect(ccxtSymbolOf(SPOT)).toBe('BTC/USDT');
    expect(ccxtSymbolOf(USDM)).toBe('BTC/USDT:USDT');
  });

  it('snaps floats to the grid within 1e-9 and refuses others', () => {
    const { price, size } = instrumentSteps(SPOT);
    expect(floatToSteps(price, 61837.63)).toBe(6183763); // 61837.63/0.01 = 6183762.9999… in floats
    expect(floatToSteps(size, 0.00056)).toBe(56);
    expect(() => floatToSteps(size, 0.000005)).toThrow(expect.objectContaining({ code: 'OFF_GRID' }));
    expect(() => floatToSteps(size, -0.00001)).toThrow(expect.objectContaining({ code: 'OFF_GRID' }));
  });

  it('builds createOrder arguments from exact decimals and refuses bad sizes', () => {
    expect(
      buildCreateOrderArgs(USDM, {
        type: 'place',
        side: 'ask',
        priceTicks: 281502,
        sizeLots: 3,
        clientOrderId: 'x-1',
      }),
    ).toEqual({
      symbol: 'BTC/USDT:USDT',
      type: 'limit',
      side: 'sell',
      amount: 0.003,
      price: 28150.2,
      params: { clientOrderId: 'x-1', postOnly: true },
    });
    expect(() =>
      buildCreateOrderArgs(SPOT, {
        type: 'place',
        side: 'bid',
        priceTicks: 100,
        sizeLots: 0,
        clientOrderId: 'x',
      }),
    ).toThrow(expect.objectContaining({ code: 'BAD_ORDER' }));
  });

  it('takes the fee in quote, converts a base fee, and estimates other currencies', () => {
    const t = (fee: { cost: number; currency: string } | undefined) =>
      parseCcxt(
        ccxtTradeWire,
        {
          id: '1',
          order: '9',
          timestamp: 1,
          side: 'buy',
          price: 60000,
          amount: 0.001,
          takerOrMaker: 'maker',
          fee,
        },
        'trade',
      );
    expect(feeQuoteOf(SPOT, t({ cost: 0.06, currency: 'USDT' }), 60)).toBe(0.06);
    expect(feeQuoteOf(SPOT, t({ cost: 0.000001, currency: 'BTC' }), 60)).toBeCloseTo(0.06, 12);
    expect(feeQuoteOf(SPOT, t({ cost: 0.0001, currency: 'BNB' }), 60)).toBeCloseTo(0.06, 12); // 10 bps of 60
  });

  it('parses a ccxt trade into a core trade, naming a bad field', () => {
    const wire = parseCcxt(
      ccxtTradeWire,
      { id: '3650000001', timestamp: 1_723_161_255_342, side: 'sell', price: 61837.63, amount: 0.00056 },
      'trade',
    );
    expect(tradeFromCcxt(SPOT, wire, 7)).toEqual({
      kind: 'trade',
      tradeId: 3650000001,
      priceTicks: 6183763,
      sizeLots: 56,
      aggressor: 'sell',
      exchTimeMs: 1_723_161_255_342,
      recvTimeUs: 7,
    });
    expect(() =>
      parseCcxt(ccxtTradeWire, { id: '1', timestamp: 1, side: 'up', price: 1, amount: 1 }, 'trade'),
    ).toThrow(/field "side"/);
  });
});

describe('CcxtMarketFeed', () => {
  it('streams book and trade events, resubscribing after a transient error', async () => {
    const books = [
      new NetworkError('socket closed'),
      book(10, [[1, 1]], [[1.01, 1]]),
      book(11, [[1, 2]], [[1.01, 1]]),
    ];
    let tradesServed = false;
    const ac = new AbortController();
    const client = {
      watchOrderBook: async (): Promise<unknown> => {
        const next = books.shift();
        if (next === undefined) return new Promise(() => undefined);
        if (next instanceof Error) throw next;
        return next;
      },
      watchTrades: async (): Promise<unknown> => {
        if (tradesServed) return new Promise(() => undefined);
        tradesServed = true;
        return [{ id: '5', timestamp: 2, side: 'buy', price: 1.01, amount: 0.5 }];
      },
    };
    const feed = new CcxtMarketFeed({
      client,
      instrument: SPOT,
      clock: new ManualClock(0),
      sleep: async () => undefined,
      log: silentLog,
      signal: ac.signal,
    });
    const kinds: string[] = [];
    for await (const ev of feed as AsyncIterable<MarketEvent>) {
      kinds.push(ev.kind);
      if (kinds.length === 3) ac.abort();
    }
    expect(kinds.sort()).toEqual(['depth', 'snapshot', 'trade']);
  });
});
