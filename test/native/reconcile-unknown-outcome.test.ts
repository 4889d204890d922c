/**
 * Unknown outcomes in CcxtVenue are resolved by asking the venue, never assumed
 * (docs/adr/0015-reconciliation.md): a create or cancel whose answer was lost is looked up with
 * fetchOrder by client id (retried on transient errors, bounded). Through the protocol: the production
 * client (createCcxtClient → ccxt pro.binance, its default 10 s request timeout) against the exchange
 * simulator, whose faults lose or fail answers on the wire (sim.faults), and a proxy that delays the
 * user-data stream (./stream-hold-proxy.ts). The reconciliation's orphan path over the same faults is
 * in ./reconcile-unknown-outcome-sim.test.ts.
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
  startVenueHarness,
  touchTicks,
  venueAccount,
  type VenueHarness,
  type VenueHarnessOptions,
} from './ccxt-venue-harness.ts';
import { startStreamHoldProxy, type StreamHoldProxy } from './stream-hold-proxy.ts';

const skip = skipWithout(missingSpotData, 'unknown order outcomes of CcxtVenue against the simulator');
const ACCOUNTS = Array.from({ length: 8 }, (_, i) => venueAccount(100 + i));
const MAX_STEPS = 400_000;
/** Longer than ccxt's default request timeout (10 000 ms): the create's answer is lost to the client. */
const LOST_ANSWER_MS = 13_000;
/** Only the order endpoint (POST create, GET query, DELETE cancel) fails. */
const ORDER_PATH = '/api/v3/order';

