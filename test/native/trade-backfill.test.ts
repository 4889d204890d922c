/**
 * Back-fill of own trades (native/venues/trade-backfill.ts; docs/adr/0015-reconciliation.md
 * "Back-fill") with the real ccxt pro.binance client (`createCcxtClient`) against the exchange
 * simulator in manual mode (the book moves only when the test steps the replay).
 *
 * 1. Stream drop: the user-data stream is cut (`faults.disconnect({ streams: 'user' })`), the order
 *    fills while no stream is connected (the replay is stepped synchronously once the account has no
 *    subscriber, so the venue's events go nowhere), and after ccxt re-subscribes the venue back-fills:
 *    its fill reports equal the ledger's fills (count, trade sizes, total 200 lots), once each.
 * 2. Periodic reconciliation: the same drop with the resubscribe back-fill held back; the Reconciler
 *    sees the inventory difference, back-fills before it counts, and the engine's inventory then
 *    matches the account: the gate is never fed a confirmed inventory difference.
 */
import { describe, expect, it } from 'vitest';
import type { VenueReport } from '../../core/engine/venue-port.ts';
import { priceToTicks } from '../../core/instrument.ts';
import { ManualClock } from '../../core/ports.ts';
import type { ExchangeSim } from '../../exchange-sim/simulator.ts';
import { engineOrderTag } from '../../native/client-order-ids.ts';
import { Reconciler } from '../../native/reconcile.ts';
import { Secret } from '../../native/secret.ts';
import { systemSleep } from '../../native/system-clock.ts';
import { createCcxtClient, type CcxtClient } from '../../native/venues/ccxt-client.ts';
import { CcxtVenue } from '../../native/venues/ccxt-venue.ts';
import { getInstrument } from '../../venues/instruments.ts';
import { missingSpotData, pollUntil, startManualSim } from '../exchange-sim/helpers.ts';
import { skipWithout } from '../setup/require.ts';
import { capturingLog } from './sim-engine-harness.ts';

const skip = skipWithout(missingSpotData, 'own-trade back-fill against the exchange simulator');
const BTCUSDT = getInstrument('binance-spot', 'BTCUSDT');
const KEY = { apiKey: 'backfill', secret: 'backfill-secret', balances: { BTC: 1, USDT: 100_000 } };
const TAG = engineOrderTag('backfill-test');
/** A wait the test never lets end (holds the resubscribe back-fill in test 2). */
const HOLD_MS = 3_600_000;

interface Rig {
  readonly sim: ExchangeSim;
  readonly client: CcxtClient;
  readonly venue: CcxtVenue;
  readonly reports: VenueReport[];
  readonly lines: string[];
}

async function rig(holdResubscribeBackfill: boolean): Promise<Rig> {
  const sim = await startManualSim([KEY]);
  const client = createCcxtClient(
    BTCUSDT,
    { apiKey: new Secret(KEY.apiKey), apiSecret: new Secret(KEY.secret) },
    sim.urls.http,
  );
  await client.loadMarkets();
  const reports: VenueReport[] = [];
  const { log, lines } = capturingLog();
  const venue = new CcxtVenue({
    client,
    instrument: BTCUSDT,
    clock: new ManualClock(Date.now() * 1000),
    sleep: (ms, signal) =>
      holdResubscribeBackfill && ms === HOLD_MS ? new Promise(() => undefined) : systemSleep(ms, signal),
    log,
    onReport: (r) => reports.push(r),
    onListenerError: (err) => {
      throw err;
    },
    secrets: [],
    ...(holdResubscribeBackfill ? { resubscribeSettleMs: HOLD_MS } : {}),
  });
  venue.start();
  const account = sim.accounts.get(KEY.apiKey);
  await pollUntil(() => (account?.subscribers ?? 0) > 0);
  return { sim, client, venue, reports, lines };
}

