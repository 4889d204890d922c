/**
 * Reconciliation of a live engine with its venue account (docs/adr/0015-reconciliation.md).
 *
 * At start (`reconcileAtStart`, before the first event — no quote before it succeeds):
 *  1. open orders of the symbol: those with our tag (native/client-order-ids.ts, an earlier run's, e.g.
 *     after a kill -9) are cancelled; any other is foreign and refuses the start
 *     (`FOREIGN_OPEN_ORDERS`, naming each) unless `ignoreForeignOrders`;
 *  2. the open orders are read again until none of ours is left (bounded);
 *  3. the account's inventory (native/venues/ccxt-account.ts) becomes the engine's start inventory.
 * Transient errors are retried with backoff (bounded); whatever still fails fails the start (fail closed).
 *
 * Periodically (`Reconciler.poll`, every `reconcileIntervalMs`): the engine's working orders and
 * inventory against the venue's (./reconcile-diff.ts: in-flight tolerant, confirmed over two checks).
 * A confirmed difference sets the risk gate (`reconcile-mismatch`: HALTED for orders, REDUCING for the
 * inventory) and logs both sides; orphans (ours on the venue, unknown to the engine) are cancelled and
 * orders the venue no longer lists are re-checked with `fetchOrder` through the venue adapter; a
 * matching check clears the gate. Paper and replay modes have no account: nothing to reconcile.
 */
import { PermanentError, isMmflowError } from '../core/errors.ts';
import type { Instrument } from '../core/instrument.ts';
import type { RiskGate } from '../core/risk/risk-gate.ts';
import { errorFields, type Log } from '../infra/log.ts';
import type { Sleeper } from './feeds/recorded-feed.ts';
import { isOwnClientOrderId } from './client-order-ids.ts';
import {
  confirm,
  diffAccount,
  isMatch,
  NO_DIFF,
  type AccountDiff,
  type EngineAccountView,
} from './reconcile-diff.ts';
import {
  fetchAccountInventoryLots,
  fetchOpenVenueOrders,
  type CcxtAccountClient,
  type VenueOrder,
} from './venues/ccxt-account.ts';
import { mapCcxtError } from './venues/ccxt-errors.ts';
import type { CcxtTradingClient } from './venues/ccxt-venue.ts';
import { ccxtSymbolOf } from './venues/ccxt-wire.ts';
import { formatPrice, formatSize } from '../core/instrument.ts';

/** The ccxt calls reconciliation makes. */
export type ReconcileClient = CcxtAccountClient & Pick<CcxtTradingClient, 'cancelOrder'>;

/** What both reconciliations need. */
export interface ReconcileOptions {
  readonly client: ReconcileClient;
  readonly instrument: Instrument;
  /** Our engine tag (client-order-ids.ts `engineOrderTag`). */
  readonly tag: string;
  /** Spot: base units held outside the strategy, decimal string ("0" = none). */
  readonly inventoryBaselineBase: string;
  readonly log: Log;
  readonly sleep: Sleeper;
  /** Attempts per venue call on transient errors (default 5; backoff 200 ms doubling). */
  readonly attempts?: number;
}

/** The outcome of the start reconciliation. */
export interface StartReconciliation {
  /** Our open orders found (an earlier run's), all cancelled. */
  readonly ownCanceled: readonly VenueOrder[];
  /** Foreign open orders left alone (only with `ignoreForeignOrders`). */
  readonly foreign: readonly VenueOrder[];
  /** The account's inventory after the cancels, signed lots: the engine's start inventory. */
  readonly inventoryLots: number;
}

/** Rounds of "cancel ours, read again" before the start gives up. */
const CANCEL_ROUNDS = 3;

/**
 * The start reconciliation (module doc).
 * @throws PermanentError `FOREIGN_OPEN_ORDERS` (foreign orders and not `ignoreForeignOrders`),
 *   `RECONCILE_FAILED` (our orders would not go away), `OFF_GRID` (balance off the lot grid); the mapped
 *   venue error once retries are exhausted.
 */