describe.skipIf(skip)('CcxtVenue: unknown outcomes are asked of the venue', () => {
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
    const h = await startVenueHarness(sim, account, { fillGraceMs: 60_000, ...opts });
    harnesses.push(h);
    return h;
  }

  async function pump(done: () => boolean): Promise<void> {
    expect(await pumpUntil(replay, done, MAX_STEPS, 5)).toBe(true);
  }

  it('a create whose answer was lost but which exists is accepted (found after retried queries), never re-sent', async () => {
    const h = await harness();
    sim.faults.apply({ fault: 'delayAcks', ms: LOST_ANSWER_MS, count: 1, stage: 'answer' });
    const { bidTicks } = touchTicks(replay);
    h.venue.submit(bid('mm-1', bidTicks, 300));
    expect(await pollUntil(() => h.order('mm-1') !== undefined)).toBe(true);
    // The order rests; its first two queries meet a 500 (transient) and are retried after 100, 200 ms.
    sim.faults.apply({ fault: 'failRest', status: 500, count: 2, pathPrefix: ORDER_PATH });
    expect(await pollUntil(() => h.reports.length > 0, 20_000)).toBe(true);
    await h.settle();
    expect(kinds(h.reports)).toEqual(['accepted']);
    expect(h.count('createOrder')).toBe(1);
    expect(h.count('fetchOrder')).toBe(3);
    expect(h.sleeps).toEqual([100, 200]);
    expect(h.ledger().orders.map((o) => o.clientOrderId)).toEqual(['mm-1']); // sent once
    // Its fills then come through the stream as for any live order.
    await pump(() => h.order('mm-1')?.status === 'FILLED');
    const fills = h.fills('mm-1');
    expect(await pollUntil(() => h.reports.length === 1 + fills.length)).toBe(true);
    expect(kinds(h.reports)).toEqual(['accepted', ...expectedFills(fills, 300)]);
    expect(h.venue.openOrderCount).toBe(0);
  });

  it('a create that filled in part before its answer was lost: accepted, then the buffered fill', async () => {
    const h = await harness();
    sim.faults.apply({ fault: 'delayAcks', ms: LOST_ANSWER_MS, count: 1, stage: 'answer' });
    const { bidTicks } = touchTicks(replay);
    h.venue.submit(bid('mm-1', bidTicks, 5000)); // 0.05 BTC: the first trade through it fills a part
    expect(await pollUntil(() => h.order('mm-1') !== undefined)).toBe(true);
    await pump(() => h.fills('mm-1').length > 0); // trade messages on the stream before the query
    const fills = h.fills('mm-1');
    expect(h.order('mm-1')?.status).toBe('PARTIALLY_FILLED');
    expect(await pollUntil(() => h.reports.length === 1 + fills.length, 20_000)).toBe(true);
    await h.settle();
    expect(kinds(h.reports)).toEqual(['accepted', ...expectedFills(fills, 5000)]);
    expect(h.count('fetchOrder')).toBe(1);
  });

  it('"order does not exist" after transient query errors is asked again notFoundRecheckMs (500) later, then rejected', async () => {
    const h = await harness();
    // 500 on the create (never processed) and on the first two queries.
    sim.faults.apply({ fault: 'failRest', status: 500, count: 3, pathPrefix: ORDER_PATH });
    const { bidTicks } = touchTicks(replay);
    h.venue.submit(bid('mm-1', bidTicks - 500, 300));
    expect(await pollUntil(() => h.reports.length > 0)).toBe(true);
    await h.settle();
    expect(kinds(h.reports)).toEqual(['rejected:venue-error']);
    expect(h.count('fetchOrder')).toBe(4); // 2 failed, 1 not found, 1 not found again
    expect(h.sleeps).toEqual([100, 200, 500]);
    expect(h.order('mm-1')).toBeUndefined();
  });

  it('no answer at all after the bounded attempts: no report is invented (left for reconciliation)', async () => {
    const h = await harness({ queryAttempts: 3 });
    sim.faults.apply({ fault: 'failRest', status: 500, count: 4, pathPrefix: ORDER_PATH });
    const { bidTicks } = touchTicks(replay);
    h.venue.submit(bid('mm-1', bidTicks - 500, 300));
    expect(await pollUntil(() => h.count('fetchOrder') === 3)).toBe(true);
    await h.settle();
    expect(sim.faults.status().applied.restFailed).toBe(4);
    expect(kinds(h.reports)).toEqual([]);
    expect(h.sleeps).toEqual([100, 200]);
    expect(h.venue.openOrderCount).toBe(1);
  });

  it('a cancel whose retries all failed asks the venue: an order filled meanwhile ends with its fills, no cancel report', async () => {
    const h = await harness({ baseUrl: proxy.url });
    const { bidTicks } = touchTicks(replay);
    h.venue.submit(bid('mm-1', bidTicks, 300));
    await h.settle();
    proxy.hold(); // the execution reports are delayed on the network
    await pump(() => h.order('mm-1')?.status === 'FILLED');
    // All five cancel attempts meet a 500; the query after them finds the order filled.
    sim.faults.apply({ fault: 'failRest', status: 500, count: 5, pathPrefix: ORDER_PATH });
    h.venue.submit(cancelBid('mm-1'));
    await h.settle();
    expect(h.count('cancelOrder')).toBe(5);
    expect(h.count('fetchOrder')).toBe(1);
    // Backoffs between the cancel attempts, then the fill grace (fillGraceMs) starts: it waits.
    expect(h.sleeps).toEqual([100, 200, 400, 800, 60_000]);
    expect(kinds(h.reports)).toEqual(['accepted']); // waiting for the fills the venue reported
    proxy.release();
    const fills = h.fills('mm-1');
    expect(await pollUntil(() => h.reports.length === 1 + fills.length)).toBe(true);
    await h.settle();
    expect(kinds(h.reports)).toEqual(['accepted', ...expectedFills(fills, 300)]);
    expect(h.venue.openOrderCount).toBe(0);
  });

  it('recheck settles an order the venue says it canceled, with what was left open', async () => {
    const h = await harness();
    const { bidTicks } = touchTicks(replay);
    h.venue.submit(bid('mm-1', bidTicks - 500, 300));
    await h.settle();
    // Canceled behind the venue's back (another session of the same key), straight through ccxt.
    await h.client.cancelOrder('', 'BTC/USDT', { clientOrderId: 'mm-1' });
    expect(h.order('mm-1')?.status).toBe('CANCELED');
    await h.venue.recheck('mm-1');
    await h.settle();
    expect(kinds(h.reports)).toEqual(['accepted', 'canceled:300']);
  });
});