/** Places a 200-lot bid at the best bid, cuts the user stream, fills the order while it is down. */
async function fillDuringDrop(r: Rig, clientOrderId: string): Promise<void> {
  const replay = r.sim.replays.get('BTCUSDT');
  const account = r.sim.accounts.get(KEY.apiKey);
  if (replay === undefined || account === undefined) throw new Error('simulator not set up');
  const bid = replay.depthSnapshot(1).bids[0];
  if (bid === undefined) throw new Error('empty bid side');
  r.venue.submit({
    type: 'place',
    side: 'bid',
    priceTicks: priceToTicks(BTCUSDT, String(bid[0])),
    sizeLots: 200,
    clientOrderId,
  });
  expect(await pollUntil(() => account.openOrders(undefined).length === 1)).toBe(true);
  // Wait until the venue knows the exchange id (the create answer arrived).
  expect(await pollUntil(() => r.reports.some((x) => x.type === 'accepted'), 5000)).toBe(true);
  r.sim.faults.disconnect({ streams: 'user' });
  expect(await pollUntil(() => account.subscribers === 0)).toBe(true);
  // Synchronously: no I/O runs, so no stream can reconnect before the order is filled.
  const filled = (): boolean => account.openOrders(undefined).length === 0;
  for (let i = 0; i < 400_000 && !filled(); i++) if (!replay.step()) break;
  expect(filled()).toBe(true);
}

function fillLots(reports: readonly VenueReport[]): number[] {
  return reports.flatMap((x) => (x.type === 'fill' ? [x.fill.sizeLots] : []));
}

function ledgerLots(sim: ExchangeSim): number[] {
  return sim.ledger(KEY.apiKey, 'spot').fills.map((f) => priceToLots(f.qty));
}

function priceToLots(qty: string): number {
  return Math.round(Number(qty) / Number(BTCUSDT.lotSize));
}

async function close(r: Rig): Promise<void> {
  r.venue.stop();
  await r.client.close();
  await r.sim.close();
}

describe.skipIf(skip)('own-trade back-fill (ccxt pro.binance against the simulator)', () => {
  it('a fill missed while the user stream was down becomes fill reports after it resubscribes', async () => {
    const r = await rig(false);
    try {
      await fillDuringDrop(r, `${TAG}drop1`);
      const sum = (xs: number[]): number => xs.reduce((s, x) => s + x, 0);
      expect(await pollUntil(() => sum(fillLots(r.reports)) === 200, 15_000)).toBe(true);
      expect(fillLots(r.reports)).toEqual(ledgerLots(r.sim));
      expect(
        r.lines.some((l) => l.includes('own trades back-filled') && l.includes('stream-resubscribed')),
      ).toBe(true);
      // Idempotent: asking again finds nothing new and reports nothing more.
      expect(await r.venue.backfillOwnTrades('test-again', 0)).toBe(0);
      expect(fillLots(r.reports)).toEqual(ledgerLots(r.sim));
    } finally {
      await close(r);
    }
  });

  it('the periodic reconciliation back-fills an inventory difference instead of counting it', async () => {
    const r = await rig(true);
    try {
      await fillDuringDrop(r, `${TAG}drop2`);
      // The stream is held: nothing was reported yet.
      expect(fillLots(r.reports)).toEqual([]);
      let inventoryLots = 0;
      const fedDiffs: number[] = [];
      const engine = {
        workingOrders: () => [],
        get inventoryLots() {
          return inventoryLots + fillLots(r.reports).reduce((s, x) => s + x, 0);
        },
        risk: {
          onReconcile: (_t: number, _orders: number, inventoryDiff: number) => {
            fedDiffs.push(inventoryDiff);
          },
        },
      };
      const reconciler = new Reconciler({
        client: r.client,
        instrument: BTCUSDT,
        tag: TAG,
        inventoryBaselineBase: '1',
        log: capturingLog().log,
        sleep: systemSleep,
        engine,
        recheck: () => Promise.resolve(),
        nowUs: () => Date.now() * 1000,
        onChecked: () => undefined,
        backfill: () => r.venue.backfillOwnTrades('reconcile-inventory-diff'),
      });
      inventoryLots = 0;
      const first = await reconciler.check();
      expect(first.inventoryDiffLots).toBe(0);
      const second = await reconciler.check();
      expect(second.inventoryDiffLots).toBe(0);
      expect(fedDiffs).toEqual([0, 0]);
      expect(reconciler.counts).toMatchObject({ checks: 2, mismatches: 0 });
      expect(reconciler.counts.backfilledTrades).toBe(ledgerLots(r.sim).length);
      expect(fillLots(r.reports)).toEqual(ledgerLots(r.sim));
      expect(fillLots(r.reports).reduce((s, x) => s + x, 0)).toBe(200);
    } finally {
      await close(r);
    }
  });
});
