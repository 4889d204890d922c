/**
 * CcxtVenue through its protocol: the production client (createCcxtClient → ccxt pro.binance) against
 * the exchange simulator in manual mode, faults injected on the wire (sim.faults, docs/adr/0012) or by
 * a proxy that holds the user-data stream back (./stream-hold-proxy.ts). Figures are checked against
 * the simulator's ledger (what the venue did) and hand-computed prices, sizes and fees.
 * The ExecutionVenue port contract itself runs in ./ccxt-venue.sim.contract.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ExchangeSim } from '../../exchange-sim/simulator.ts';
import type { SymbolReplay } from '../../exchange-sim/symbol-replay.ts';
import { missingSpotData, pollUntil, pumpUntil, startManualSim } from '../exchange-sim/helpers.ts';
import { skipWithout } from '../setup/require.ts';
import {
  bid,
  cancelBid,
  expectedFills,
  kinds,
  lotsOf,
  startVenueHarness,
  touchTicks,
  venueAccount,
  type VenueHarness,
  type VenueHarnessOptions,
} from './ccxt-venue-harness.ts';
import { startStreamHoldProxy, type StreamHoldProxy } from './stream-hold-proxy.ts';

const skip = skipWithout(missingSpotData, 'CcxtVenue against the exchange simulator');
const ACCOUNTS = Array.from({ length: 12 }, (_, i) => venueAccount(i));
/** Replay lines to step at most while waiting for a resting order to trade. */
const MAX_STEPS = 400_000;

