/**
 * `CcxtVenue` over the production client (`createCcxtClient` → the real ccxt pro.binance) pointed at
 * the exchange simulator (or a proxy in front of it), for the venue's protocol tests. Records the
 * venue's reports, the client calls it makes (start `>` and end `<` of each), and the sleeps it asks
 * for (backoffs, rechecks, fill grace; ms, really slept). One simulator account per harness.
 */
import type { VenueReport } from '../../core/engine/venue-port.ts';
import { priceToTicks } from '../../core/instrument.ts';
import { ManualClock } from '../../core/ports.ts';
import type { AccountSpec } from '../../exchange-sim/accounts-config.ts';
import type { Ledger, LedgerFill, LedgerOrder } from '../../exchange-sim/ledger.ts';
import type { ExchangeSim } from '../../exchange-sim/simulator.ts';
import type { SymbolReplay } from '../../exchange-sim/symbol-replay.ts';
import { silentLog, type Log } from '../../infra/log.ts';
import { Secret } from '../../native/secret.ts';
import { systemSleep } from '../../native/system-clock.ts';
import { createCcxtClient, type CcxtClient } from '../../native/venues/ccxt-client.ts';
import { CcxtVenue } from '../../native/venues/ccxt-venue.ts';
import { getInstrument } from '../../venues/instruments.ts';
import { pollUntil } from '../exchange-sim/helpers.ts';

export const BTCUSDT = getInstrument('binance-spot', 'BTCUSDT');

/** A fresh account (1 BTC, 100 000 USDT) per index. */
export function venueAccount(i: number): AccountSpec {
  return { apiKey: `venue${i}`, secret: `venue-secret-${i}`, balances: { BTC: 1, USDT: 100_000 } };
}

export interface VenueHarnessOptions {
  /** Base URL the client talks to (default the simulator's; a proxy's to inject network delays). */
  readonly baseUrl?: string;
  readonly queryAttempts?: number;
  readonly fillGraceMs?: number;
  /** Replaces the recording listener (e.g. one that throws). */
  readonly onReport?: (r: VenueReport) => void;
  /** Default: silent. */
  readonly log?: Log;
}

export interface VenueHarness {
  readonly venue: CcxtVenue;
  /** The real client (calls through it are not recorded). */
  readonly client: CcxtClient;
  readonly reports: VenueReport[];
  /** `createOrder>` when a call starts, `createOrder<` when it settles (cancelOrder, fetchOrder too). */
  readonly calls: string[];
  readonly sleeps: number[];
  readonly listenerErrors: unknown[];
  /**
   * Waits until no recorded call and no backoff or recheck sleep (< 1 s) is in flight, at three checks
   * 10 ms apart (a cancel starts only a few event-loop turns after its place settled).
   */
  settle(): Promise<void>;
  /** The simulator's ledger of the harness's account. */
  ledger(): Ledger;
  /** The simulator's record of the order with this client id. */
  order(clientOrderId: string): LedgerOrder | undefined;
  fills(clientOrderId: string): LedgerFill[];
  /** Started calls of one method. */
  count(method: string): number;
  stop(): Promise<void>;
}

/**
 * Builds the venue, starts its own-trades stream and waits until the simulator sees it subscribed
 * (ccxt 4.5 leaves a rejection unhandled when a client closes while its socket is still connecting).
 */