export async function reconcileAtStart(
  o: ReconcileOptions & { readonly ignoreForeignOrders: boolean },
): Promise<StartReconciliation> {
  const { instrument, log, tag } = o;
  let open = await retrying(o, 'fetchOpenOrders', () => fetchOpenVenueOrders(o.client, instrument));
  const foreign = open.filter((v) => !isOwnClientOrderId(tag, v.clientOrderId));
  if (foreign.length > 0) {
    const listed = foreign.map((v) => describeOrder(instrument, v)).join('; ');
    if (!o.ignoreForeignOrders) {
      throw new PermanentError(
        'FOREIGN_OPEN_ORDERS',
        `${instrument.symbol}: ${foreign.length} open order(s) not placed by this engine (tag ${tag}): ${listed}; cancel them or start with --ignore-foreign-orders`,
        { symbol: instrument.symbol, count: foreign.length },
      );
    }
    log.warn({ symbol: instrument.symbol, foreign: listed }, 'foreign open orders ignored');
  }
  const ownCanceled: VenueOrder[] = [];
  for (let round = 1; ; round++) {
    const own = open.filter((v) => isOwnClientOrderId(tag, v.clientOrderId));
    if (own.length === 0) break;
    if (round > CANCEL_ROUNDS) {
      throw new PermanentError(
        'RECONCILE_FAILED',
        `${instrument.symbol}: ${own.length} order(s) of this engine still open after ${CANCEL_ROUNDS} cancel rounds: ${own.map((v) => describeOrder(instrument, v)).join('; ')}`,
        { symbol: instrument.symbol, count: own.length },
      );
    }
    for (const v of own) {
      await cancelOwn(o, v);
      if (!ownCanceled.some((c) => c.exchangeId === v.exchangeId)) ownCanceled.push(v);
    }
    open = await retrying(o, 'fetchOpenOrders', () => fetchOpenVenueOrders(o.client, instrument));
  }
  const inventoryLots = await retrying(o, 'inventory', () =>
    fetchAccountInventoryLots(o.client, instrument, o.inventoryBaselineBase),
  );
  log.info(
    {
      symbol: instrument.symbol,
      tag,
      ownCanceled: ownCanceled.map((v) => v.clientOrderId ?? v.exchangeId),
      foreign: foreign.length,
      inventoryLots,
    },
    'start reconciliation done',
  );
  return { ownCanceled, foreign, inventoryLots };
}

/** Cancels one of our orders by client id; "unknown order" means it is already closed: fine. */
async function cancelOwn(o: ReconcileOptions, v: VenueOrder): Promise<void> {
  try {
    await retrying(o, 'cancelOrder', () =>
      o.client.cancelOrder(v.exchangeId, ccxtSymbolOf(o.instrument), {
        ...(v.clientOrderId === undefined ? {} : { clientOrderId: v.clientOrderId }),
      }),
    );
    o.log.info({ clientOrderId: v.clientOrderId, exchangeId: v.exchangeId }, 'own open order cancelled');
  } catch (err) {
    if (isMmflowError(err) && err.code === 'ORDER_NOT_FOUND') return;
    throw err;
  }
}

/**
 * Runs `call`, retrying transient (mapped) errors with backoff 200 ms · 2^k, at most `o.attempts` times.
 * @throws the mapped error: permanent at once, transient after the last attempt.
 */
async function retrying<T>(o: ReconcileOptions, op: string, call: () => Promise<T>): Promise<T> {
  const attempts = o.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const mapped = mapCcxtError(err, { op });
      if (!mapped.retryable || attempt >= attempts) throw mapped;
      o.log.warn({ op, attempt, err: errorFields(mapped) }, 'reconciliation call failed; retrying');
      await o.sleep(200 * 2 ** (attempt - 1));
    }
  }
}

/** `clientOrderId=… id=… BUY 0.001@60000.00 filled 0` (for errors and logs). */
function describeOrder(instrument: Instrument, v: VenueOrder): string {
  const side = v.side === 'bid' ? 'BUY' : 'SELL';
  return `clientOrderId=${v.clientOrderId ?? '(none)'} id=${v.exchangeId} ${side} ${formatSize(instrument, v.sizeLots)}@${formatPrice(instrument, v.priceTicks)} filled ${formatSize(instrument, v.filledLots)}`;
}

/** What the periodic reconciler acts on besides the venue. */
export interface ReconcilerOptions extends ReconcileOptions {
  /** The engine (only its working orders, inventory and risk gate are read). */
  readonly engine: ReconciledEngine;
  /** Asks the venue about an order it no longer lists (CcxtVenue.recheck). */
  readonly recheck: (clientOrderId: string) => Promise<void>;
  /** The engine's clock, µs (event time of the gate input). */
  readonly nowUs: () => number;
  /** Called after the gate was fed (the risk supervisor drains and logs transitions). */
  readonly onChecked: () => void;
  /**
   * Back-fills own trades the stream missed (CcxtVenue.backfillOwnTrades), called when a check sees an
   * inventory difference, before it counts: a missed fill is recovered, not only detected.
   * @returns how many trades were new. Absent = no back-fill.
   */
  readonly backfill?: () => Promise<number>;
}

