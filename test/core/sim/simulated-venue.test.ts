import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ManualClock } from '../../../core/ports.ts';
import type { Trade } from '../../../core/market-events.ts';
import type { VenueReport } from '../../../core/engine/venue-port.ts';
import { SimulatedVenue } from '../../../core/sim/simulated-venue.ts';
import { feeQuote, quotePerTickLot } from '../../../core/sim/fees.ts';
import { FakeBook } from './fake-book.ts';

const SPOT_BTC = { tickSize: '0.01', lotSize: '0.00001' };

function trade(priceTicks: number, sizeLots: number, aggressor: 'buy' | 'sell' = 'sell'): Trade {
  return { kind: 'trade', tradeId: 1, priceTicks, sizeLots, aggressor, exchTimeMs: 0, recvTimeUs: 0 };
}

function setup(opts: { entryLatencyUs?: number; cancelLatencyUs?: number; makerFeeBps?: number } = {}) {
  const clock = new ManualClock(0);
  // Bid side: 100 × 5 lots (best), 99 × 8; ask side: 102 × 4.
  const book = new FakeBook().set('bid', 100, 5).set('bid', 99, 8).set('ask', 102, 4);
  const reports: VenueReport[] = [];
  const venue = new SimulatedVenue({
    clock,
    book,
    entryLatencyUs: opts.entryLatencyUs ?? 0,
    cancelLatencyUs: opts.cancelLatencyUs ?? 0,
    makerFeeBps: opts.makerFeeBps ?? 0,
    quotePerTickLot: quotePerTickLot(SPOT_BTC),
    onReport: (r) => reports.push(r),
  });
  /** Moves market time to `tUs` and delivers the requests due by then. */
  const at = (tUs: number): void => {
    clock.advanceTo(tUs);
    venue.processUntil(tUs);
  };
  const fills = () => reports.flatMap((r) => (r.type === 'fill' ? [r] : []));
  return { clock, book, venue, reports, at, fills };
}

