import { describe, expect, it } from 'vitest';
import type { VenueReport } from '../../core/engine/venue-port.ts';
import type { Instrument } from '../../core/instrument.ts';
import { ManualClock } from '../../core/ports.ts';
import { silentLog } from '../../infra/log.ts';
import { CcxtVenue } from '../../native/venues/ccxt-venue.ts';
import { describeVenueContract } from '../core/engine/venue-port.contract.ts';
import { FakeCcxtExchange, NetworkError, RequestTimeout } from './fake-ccxt-exchange.ts';

const BTCUSDT: Instrument = {
  venue: 'binance-spot',
  symbol: 'BTCUSDT',
  tickSize: '0.01',
  lotSize: '0.00001',
  makerFeeBps: 10,
  takerFeeBps: 10,
};

function harness(sleep: (ms: number) => Promise<void> = async () => undefined) {
  const exchange = new FakeCcxtExchange();
  exchange.bestAsk = 1.01; // 101 ticks of 0.01
  const reports: VenueReport[] = [];
  const listenerErrors: unknown[] = [];
  const venue = new CcxtVenue({
    client: exchange,
    instrument: BTCUSDT,
    clock: new ManualClock(1_000_000),
    sleep, // default: retry backoff and fill grace pass at once
    log: silentLog,
    onReport: (r) => reports.push(r),
    onListenerError: (err) => listenerErrors.push(err),
    secrets: [],
  });
  venue.start();
  return { exchange, reports, venue, listenerErrors };
}

describeVenueContract('CcxtVenue (stand-in exchange)', async () => {
  const h = harness();
  return {
    venue: h.venue,
    reports: h.reports,
    settle: () => h.exchange.settle(),
    restingBidTicks: 100,
    crossingBidTicks: 101,
    sizeLots: 2,
  };
});

const place = (id: string, priceTicks = 100, sizeLots = 300) =>
  ({ type: 'place', side: 'bid', priceTicks, sizeLots, clientOrderId: id }) as const;

describe('CcxtVenue', () => {
  it('sends a post-only limit order with exact price and size and the client id', async () => {
    const h = harness();
    h.exchange.bestAsk = 61837.64;
    h.venue.submit(place('mm-1', 6183763, 56));
    await h.exchange.settle();
    expect(h.exchange.calls).toEqual(['createOrder BTC/USDT limit buy 0.00056 61837.63 mm-1 postOnly=true']);
    expect(h.reports).toMatchObject([
      {
        type: 'accepted',
        clientOrderId: 'mm-1',
        priceTicks: 6183763,
        sizeLots: 56,
        timeUs: 1_723_161_600_000_000,
      },
    ]);
  });

  it('reports fills with the remaining open lots and the fee in quote currency', async () => {
    const h = harness();
    h.venue.submit(place('mm-1'));
    await h.exchange.settle();
    h.exchange.fill('mm-1', 0.001);
    h.exchange.fill('mm-1', 0.002);
    await h.exchange.settle();
    const fills = h.reports.filter((r) => r.type === 'fill');
    expect(fills.map((r) => [r.fill.sizeLots, r.openLots, r.fill.priceTicks, r.fill.liquidity])).toEqual([
      [100, 200, 100, 'maker'],
      [200, 0, 100, 'maker'],
    ]);
    expect(fills[0]?.fill.feeQuote).toBeCloseTo(0.000001, 12); // 1.00 × 0.001 × 10 bps
    expect(h.venue.openOrderCount).toBe(0);
  });

  it('holds fills that beat the createOrder answer until after accepted', async () => {
    const h = harness();
    h.exchange.fillOnCreate = 0.001; // the trade message is on the stream before the REST answer
    h.venue.submit(place('mm-1'));
    await h.exchange.settle();
    expect(h.reports.map((r) => (r.type === 'fill' ? `fill:${r.openLots}` : r.type))).toEqual([
      'accepted',
      'fill:200',
    ]);
  });

  it('holds a canceled report until the fills the cancel answer implies have arrived', async () => {
    const h = harness(() => new Promise<void>(() => undefined)); // the fill grace never runs out here
    h.venue.submit(place('mm-1'));
    await h.exchange.settle();
    h.exchange.fill('mm-1', 0.001, true); // filled on the exchange, trade message delayed
    h.venue.submit({ type: 'cancel', side: 'bid', clientOrderId: 'mm-1' });
    await h.exchange.settle();
    expect(h.reports.map((r) => r.type)).toEqual(['accepted']); // cancel answer says 200 remain; we still count 300
    h.exchange.deliverTrades();
    await h.exchange.settle();
    expect(h.reports.map((r) => r.type)).toEqual(['accepted', 'fill', 'canceled']);
    const canceled = h.reports[2];
    expect(canceled?.type === 'canceled' ? canceled.canceledLots : -1).toBe(200);
  });

  it('answers cancel-rejected when the order filled before the cancel', async () => {
    const h = harness();
    h.venue.submit(place('mm-1'));
    await h.exchange.settle();
    h.exchange.fill('mm-1', 0.003);
    await h.exchange.settle();
    h.venue.submit({ type: 'cancel', side: 'bid', clientOrderId: 'mm-1' });
    await h.exchange.settle();
    expect(h.reports.map((r) => r.type)).toEqual(['accepted', 'fill', 'cancel-rejected']);
  });

  it('retries a cancel after a transient error', async () => {
    const h = harness();
    h.venue.submit(place('mm-1'));
    await h.exchange.settle();
    h.exchange.cancelErrors.push(
      new RequestTimeout('binance DELETE timed out'),
      new NetworkError('ECONNRESET'),
    );
    h.venue.submit({ type: 'cancel', side: 'bid', clientOrderId: 'mm-1' });
    await h.exchange.settle();
    expect(h.exchange.calls.filter((c) => c.startsWith('cancelOrder'))).toHaveLength(3);
    expect(h.reports.map((r) => r.type)).toEqual(['accepted', 'canceled']);
  });

  it('resolves an unknown place outcome by cancelling by client id', async () => {
    const live = harness();
    live.exchange.createErrors.push(new RequestTimeout('binance POST timed out'));
    live.venue.submit(place('mm-1'));
    await live.exchange.settle();
    // The timed-out order never reached the stand-in exchange: the cancel finds nothing → rejected.
    expect(live.reports.map((r) => (r.type === 'rejected' ? `rejected:${r.reason}` : r.type))).toEqual([
      'rejected:venue-error',
    ]);
    expect(live.exchange.calls.at(-1)).toBe('cancelOrder  BTC/USDT mm-1');
  });

  it('sends a cancel only after its own place has been answered (FIFO)', async () => {
    const h = harness();
    h.venue.submit(place('mm-1'));
    h.venue.submit({ type: 'cancel', side: 'bid', clientOrderId: 'mm-1' });
    await h.exchange.settle();
    expect(h.exchange.calls.map((c) => c.split(' ')[0])).toEqual(['createOrder', 'cancelOrder']);
    expect(h.reports.map((r) => r.type)).toEqual(['accepted', 'canceled']);
  });

  it('hands listener failures to the owner instead of losing them', async () => {
    const h = harness();
    const errors: unknown[] = [];
    const venue = new CcxtVenue({
      client: h.exchange,
      instrument: BTCUSDT,
      clock: new ManualClock(0),
      sleep: async () => undefined,
      log: silentLog,
      onReport: () => {
        throw new Error('engine invariant');
      },
      onListenerError: (err) => errors.push(err),
      secrets: [],
    });
    venue.submit(place('mm-9'));
    await h.exchange.settle();
    expect(errors).toHaveLength(1);
  });
});