/** What the periodic reconciler reads of the engine (a `QuotingEngine` satisfies it). */
export interface ReconciledEngine {
  /** Working orders (placed, not known closed); only their client ids are read. */
  workingOrders(): readonly { readonly clientOrderId: string }[];
  /** Signed inventory, lots. */
  readonly inventoryLots: number;
  readonly risk: Pick<RiskGate, 'onReconcile'>;
}

/** The periodic reconciliation (module doc). One check at a time; failures are logged, never thrown. */
export class Reconciler {
  private previous: AccountDiff = NO_DIFF;
  private running = false;
  private stopped = false;
  private failing = false;
  /** Checks done, those that confirmed a difference, and trades the back-fill recovered. */
  readonly counts = { checks: 0, mismatches: 0, backfilledTrades: 0 };

  constructor(private readonly o: ReconcilerOptions) {}

  /** Starts one check unless one is running or the reconciler is stopped. */
  poll(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    this.check()
      .then(() => {
        this.failing = false;
      })
      .catch((err: unknown) => {
        if (!this.failing)
          this.o.log.warn(
            { err: errorFields(err) },
            'periodic reconciliation failed; retrying every interval',
          );
        this.failing = true;
      })
      .finally(() => {
        this.running = false;
      });
  }

  /** No check starts after this (shutdown). */
  stop(): void {
    this.stopped = true;
  }

  /**
   * One check: reads the venue, diffs, confirms over two checks, feeds the gate, acts.
   * @returns the confirmed difference (NO_DIFF-equal on a match).
   * @throws the mapped venue error (the gate is left as it was).
   */
  async check(): Promise<AccountDiff> {
    const { engine, instrument, tag, log } = this.o;
    const before = view(engine);
    const open = await fetchOpenVenueOrders(this.o.client, instrument);
    const inventoryLots = await fetchAccountInventoryLots(
      this.o.client,
      instrument,
      this.o.inventoryBaselineBase,
    );
    const ownOpenIds = open.flatMap((v) =>
      v.clientOrderId !== undefined && isOwnClientOrderId(tag, v.clientOrderId) ? [v.clientOrderId] : [],
    );
    let after = view(engine);
    let current = diffAccount(before, { ownOpenIds, inventoryLots }, after);
    if (current.inventoryDiffLots !== 0 && (await this.backfilled()) > 0) {
      // Fills recovered: compare again with the engine as it is now (a fill report applied
      // asynchronously shows at the next check; `confirm` needs two checks anyway).
      after = view(engine);
      current = diffAccount(before, { ownOpenIds, inventoryLots }, after);
    }
    const confirmed = confirm(this.previous, current);
    this.previous = current;
    this.counts.checks++;
    if (this.stopped) return confirmed;
    const orderDiffs = confirmed.onlyEngine.length + confirmed.onlyVenue.length;
    engine.risk.onReconcile(this.o.nowUs(), orderDiffs, Math.abs(confirmed.inventoryDiffLots));
    this.o.onChecked();
    if (isMatch(confirmed)) {
      log.debug({ symbol: instrument.symbol, working: after.workingIds.length, inventoryLots }, 'reconciled');
      return confirmed;
    }
    this.counts.mismatches++;
    log.warn(
      {
        symbol: instrument.symbol,
        onlyEngine: confirmed.onlyEngine,
        onlyVenue: confirmed.onlyVenue,
        engineWorking: after.workingIds,
        venueOpen: ownOpenIds,
        engineInventoryLots: after.inventoryLots,
        accountInventoryLots: inventoryLots,
      },
      'reconciliation mismatch',
    );
    for (const id of confirmed.onlyVenue) {
      const v = open.find((x) => x.clientOrderId === id);
      if (v !== undefined) await cancelOwn(this.o, v);
    }
    for (const id of confirmed.onlyEngine) await this.o.recheck(id);
    return confirmed;
  }

  /** The back-fill's count of new trades; 0 without one or when it fails (logged). */
  private async backfilled(): Promise<number> {
    if (this.o.backfill === undefined) return 0;
    try {
      const fresh = await this.o.backfill();
      if (fresh > 0) this.counts.backfilledTrades += fresh;
      return fresh;
    } catch (err) {
      this.o.log.warn({ err: errorFields(err) }, 'own-trades back-fill failed during reconciliation');
      return 0;
    }
  }
}

function view(engine: ReconciledEngine): EngineAccountView {
  return {
    workingIds: engine.workingOrders().map((w) => w.clientOrderId),
    inventoryLots: engine.inventoryLots,
  };
}
