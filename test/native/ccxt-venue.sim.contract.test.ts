/**
 * The ExecutionVenue contract (test/core/engine/venue-port.contract.ts) run against the ccxt-backed
 * venue through its protocol: `CcxtVenue` over the production client factory (`createCcxtClient`, the
 * real ccxt pro.binance) pointed at the exchange simulator with `--exchange-url`'s override. The
 * simulator is in manual mode, so the book stands still and a resting bid stays resting.
 */
import { afterAll, beforeAll } from 'vitest';
import type { VenueReport } from '../../core/engine/venue-port.ts';
import { priceToTicks } from '../../core/instrument.ts';
import { ManualClock } from '../../core/ports.ts';
import type { ExchangeSim } from '../../exchange-sim/simulator.ts';
import { silentLog } from '../../infra/log.ts';
import { Secret } from '../../native/secret.ts';
import { systemSleep } from '../../native/system-clock.ts';
import { createCcxtClient, type CcxtClient } from '../../native/venues/ccxt-client.ts';
import { CcxtVenue } from '../../native/venues/ccxt-venue.ts';
import { getInstrument } from '../../venues/instruments.ts';
import { describeVenueContract } from '../core/engine/venue-port.contract.ts';
import { missingSpotData, pollUntil, startManualSim } from '../exchange-sim/helpers.ts';
import { skipWithout } from '../setup/require.ts';

const skip = skipWithout(missingSpotData, 'CcxtVenue contract against the exchange simulator');
const BTCUSDT = getInstrument('binance-spot', 'BTCUSDT');
/** One account per harness: the contract reuses client order ids, which Binance refuses while open. */
const KEYS = Array.from({ length: 8 }, (_, i) => ({
  apiKey: `contract${i}`,
  secret: `contract-secret-${i}`,
  balances: { BTC: 1, USDT: 100_000 },
}));

let sim: ExchangeSim | undefined;
const clients: CcxtClient[] = [];
const venues: CcxtVenue[] = [];

if (!skip) {
  beforeAll(async () => {
    sim = await startManualSim(KEYS);
  });
  afterAll(async () => {
    for (const v of venues) v.stop();
    await Promise.all(clients.map((c) => c.close()));
    await sim?.close();
  });
}

/** Counts the client's calls in flight, so `settle` can wait for the venue's answers. */
function counting(client: CcxtClient): { client: CcxtClient; inFlight: () => number } {
  let n = 0;
  const track =
    <A extends unknown[], R>(f: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      n++;
      try {
        return await f(...args);
      } finally {
        n--;
      }
    };
  return {
    client: {
      ...client,
      createOrder: track(client.createOrder.bind(client)),
      cancelOrder: track(client.cancelOrder.bind(client)),
    },
    inFlight: () => n,
  };
}

let next = 0;

describeVenueContract(
  'CcxtVenue (ccxt pro.binance against the exchange simulator)',
  async () => {
    const s = sim;
    const key = KEYS[next++];
    if (s === undefined || key === undefined) throw new Error('simulator not started');
    const raw = createCcxtClient(
      BTCUSDT,
      { apiKey: new Secret(key.apiKey), apiSecret: new Secret(key.secret) },
      s.urls.http,
    );
    clients.push(raw);
    await raw.loadMarkets();
    const { client, inFlight } = counting(raw);
    const reports: VenueReport[] = [];
    const venue = new CcxtVenue({
      client,
      instrument: BTCUSDT,
      clock: new ManualClock(1_723_161_600_000_000),
      sleep: systemSleep,
      log: silentLog,
      onReport: (r) => reports.push(r),
      onListenerError: (err) => {
        throw err;
      },
      secrets: [],
    });
    venues.push(venue);
    venue.start();
    // The own-trades stream is up before the test starts: ccxt 4.5 leaves a rejected promise unhandled
    // when a client is closed while its socket is still connecting (Exchange.watch: `connected.then`).
    const account = s.accounts.get(key.apiKey);
    await pollUntil(() => (account?.subscribers ?? 0) > 0);
    const replay = s.replays.get('BTCUSDT');
    if (replay === undefined) throw new Error('no BTCUSDT replay');
    const bestAsk = replay.depthSnapshot(1).asks[0];
    if (bestAsk === undefined) throw new Error('empty ask side');
    const askTicks = priceToTicks(BTCUSDT, String(bestAsk[0]));
    return {
      venue,
      reports,
      settle: async () => {
        // No call in flight at three checks 10 ms apart: a cancel starts its call only after its own
        // place has settled, a few turns of the event loop after the place's answer.
        let idle = 0;
        while (idle < 3) {
          await new Promise((r) => setTimeout(r, 10));
          idle = inFlight() === 0 ? idle + 1 : 0;
        }
      },
      restingBidTicks: askTicks - 500,
      crossingBidTicks: askTicks,
      sizeLots: 100,
    };
  },
  skip,
);