export async function startVenueHarness(
  sim: ExchangeSim,
  account: AccountSpec,
  opts: VenueHarnessOptions = {},
): Promise<VenueHarness> {
  const client = createCcxtClient(
    BTCUSDT,
    { apiKey: new Secret(account.apiKey), apiSecret: new Secret(account.secret) },
    opts.baseUrl ?? sim.urls.http,
  );
  await client.loadMarkets();
  const calls: string[] = [];
  let inFlight = 0;
  const track =
    <A extends unknown[], R>(name: string, f: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      calls.push(`${name}>`);
      inFlight++;
      try {
        return await f(...args);
      } finally {
        inFlight--;
        calls.push(`${name}<`);
      }
    };
  const reports: VenueReport[] = [];
  const sleeps: number[] = [];
  const listenerErrors: unknown[] = [];
  const venue = new CcxtVenue({
    client: {
      createOrder: track('createOrder', client.createOrder.bind(client)),
      cancelOrder: track('cancelOrder', client.cancelOrder.bind(client)),
      fetchOrder: track('fetchOrder', client.fetchOrder.bind(client)),
      watchMyTrades: client.watchMyTrades.bind(client),
    },
    instrument: BTCUSDT,
    clock: new ManualClock(1_723_161_600_000_000),
    sleep: async (ms, signal) => {
      sleeps.push(ms);
      // A backoff or recheck wait (< 1 s) is part of an operation in progress; the fill grace is not.
      const busy = ms < 1000;
      if (busy) inFlight++;
      try {
        await systemSleep(ms, signal);
      } finally {
        if (busy) inFlight--;
      }
    },
    log: opts.log ?? silentLog,
    onReport: opts.onReport ?? ((r) => reports.push(r)),
    onListenerError: (err) => listenerErrors.push(err),
    secrets: [],
    ...(opts.queryAttempts === undefined ? {} : { queryAttempts: opts.queryAttempts }),
    ...(opts.fillGraceMs === undefined ? {} : { fillGraceMs: opts.fillGraceMs }),
  });
  venue.start();
  const acct = sim.accounts.get(account.apiKey);
  if (!(await pollUntil(() => (acct?.subscribers ?? 0) > 0))) throw new Error('user stream not subscribed');
  const ledger = () => sim.ledger(account.apiKey, 'spot');
  return {
    venue,
    client,
    reports,
    calls,
    sleeps,
    listenerErrors,
    settle: async () => {
      let idle = 0;
      while (idle < 3) {
        await new Promise((r) => setTimeout(r, 10));
        idle = inFlight === 0 ? idle + 1 : 0;
      }
    },
    ledger,
    order: (id) => ledger().orders.find((o) => o.clientOrderId === id),
    fills: (id) => ledger().fills.filter((f) => f.clientOrderId === id),
    count: (method) => calls.filter((c) => c === `${method}>`).length,
    stop: async () => {
      venue.stop();
      await client.close();
    },
  };
}

/** Best bid and ask of the replay now, integer ticks. */
export function touchTicks(replay: SymbolReplay): { bidTicks: number; askTicks: number } {
  const d = replay.depthSnapshot(1);
  const bid = d.bids[0];
  const ask = d.asks[0];
  if (bid === undefined || ask === undefined) throw new Error('empty book side');
  return { bidTicks: priceToTicks(BTCUSDT, String(bid[0])), askTicks: priceToTicks(BTCUSDT, String(ask[0])) };
}

/** A place action: a bid of `sizeLots` at `priceTicks`. */
export const bid = (clientOrderId: string, priceTicks: number, sizeLots: number) =>
  ({ type: 'place', side: 'bid', priceTicks, sizeLots, clientOrderId }) as const;

export const cancelBid = (clientOrderId: string) => ({ type: 'cancel', side: 'bid', clientOrderId }) as const;

/** Lots of a venue decimal size (lot 0.00001 BTC). */
export const lotsOf = (qty: string): number => Math.round(Number(qty) * 1e5);

/** Reports as short text: `fill:<lots>:<openLots>`, `canceled:<lots>`, `rejected:<reason>`, or the type. */
export function kinds(reports: readonly VenueReport[]): string[] {
  return reports.map((r) =>
    r.type === 'fill'
      ? `fill:${r.fill.sizeLots}:${r.openLots}`
      : r.type === 'canceled'
        ? `canceled:${r.canceledLots}`
        : r.type === 'rejected'
          ? `rejected:${r.reason}`
          : r.type,
  );
}

/** The fill reports (as `kinds` text) the venue owes for the ledger `fills` of an order of `sizeLots`. */
export function expectedFills(fills: readonly LedgerFill[], sizeLots: number): string[] {
  let open = sizeLots;
  return fills.map((f) => {
    open -= lotsOf(f.qty);
    return `fill:${lotsOf(f.qty)}:${open}`;
  });
}