describe.skipIf(skip)('CcxtVenue over ccxt pro.binance against the exchange simulator', () => {
  let sim: ExchangeSim;
  let replay: SymbolReplay;
  let proxy: StreamHoldProxy;
  const harnesses: VenueHarness[] = [];
  let next = 0;

  beforeAll(async () => {
    sim = await startManualSim(ACCOUNTS);
    const r = sim.replays.get('BTCUSDT');
    if (r === undefined) throw new Error('no BTCUSDT replay');
    replay = r;
    proxy = await startStreamHoldProxy(sim.urls.http);
  });
  afterEach(() => {
    proxy.release();
    sim.faults.clear();
  });
  afterAll(async () => {
    for (const h of harnesses) await h.stop();
    await proxy?.close();
    await sim?.close();
  });

  async function harness(opts: VenueHarnessOptions = {}): Promise<VenueHarness> {
    const account = ACCOUNTS[next++];
    if (account === undefined) throw new Error('out of accounts');
    const h = await startVenueHarness(sim, account, opts);
    harnesses.push(h);
    return h;
  }

  /** Steps the replay until `done` (the simulator's state changes synchronously in a step). */
  async function pump(done: () => boolean): Promise<void> {
    expect(await pumpUntil(replay, done, MAX_STEPS, 5)).toBe(true);
  }

  it('sends a post-only limit order with the exact price, size and client id', async () => {
    const h = await harness();
    const { askTicks } = touchTicks(replay);
    const priceTicks = askTicks - 3;
    h.venue.submit(bid('mm-1', priceTicks, 56));
    await h.settle();
    const o = h.order('mm-1');
    // 56 lots of 0.00001 BTC; the price is the tick count / 100.
    expect(o).toMatchObject({ symbol: 'BTCUSDT', side: 'BUY', status: 'NEW', origQty: '0.00056000' });
    expect(o?.price).toBe((priceTicks / 100).toFixed(8)); // spot wire decimals: 8 places
    expect(h.reports).toEqual([
      {
        type: 'accepted',
        clientOrderId: 'mm-1',
        side: 'bid',
        priceTicks,
        sizeLots: 56,
        timeUs: 1_723_161_600_000_000, // the engine clock at the answer, not the venue's transactTime
      },
    ]);
    // Post-only: the same order at the ask would take, and is refused (-2010) before it rests.
    h.venue.submit(bid('mm-2', askTicks, 56));
    await h.settle();
    expect(kinds(h.reports)).toEqual(['accepted', 'rejected:post-only-would-cross']);
    expect(h.order('mm-2')).toBeUndefined();
  });

  it('reports fills with the remaining open lots, the price and the fee in quote currency', async () => {
    const h = await harness();
    const { bidTicks } = touchTicks(replay);
    h.venue.submit(bid('mm-1', bidTicks, 300));
    await h.settle();
    await pump(() => h.order('mm-1')?.status === 'FILLED');
    const fills = h.fills('mm-1');
    expect(await pollUntil(() => h.reports.length === 1 + fills.length)).toBe(true);
    expect(kinds(h.reports)).toEqual(['accepted', ...expectedFills(fills, 300)]);
    const reported = h.reports.flatMap((r) => (r.type === 'fill' ? [r.fill] : []));
    expect(reported.map((f) => [f.priceTicks, f.liquidity])).toEqual(fills.map(() => [bidTicks, 'maker']));
    // Maker fee 10 bps of price × size, in USDT: e.g. 60 000.00 × 0.003 × 0.001 = 0.18.
    reported.forEach((f, i) => {
      expect(f.feeQuote).toBeCloseTo((bidTicks / 100) * (f.sizeLots / 1e5) * 0.001, 8);
      expect(f.feeQuote).toBeCloseTo(fills[i]?.fee ?? NaN, 8);
    });
    expect(h.venue.openOrderCount).toBe(0);
  });

  it('holds fills that beat the createOrder answer until after accepted', async () => {
    const h = await harness();
    // The order rests at once; its answer is held 8 s (under ccxt's 10 s timeout): the replay trades
    // through it meanwhile and its execution reports go out on the user stream first.
    sim.faults.apply({ fault: 'delayAcks', ms: 8000, count: 1, stage: 'answer' });
    const { bidTicks } = touchTicks(replay);
    h.venue.submit(bid('mm-1', bidTicks, 300));
    expect(await pollUntil(() => h.order('mm-1') !== undefined)).toBe(true);
    await pump(() => h.fills('mm-1').length > 0);
    expect(h.reports).toEqual([]); // the answer is still held
    const fills = h.fills('mm-1');
    expect(await pollUntil(() => h.reports.length === 1 + fills.length, 15_000)).toBe(true);
    expect(kinds(h.reports)).toEqual(['accepted', ...expectedFills(fills, 300)]);
    expect(h.count('fetchOrder')).toBe(0); // answered, not timed out
  });

  it('holds a canceled report until the fills the cancel answer implies have arrived', async () => {
    const h = await harness({ baseUrl: proxy.url, fillGraceMs: 60_000 });
    const { bidTicks } = touchTicks(replay);
    h.venue.submit(bid('mm-1', bidTicks, 5000)); // 0.05 BTC: the first trade through it fills a part
    await h.settle();
    expect(kinds(h.reports)).toEqual(['accepted']);
    proxy.hold(); // execution reports are delayed on the network from here
    await pump(() => h.fills('mm-1').length > 0);
    const filledLots = lotsOf(h.order('mm-1')?.executedQty ?? '0');
    expect(filledLots).toBeGreaterThan(0);
    expect(filledLots).toBeLessThan(5000);
    h.venue.submit(cancelBid('mm-1'));
    await h.settle();
    expect(h.order('mm-1')?.status).toBe('CANCELED');
    // The cancel answer says 5000 − filled remain; the venue still counts 5000 open: it waits.
    expect(kinds(h.reports)).toEqual(['accepted']);
    expect(proxy.heldBytes()).toBeGreaterThan(0);
    proxy.release();
    const fills = h.fills('mm-1');
    expect(await pollUntil(() => h.reports.length === 2 + fills.length)).toBe(true);
    expect(kinds(h.reports)).toEqual([
      'accepted',
      ...expectedFills(fills, 5000),
      `canceled:${5000 - filledLots}`,
    ]);
  });

  it('answers cancel-rejected when the order filled before the cancel', async () => {
    const h = await harness();
    const { bidTicks } = touchTicks(replay);
    h.venue.submit(bid('mm-1', bidTicks, 300));
    await h.settle();
    await pump(() => h.order('mm-1')?.status === 'FILLED');
    const fills = h.fills('mm-1');
    expect(await pollUntil(() => h.reports.length === 1 + fills.length)).toBe(true);
    h.venue.submit(cancelBid('mm-1'));
    await h.settle();
    expect(kinds(h.reports)).toEqual(['accepted', ...expectedFills(fills, 300), 'cancel-rejected']);
  });

  it('answers cancel-rejected after the fills when the venue says "unknown order" before they arrive', async () => {
    const h = await harness({ baseUrl: proxy.url, fillGraceMs: 60_000 });
    const { bidTicks } = touchTicks(replay);
    h.venue.submit(bid('mm-1', bidTicks, 300));
    await h.settle();
    proxy.hold();
    await pump(() => h.order('mm-1')?.status === 'FILLED');
    h.venue.submit(cancelBid('mm-1'));
    await h.settle();
    expect(h.count('cancelOrder')).toBe(1); // -2011 Unknown order sent
    expect(kinds(h.reports)).toEqual(['accepted']);
    proxy.release();
    const fills = h.fills('mm-1');
    expect(await pollUntil(() => h.reports.length === 2 + fills.length)).toBe(true);
    expect(kinds(h.reports)).toEqual(['accepted', ...expectedFills(fills, 300), 'cancel-rejected']);
    expect(h.venue.openOrderCount).toBe(0);
  });

  it('retries a cancel after transient errors (500, 429)', async () => {
    const h = await harness();
    const { bidTicks } = touchTicks(replay);
    h.venue.submit(bid('mm-1', bidTicks - 500, 300));
    await h.settle();
    // 500 → -1000 (ccxt OperationFailed), 429 → -1003 (RateLimitExceeded): both transient.
    sim.faults.apply({ fault: 'failRest', status: 500, count: 1, pathPrefix: '/api/v3/order' });
    sim.faults.apply({
      fault: 'failRest',
      status: 429,
      count: 1,
      pathPrefix: '/api/v3/order',
      retryAfterSec: 0,
    });
    h.venue.submit(cancelBid('mm-1'));
    await h.settle();
    expect(h.count('cancelOrder')).toBe(3);
    expect(sim.faults.status().applied.restFailed).toBe(2);
    expect(h.sleeps).toEqual([100, 200]); // backoff between the attempts, ms
    expect(kinds(h.reports)).toEqual(['accepted', 'canceled:300']);
    expect(h.order('mm-1')?.status).toBe('CANCELED');
  });

  it('resolves an unknown place outcome by asking the venue (fetchOrder by client id)', async () => {
    const h = await harness();
    // A gateway 502: the order never reached the matching engine. Asked twice, it does not exist.
    sim.faults.apply({
      fault: 'failRest',
      status: 502,
      count: 1,
      pathPrefix: '/api/v3/order',
      body: 'gateway',
    });
    const { bidTicks } = touchTicks(replay);
    h.venue.submit(bid('mm-1', bidTicks - 500, 300));
    expect(await pollUntil(() => h.reports.length > 0)).toBe(true);
    expect(kinds(h.reports)).toEqual(['rejected:venue-error']);
    expect(h.calls).toEqual([
      'createOrder>',
      'createOrder<',
      'fetchOrder>',
      'fetchOrder<',
      'fetchOrder>',
      'fetchOrder<',
    ]);
    expect(h.sleeps).toEqual([500]); // notFoundRecheckMs between the two queries
    expect(h.order('mm-1')).toBeUndefined();
  });

  it('sends a cancel only after its own place has been answered (FIFO)', async () => {
    const h = await harness();
    sim.faults.apply({ fault: 'delayAcks', ms: 300, count: 1, stage: 'answer' });
    const { bidTicks } = touchTicks(replay);
    h.venue.submit(bid('mm-1', bidTicks - 500, 300));
    h.venue.submit(cancelBid('mm-1'));
    expect(await pollUntil(() => h.reports.length === 2)).toBe(true);
    expect(h.calls).toEqual(['createOrder>', 'createOrder<', 'cancelOrder>', 'cancelOrder<']);
    expect(kinds(h.reports)).toEqual(['accepted', 'canceled:300']);
    expect(h.order('mm-1')?.status).toBe('CANCELED');
  });

  it('hands listener failures to the owner instead of losing them', async () => {
    const h = await harness({
      onReport: () => {
        throw new Error('engine invariant');
      },
    });
    const { bidTicks } = touchTicks(replay);
    h.venue.submit(bid('mm-9', bidTicks - 500, 300));
    expect(await pollUntil(() => h.listenerErrors.length > 0)).toBe(true);
    await h.settle();
    expect(h.listenerErrors).toHaveLength(1);
    expect((h.listenerErrors[0] as Error).message).toBe('engine invariant');
  });
});