describe('SimulatedVenue fill model', () => {
  it('fills a bid on a trade THROUGH its price, at the bid price, min(open, trade size)', () => {
    const s = setup();
    s.venue.submit({ type: 'place', side: 'bid', priceTicks: 100, sizeLots: 10, clientOrderId: 'b1' });
    s.at(0);
    expect(s.venue.liveOrders()).toEqual([
      { clientOrderId: 'b1', side: 'bid', priceTicks: 100, sizeLots: 10, openLots: 10, queueAheadLots: 5 },
    ]);
    s.venue.onTrade(trade(99, 3)); // through: the 5 lots ahead and we are all consumed
    expect(s.fills().map((f) => [f.fill.priceTicks, f.fill.sizeLots, f.openLots, f.fill.liquidity])).toEqual([
      [100, 3, 7, 'maker'],
    ]);
    s.venue.onTrade(trade(98, 20)); // larger than what is open: fills the remaining 7 only
    expect(s.fills().map((f) => [f.fill.sizeLots, f.openLots])).toEqual([
      [3, 7],
      [7, 0],
    ]);
    expect(s.venue.liveOrders()).toEqual([]);
  });

  it('fills an ask on a trade through its price (trade price > ask)', () => {
    const s = setup();
    s.venue.submit({ type: 'place', side: 'ask', priceTicks: 103, sizeLots: 2, clientOrderId: 'a1' });
    s.at(0);
    s.venue.onTrade(trade(103, 5, 'buy')); // at our price, queue ahead 0 (new level) → fills 2
    expect(s.fills().map((f) => [f.fill.side, f.fill.priceTicks, f.fill.sizeLots])).toEqual([
      ['ask', 103, 2],
    ]);
  });

  it('fills AT the price only after the queue ahead has traded (5 ahead; trades 3 then 4 → fill 2)', () => {
    const s = setup();
    s.venue.submit({ type: 'place', side: 'bid', priceTicks: 100, sizeLots: 10, clientOrderId: 'b1' });
    s.at(0);
    s.venue.onTrade(trade(100, 3));
    expect(s.fills()).toEqual([]);
    expect(s.venue.liveOrders()[0]?.queueAheadLots).toBe(2);
    s.venue.onTrade(trade(100, 4));
    expect(s.fills().map((f) => [f.fill.sizeLots, f.openLots])).toEqual([[2, 8]]);
    expect(s.venue.liveOrders()[0]?.queueAheadLots).toBe(0);
  });

  it('says how each fill happened: through our price (strictly beyond it) or from the queue (at it)', () => {
    const s = setup();
    s.venue.submit({ type: 'place', side: 'bid', priceTicks: 100, sizeLots: 10, clientOrderId: 'b1' });
    s.venue.submit({ type: 'place', side: 'ask', priceTicks: 103, sizeLots: 10, clientOrderId: 'a1' });
    s.at(0);
    s.venue.onTrade(trade(100, 7)); // at our bid: 5 to the queue ahead, 2 to us → queue fill
    s.venue.onTrade(trade(99, 1)); // below our bid → trade-through fill
    s.venue.onTrade(trade(103, 1, 'buy')); // at our ask, new level (nothing ahead) → queue fill
    s.venue.onTrade(trade(104, 2, 'buy')); // above our ask → trade-through fill
    expect(s.fills().map((f) => [f.fill.side, f.fill.sizeLots, f.fill.tradeThrough])).toEqual([
      ['bid', 2, false],
      ['bid', 1, true],
      ['ask', 1, false],
      ['ask', 2, true],
    ]);
  });

  it('does not fill on trades that do not reach the price', () => {
    const s = setup();
    s.venue.submit({ type: 'place', side: 'bid', priceTicks: 99, sizeLots: 10, clientOrderId: 'b1' });
    s.venue.submit({ type: 'place', side: 'ask', priceTicks: 103, sizeLots: 10, clientOrderId: 'a1' });
    s.at(0);
    s.venue.onTrade(trade(100, 50));
    s.venue.onTrade(trade(102, 50, 'buy'));
    expect(s.fills()).toEqual([]);
  });

  it('caps the queue ahead when the level shrinks (risk-averse: cancels assumed behind us)', () => {
    const s = setup();
    s.venue.submit({ type: 'place', side: 'bid', priceTicks: 100, sizeLots: 10, clientOrderId: 'b1' });
    s.at(0);
    s.book.set('bid', 100, 7); // level grows: joins behind us, queue ahead stays 5
    s.venue.onBookChanged();
    expect(s.venue.liveOrders()[0]?.queueAheadLots).toBe(5);
    s.book.set('bid', 100, 1); // level shrinks to 1: at most 1 lot can be ahead
    s.venue.onBookChanged();
    expect(s.venue.liveOrders()[0]?.queueAheadLots).toBe(1);
    s.venue.onTrade(trade(100, 3)); // 1 to the queue, 2 to us
    expect(s.fills().map((f) => f.fill.sizeLots)).toEqual([2]);
  });

  it('delays arrival by the entry latency: a trade through the price before arrival does not fill', () => {
    const s = setup({ entryLatencyUs: 1_000 });
    s.venue.submit({ type: 'place', side: 'bid', priceTicks: 100, sizeLots: 10, clientOrderId: 'b1' });
    expect(s.reports).toEqual([]); // never reports from inside submit
    s.at(999);
    expect(s.reports).toEqual([]);
    s.venue.onTrade(trade(99, 4)); // before arrival: no fill
    expect(s.fills()).toEqual([]);
    s.at(1_000);
    expect(s.reports).toEqual([
      { type: 'accepted', clientOrderId: 'b1', side: 'bid', priceTicks: 100, sizeLots: 10, timeUs: 1_000 },
    ]);
    s.venue.onTrade(trade(99, 4));
    expect(s.fills().map((f) => [f.fill.sizeLots, f.fill.timeUs])).toEqual([[4, 1_000]]);
  });

  it('lets fills happen until the cancel takes effect, then cancels the remaining lots', () => {
    const s = setup({ cancelLatencyUs: 2_000 });
    s.venue.submit({ type: 'place', side: 'bid', priceTicks: 100, sizeLots: 10, clientOrderId: 'b1' });
    s.at(0);
    s.venue.submit({ type: 'cancel', side: 'bid', clientOrderId: 'b1' });
    s.at(1_500);
    s.venue.onTrade(trade(99, 4)); // cancel still in flight: fills
    s.at(2_000);
    expect(s.reports.slice(1)).toEqual([
      {
        type: 'fill',
        fill: {
          clientOrderId: 'b1',
          side: 'bid',
          priceTicks: 100,
          sizeLots: 4,
          feeQuote: 0,
          liquidity: 'maker',
          timeUs: 1_500,
          tradeThrough: true, // a print at 99 < our bid 100
        },
        openLots: 6,
      },
      { type: 'canceled', clientOrderId: 'b1', side: 'bid', canceledLots: 6, timeUs: 2_000 },
    ]);
    s.venue.onTrade(trade(99, 4)); // after the cancel: nothing
    expect(s.fills()).toHaveLength(1);
  });

  it('answers cancel-rejected when the order was fully filled before the cancel arrived', () => {
    const s = setup({ cancelLatencyUs: 2_000 });
    s.venue.submit({ type: 'place', side: 'ask', priceTicks: 103, sizeLots: 3, clientOrderId: 'a1' });
    s.at(0);
    s.venue.submit({ type: 'cancel', side: 'ask', clientOrderId: 'a1' });
    s.venue.onTrade(trade(104, 5, 'buy'));
    s.at(2_000);
    expect(s.reports.map((r) => r.type)).toEqual(['accepted', 'fill', 'cancel-rejected']);
  });

  it('never lets a cancel overtake its own place (FIFO), even with a shorter cancel latency', () => {
    const s = setup({ entryLatencyUs: 5_000, cancelLatencyUs: 1_000 });
    s.venue.submit({ type: 'place', side: 'bid', priceTicks: 100, sizeLots: 1, clientOrderId: 'b1' });
    s.venue.submit({ type: 'cancel', side: 'bid', clientOrderId: 'b1' });
    s.at(4_999);
    expect(s.reports).toEqual([]);
    s.at(5_000);
    expect(s.reports.map((r) => [r.type, 'timeUs' in r ? r.timeUs : -1])).toEqual([
      ['accepted', 5_000],
      ['canceled', 5_000],
    ]);
  });

  it('rejects a post-only order that would cross the book on arrival (bid ≥ best ask, ask ≤ best bid)', () => {
    const s = setup({ entryLatencyUs: 10 });
    s.venue.submit({ type: 'place', side: 'bid', priceTicks: 102, sizeLots: 1, clientOrderId: 'b1' });
    s.venue.submit({ type: 'place', side: 'ask', priceTicks: 100, sizeLots: 1, clientOrderId: 'a1' });
    s.venue.submit({ type: 'place', side: 'bid', priceTicks: 101, sizeLots: 1, clientOrderId: 'b2' });
    s.at(10);
    expect(s.reports).toEqual([
      { type: 'rejected', clientOrderId: 'b1', side: 'bid', reason: 'post-only-would-cross', timeUs: 10 },
      { type: 'rejected', clientOrderId: 'a1', side: 'ask', reason: 'post-only-would-cross', timeUs: 10 },
      { type: 'accepted', clientOrderId: 'b2', side: 'bid', priceTicks: 101, sizeLots: 1, timeUs: 10 },
    ]);
    // b2 improved the touch: nothing visible ahead of it.
    expect(s.venue.liveOrders()[0]?.queueAheadLots).toBe(0);
  });

  it('charges the maker fee in quote currency (hand-computed)', () => {
    // Spot BTCUSDT: 61,837.63 USDT × 100 lots of 0.00001 BTC = 61.83763 USDT notional; 10 bps → 0.06183763.
    expect(quotePerTickLot(SPOT_BTC)).toBe(1e-7);
    expect(feeQuote(6_183_763, 100, 1e-7, 10)).toBeCloseTo(0.06183763, 12);
    const s = setup({ makerFeeBps: 10 });
    s.book.set('ask', 102, 0).set('ask', 6_183_764, 3); // a realistic touch: our bid rests inside it
    s.venue.submit({ type: 'place', side: 'bid', priceTicks: 6_183_763, sizeLots: 100, clientOrderId: 'b1' });
    s.at(0);
    s.venue.onTrade(trade(6_183_762, 250));
    expect(s.fills()[0]?.fill.feeQuote).toBeCloseTo(0.06183763, 12);
    // A rebate (negative bps) is a negative fee: -1 bp of 61.83763 = -0.006183763.
    expect(feeQuote(6_183_763, 100, 1e-7, -1)).toBeCloseTo(-0.006183763, 12);
  });

  it('throws on a duplicate client order id and rejects negative latencies', () => {
    const s = setup();
    s.venue.submit({ type: 'place', side: 'bid', priceTicks: 100, sizeLots: 1, clientOrderId: 'x' });
    expect(() =>
      s.venue.submit({ type: 'place', side: 'bid', priceTicks: 99, sizeLots: 1, clientOrderId: 'x' }),
    ).toThrow(/client order id in use/);
    expect(() => setup({ entryLatencyUs: -1 })).toThrow(RangeError);
  });

  it('never fills more than a trade printed nor more than was open (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.array(fc.record({ px: fc.integer({ min: 97, max: 101 }), lots: fc.integer({ min: 1, max: 9 }) }), {
          maxLength: 30,
        }),
        (orderLots, trades) => {
          const s = setup();
          s.venue.submit({
            type: 'place',
            side: 'bid',
            priceTicks: 100,
            sizeLots: orderLots + 1,
            clientOrderId: 'b',
          });
          s.venue.submit({
            type: 'place',
            side: 'bid',
            priceTicks: 99,
            sizeLots: orderLots + 2,
            clientOrderId: 'c',
          });
          s.at(0);
          let before = 0;
          for (const t of trades) {
            s.venue.onTrade(trade(t.px, t.lots));
            const filled = s.fills().reduce((a, f) => a + f.fill.sizeLots, 0);
            expect(filled - before).toBeLessThanOrEqual(t.lots);
            before = filled;
          }
          for (const id of ['b', 'c']) {
            const mine = s.fills().filter((f) => f.fill.clientOrderId === id);
            const size = id === 'b' ? orderLots + 1 : orderLots + 2;
            expect(mine.reduce((a, f) => a + f.fill.sizeLots, 0)).toBeLessThanOrEqual(size);
            expect(mine.every((f) => f.openLots >= 0)).toBe(true);
          }
        },
      ),
    );
  });
});
