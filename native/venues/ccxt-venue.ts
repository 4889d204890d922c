/**
 * The real `ExecutionVenue` (core/engine/venue-port.ts) over ccxt pro (4.5): post-only limit orders
 * with `createOrder`, cancels by client order id with `cancelOrder`, and our fills from the
 * `watchMyTrades` user-data stream. Used in `live` mode only; replay/paper use the SimulatedVenue.
 *
 * Port contract, and how this adapter keeps it:
 *  1. No synchronous report: every report is emitted after an `await` (a ccxt call or stream message).
 *  2. Causal order per order: `accepted` is emitted when createOrder resolves; fills of an order whose
 *     exchange id is not known yet (the stream can beat the REST answer) are buffered and flushed right
 *     after `accepted`; a terminal `canceled`/`cancel-rejected` is held back until the fills the
 *     exchange already reported in the cancel answer have arrived (or `fillGraceMs` passes).
 *  3. FIFO: a cancel waits for its own place request to settle before it is sent.
 *
 * Errors are mapped with `mapCcxtError` (ccxt-errors.ts). A post-only order that would cross becomes a
 * `rejected: post-only-would-cross` report; other refusals `rejected: venue-error`.
 *
 * Unknown outcomes are resolved by asking the venue, never assumed (docs/adr/0015-reconciliation.md):
 * a place that failed transiently (timeout, network) may or may not exist, so the adapter queries it by
 * client id (`fetchOrder` with `origClientOrderId`, retried with backoff, `queryAttempts` from 100 ms).
 * Found: it is `accepted` (its fills come through the stream; a canceled/expired one is then
 * `canceled`). "Order does not exist" (-2013): asked once more after `notFoundRecheckMs` (a timed-out
 * create can still reach the matching engine after the first query), then `rejected`. No answer at all:
 * the order stays pending-live and logged; the periodic reconciliation (native/reconcile.ts) finds it.
 * Transient cancel failures are retried with exponential backoff (`cancelAttempts`, from 100 ms); when
 * they run out, the order is queried the same way to learn whether it is canceled, filled or working.
 * `recheck` does the same for an order the reconciliation no longer sees open on the venue.
 *
 * Tested through the protocol: the real ccxt client against the exchange simulator with faults injected
 * (test/native/ccxt-venue.test.ts, ccxt-venue.sim.contract.test.ts, reconcile-unknown-outcome.test.ts).
 */
import { isMmflowError } from '../../core/errors.ts';
import { instrumentSteps, type Instrument } from '../../core/instrument.ts';
import type { Side } from '../../core/market-events.ts';
import type { Clock } from '../../core/ports.ts';
import type { OrderAction } from '../../core/quoting/intent.ts';
import type { ExecutionVenue, VenueReport, VenueReportListener } from '../../core/engine/venue-port.ts';
import { errorFields, type Log } from '../../infra/log.ts';
import type { Sleeper } from '../feeds/recorded-feed.ts';
import type { Secret } from '../secret.ts';
import type { CcxtOrderQueryClient, VenueOrder } from './ccxt-account.ts';
import { queryOrder, type QueryOutcome } from './order-query.ts';
import { mapCcxtError } from './ccxt-errors.ts';
import {
  buildCreateOrderArgs,
  ccxtOrderWire,
  ccxtSymbolOf,
  ccxtTradeWire,
  feeQuoteOf,
  floatToSteps,
  parseCcxt,
  type CcxtTradeWire,
} from './ccxt-wire.ts';
import { BACKFILL_MARGIN_MS, fetchOwnTrades, type CcxtTradeHistoryClient } from './trade-backfill.ts';

/** The ccxt pro methods this adapter calls (a `ccxt.pro.binance` instance satisfies it). */
export interface CcxtTradingClient extends CcxtOrderQueryClient {
  createOrder(
    symbol: string,
    type: string,
    side: string,
    amount: number,
    price?: number,
    params?: Record<string, unknown>,
  ): Promise<unknown>;
  cancelOrder(id: string, symbol?: string, params?: Record<string, unknown>): Promise<unknown>;
  watchMyTrades(
    symbol?: string,
    since?: number,
    limit?: number,
    params?: Record<string, unknown>,
  ): Promise<unknown>;
  /** Own-trade history for the back-fill (./trade-backfill.ts); without it there is no back-fill. */
  fetchMyTrades?: CcxtTradeHistoryClient['fetchMyTrades'];
}

/** Construction options of `CcxtVenue`. */
export interface CcxtVenueOptions {
  readonly client: CcxtTradingClient;
  readonly instrument: Instrument;
  /** Wall clock (µs), for report times the exchange does not stamp. */
  readonly clock: Clock;
  readonly sleep: Sleeper;
  readonly log: Log;
  readonly onReport: VenueReportListener;
  /** Receives anything the report listener throws (the engine's own invariant violations) so the
   * owner can fail the run; the adapter's async paths have no caller to throw to. */
  readonly onListenerError: (err: unknown) => void;
  /** Credentials to scrub from any error text. */
  readonly secrets: readonly Secret[];
  /** Attempts per cancel on transient errors (default 5). */
  readonly cancelAttempts?: number;
  /** Longest wait for fills the cancel answer says happened, ms (default 5000). */
  readonly fillGraceMs?: number;
  /** Attempts per order query (unknown outcome) on transient errors (default 5). */
  readonly queryAttempts?: number;
  /** Wait before asking again about an order the venue said does not exist, ms (default 500). */
  readonly notFoundRecheckMs?: number;
  /** Wait after re-subscribing the own-trades stream before the back-fill, ms (default 250): lets
   * the new websocket connect, so a fill lands in the history or on the stream, not in between. */
  readonly resubscribeSettleMs?: number;
}

/** How a live order ends: canceled (with what was open), cancel refused, or filled (venue query). */
type Terminal =
  | { readonly kind: 'canceled'; readonly remainingLots: number }
  | { readonly kind: 'cancel-rejected' }
  | { readonly kind: 'filled' };

interface TrackedOrder {
  readonly clientOrderId: string;
  readonly side: Side;
  readonly priceTicks: number;
  readonly sizeLots: number;
  openLots: number;
  exchangeId: string | undefined;
  /** `pending` until createOrder settles; `closed` once a terminal report went out. */
  state: 'pending' | 'live' | 'closed';
  /** Resolves when the place request has settled (either way). */
  placed: Promise<void>;
  terminal: Terminal | undefined;
}

const MAX_BUFFERED_TRADES = 1000;
const MAX_SEEN_TRADE_IDS = 10_000;

/** Re-reads the state after an await (defeats the narrowing of a check made before it). */
function isClosed(order: TrackedOrder): boolean {
  return order.state === 'closed';
}

/** ccxt-backed execution venue; see the module doc. */
export class CcxtVenue implements ExecutionVenue {
  private readonly o: CcxtVenueOptions;
  private readonly symbol: string;
  private readonly orders = new Map<string, TrackedOrder>();
  private readonly byExchangeId = new Map<string, TrackedOrder>();
  /** Own trades whose order id is not mapped yet, by exchange order id. */
  private readonly unmatched = new Map<string, CcxtTradeWire[]>();
  private readonly seenTradeIds = new Set<string>();
  private stopped = false;
  private streamStarted = false;
  /** Newest own-trade time seen (stream or back-fill), Unix ms; the start time before any. */
  private lastTradeMs: number;
  /** The back-fill in flight, so concurrent callers share one request sequence. */
  private backfilling: Promise<number> | undefined;

  constructor(options: CcxtVenueOptions) {
    this.o = options;
    this.symbol = ccxtSymbolOf(options.instrument);
    this.lastTradeMs = Math.floor(options.clock.nowUs() / 1000);
  }

  /**
   * Back-fills own trades the stream did not deliver: asks the venue's trade history
   * (./trade-backfill.ts) from the newest trade time seen minus `BACKFILL_MARGIN_MS` (or from
   * `sinceMs`), and feeds every trade through the stream path, which skips trade ids already applied.
   * A missed fill of a tracked order thus becomes a normal `fill` report.
   * @param reason logged with the outcome.
   * @returns how many trades were new (not seen before).
   * @throws the client's (mapped, redacted) error; nothing is applied from a failed request.
   */
  backfillOwnTrades(reason: string, sinceMs?: number): Promise<number> {
    if (this.backfilling !== undefined) return this.backfilling;
    const run = this.runBackfill(reason, sinceMs).finally(() => {
      this.backfilling = undefined;
    });
    this.backfilling = run;
    return run;
  }

  private async runBackfill(reason: string, sinceMs: number | undefined, orderId?: string): Promise<number> {
    const fetch = this.o.client.fetchMyTrades?.bind(this.o.client);
    if (fetch === undefined) return 0;
    const since = sinceMs ?? this.lastTradeMs - BACKFILL_MARGIN_MS;
    const trades = await fetchOwnTrades(
      { fetchMyTrades: fetch },
      { symbol: this.symbol, sinceMs: since, ...(orderId === undefined ? {} : { orderId }) },
    );
    let fresh = 0;
    for (const t of trades) {
      if (this.seenTradeIds.has(t.id)) continue;
      fresh++;
      this.onOwnTrade(t);
    }
    this.o.log.info({ reason, sinceMs: since, fetched: trades.length, fresh }, 'own trades back-filled');
    return fresh;
  }

  /** Starts the own-trades stream; call once before the first `submit`. */
  start(): void {
    if (this.streamStarted) return;
    this.streamStarted = true;
    void this.tradeLoop();
  }

  /**
   * Stops the own-trades stream. Does not wait for it: a pending `watchMyTrades` ends when the owner
   * closes the ccxt client, and whatever it then throws is ignored.
   */
  stop(): void {
    this.stopped = true;
  }

  /** Orders not yet closed (pending or live). */
  get openOrderCount(): number {
    return this.orders.size;
  }

  submit(action: OrderAction): void {
    if (action.type === 'place') {
      if (this.orders.has(action.clientOrderId))
        throw new Error(`CcxtVenue: duplicate client order id ${action.clientOrderId}`);
      const args = buildCreateOrderArgs(this.o.instrument, action); // throws on a malformed action, synchronously
      const order: TrackedOrder = {
        clientOrderId: action.clientOrderId,
        side: action.side,
        priceTicks: action.priceTicks,
        sizeLots: action.sizeLots,
        openLots: action.sizeLots,
        exchangeId: undefined,
        state: 'pending',
        placed: Promise.resolve(),
        terminal: undefined,
      };
      this.orders.set(order.clientOrderId, order);
      this.o.log.debug(
        {
          clientOrderId: order.clientOrderId,
          side: order.side,
          priceTicks: order.priceTicks,
          sizeLots: order.sizeLots,
        },
        'order sent',
      );
      order.placed = this.place(order, args);
      return;
    }
    void this.cancel(action.clientOrderId, action.side);
  }

  private async place(order: TrackedOrder, args: ReturnType<typeof buildCreateOrderArgs>): Promise<void> {
    try {
      const raw = await this.o.client.createOrder(
        args.symbol,
        args.type,
        args.side,
        args.amount,
        args.price,
        { ...args.params },
      );
      const res = parseCcxt(ccxtOrderWire, raw, 'createOrder result');
      this.o.log.debug({ clientOrderId: order.clientOrderId, exchangeId: res.id }, 'order acknowledged');
      this.markLive(order, res.id);
    } catch (err) {
      const mapped = isMmflowError(err)
        ? err
        : mapCcxtError(err, { op: 'createOrder', clientOrderId: order.clientOrderId }, this.o.secrets);
      if (mapped.retryable) {
        this.o.log.warn(
          { clientOrderId: order.clientOrderId, err: errorFields(mapped) },
          'place outcome unknown; asking the venue',
        );
        await this.resolveUncertain(order);
        return;
      }
      const reason =
        mapped.code === 'POST_ONLY_WOULD_CROSS' || mapped.code === 'ORDER_NOT_FILLABLE'
          ? 'post-only-would-cross'
          : 'venue-error';
      if (reason === 'venue-error')
        this.o.log.warn({ clientOrderId: order.clientOrderId, err: errorFields(mapped) }, 'order rejected');
      this.close(order);
      this.emit({
        type: 'rejected',
        clientOrderId: order.clientOrderId,
        side: order.side,
        reason,
        timeUs: this.o.clock.nowUs(),
      });
    }
  }

  /** After a transient place failure: ask the venue whether the order exists (module doc). */
  private async resolveUncertain(order: TrackedOrder): Promise<void> {
    let outcome = await this.queryOrder(order.clientOrderId);
    if (outcome.kind === 'not-found') {
      await this.o.sleep(this.o.notFoundRecheckMs ?? 500);
      outcome = await this.queryOrder(order.clientOrderId);
    }
    if (order.state === 'closed' || order.terminal !== undefined) return; // settled meanwhile
    if (outcome.kind === 'not-found') {
      this.o.log.info(
        { clientOrderId: order.clientOrderId },
        'unknown place outcome: the order does not exist',
      );
      this.close(order);
      this.emit({
        type: 'rejected',
        clientOrderId: order.clientOrderId,
        side: order.side,
        reason: 'venue-error',
        timeUs: this.o.clock.nowUs(),
      });
    } else if (outcome.kind === 'found') {
      this.o.log.info(
        {
          clientOrderId: order.clientOrderId,
          status: outcome.order.status,
          filledLots: outcome.order.filledLots,
        },
        'unknown place outcome: the order exists',
      );
      this.markLive(order, outcome.order.exchangeId);
      this.applyQueried(order, outcome.order);
    } else {
      this.o.log.error(
        { clientOrderId: order.clientOrderId },
        'order state unknown after retries; left open for reconciliation',
      );
      order.state = 'live';
    }
  }

  /**
   * Applies what the venue said about a live order: open → nothing; canceled/expired/rejected →
   * `canceled` of what was not filled (after the fills); filled → closes once its fills arrived.
   */
  private applyQueried(order: TrackedOrder, v: VenueOrder): void {
    if (v.status === 'open' || order.state === 'closed' || order.terminal !== undefined) return;
    if (v.status === 'closed') this.settle(order, { kind: 'filled' });
    else this.settle(order, { kind: 'canceled', remainingLots: v.sizeLots - v.filledLots });
  }

  /**
   * Asks the venue about an order the periodic reconciliation no longer sees open (native/reconcile.ts):
   * settles it as the venue says (filled, canceled); no-op if it is pending, closed, or still open.
   */
  async recheck(clientOrderId: string): Promise<void> {
    const order = this.orders.get(clientOrderId);
    if (order === undefined || order.state !== 'live' || order.terminal !== undefined) return;
    const outcome = await this.queryOrder(clientOrderId);
    if (order.state !== 'live' || order.terminal !== undefined) return;
    if (outcome.kind === 'found') {
      if (order.exchangeId === undefined) this.markKnown(order, outcome.order.exchangeId);
      this.applyQueried(order, outcome.order);
    } else if (outcome.kind === 'not-found') {
      await this.settleNotFound(order);
    }
  }

  /**
   * The venue does not know the order (cancel -2011, or a query). Acknowledged before: it closed
   * through its fills (`cancel-rejected`, fills awaited). Never acknowledged (its place failed
   * transiently and the venue could not be asked: e.g. 5xx then 429s): "unknown order" cannot tell
   * "never existed" from "filled, fills buffered under an exchange id we never learnt", so the venue
   * is asked again by client order id (`resolveUncertain`: not found → `rejected`, found → its real
   * state). Before this, such an order ended as `cancel-rejected` and stayed `open` in the run's
   * orders table although the venue never had it (test/native/engine-faults.test.ts, 5xx then 429).
   */
  private async settleNotFound(order: TrackedOrder): Promise<void> {
    if (order.exchangeId === undefined) await this.resolveUncertain(order);
    else this.settle(order, { kind: 'cancel-rejected' });
  }

  /** Asks the venue about one of our orders (./order-query.ts). */
  private queryOrder(clientOrderId: string): Promise<QueryOutcome> {
    const o = this.o;
    const options = { ...o, attempts: o.queryAttempts ?? 5 };
    return queryOrder(options, clientOrderId);
  }

  /** Maps a live order to its exchange id learnt late, flushing fills buffered under that id. */
  private markKnown(order: TrackedOrder, exchangeId: string): void {
    order.exchangeId = exchangeId;
    this.byExchangeId.set(exchangeId, order);
    const buffered = this.unmatched.get(exchangeId);
    if (buffered === undefined) return;
    this.unmatched.delete(exchangeId);
    for (const t of buffered) this.applyFill(order, t);
  }

  /**
   * The `accepted` report's time is the engine clock at the acknowledgement, never the venue's
   * `transactTime`: the engine measures send→ACK latency as this time minus its own send time, and the
   * venue's clock differs from ours by the clock offset (drift, an injected skew; in the simulator
   * harness the replay's origin). Mixing the two clocks gave latencies off by that offset — a false
   * `ack-latency` halt that never cleared, its sample lying in the risk window's future
   * (test/native/engine-faults.test.ts, test/native/ccxt-venue-ack-clock.test.ts).
   */
  private markLive(order: TrackedOrder, exchangeId: string | undefined): void {
    order.state = 'live';
    order.exchangeId = exchangeId;
    this.emit({
      type: 'accepted',
      clientOrderId: order.clientOrderId,
      side: order.side,
      priceTicks: order.priceTicks,
      sizeLots: order.sizeLots,
      timeUs: this.o.clock.nowUs(),
    });
    if (exchangeId !== undefined) this.markKnown(order, exchangeId);
  }

  private async cancel(clientOrderId: string, side: Side): Promise<void> {
    const order = this.orders.get(clientOrderId);
    this.o.log.debug({ clientOrderId, side, known: order !== undefined }, 'cancel sent');
    if (order === undefined) {
      await Promise.resolve(); // never report from inside submit
      this.emit({
        type: 'cancel-rejected',
        clientOrderId,
        side,
        reason: 'unknown-order',
        timeUs: this.o.clock.nowUs(),
      });
      return;
    }
    await order.placed;
    if (order.state === 'closed' || order.terminal !== undefined) {
      if (order.state === 'closed') {
        this.emit({
          type: 'cancel-rejected',
          clientOrderId,
          side,
          reason: 'unknown-order',
          timeUs: this.o.clock.nowUs(),
        });
      }
      return;
    }
    const outcome = await this.sendCancel(order);
    if (outcome.kind === 'canceled')
      this.settle(order, { kind: 'canceled', remainingLots: outcome.remainingLots ?? order.openLots });
    else if (outcome.kind === 'not-found') await this.settleNotFound(order);
    else await this.resolveFailedCancel(order);
  }

  /** The cancel's outcome is unknown after its retries: ask the venue what became of the order. */
  private async resolveFailedCancel(order: TrackedOrder): Promise<void> {
    const q = await this.queryOrder(order.clientOrderId);
    if (order.state === 'closed' || order.terminal !== undefined) return;
    if (q.kind === 'found') {
      if (order.exchangeId === undefined) this.markKnown(order, q.order.exchangeId);
      if (q.order.status === 'open')
        this.o.log.error(
          { clientOrderId: order.clientOrderId },
          'cancel failed after retries; order still working',
        );
      this.applyQueried(order, q.order);
    } else if (q.kind === 'not-found') {
      this.settle(order, { kind: 'cancel-rejected' });
    } else {
      this.o.log.error(
        { clientOrderId: order.clientOrderId },
        'cancel failed after retries; order may still be working',
      );
    }
  }

  private async sendCancel(
    order: TrackedOrder,
  ): Promise<
    | { kind: 'canceled'; remainingLots: number | undefined; exchangeId: string }
    | { kind: 'not-found' }
    | { kind: 'failed' }
  > {
    const attempts = this.o.cancelAttempts ?? 5;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const raw = await this.o.client.cancelOrder(order.exchangeId ?? '', this.symbol, {
          clientOrderId: order.clientOrderId,
        });
        const res = parseCcxt(ccxtOrderWire, raw, 'cancelOrder result');
        const remaining = res.remaining ?? undefined;
        this.o.log.debug(
          { clientOrderId: order.clientOrderId, exchangeId: res.id, attempt },
          'cancel acknowledged',
        );
        return {
          kind: 'canceled',
          remainingLots:
            remaining === undefined
              ? undefined
              : floatToSteps(instrumentSteps(this.o.instrument).size, remaining),
          exchangeId: res.id,
        };
      } catch (err) {
        const mapped = isMmflowError(err)
          ? err
          : mapCcxtError(err, { op: 'cancelOrder', clientOrderId: order.clientOrderId }, this.o.secrets);
        if (mapped.code === 'ORDER_NOT_FOUND') return { kind: 'not-found' };
        if (!mapped.retryable || attempt === attempts) {
          this.o.log.error(
            { clientOrderId: order.clientOrderId, attempt, err: errorFields(mapped) },
            'cancel failed',
          );
          return { kind: 'failed' };
        }
        await this.o.sleep(100 * 2 ** (attempt - 1));
      }
    }
    return { kind: 'failed' };
  }

  /** Records the terminal outcome; emits it once the fills it implies have arrived, or after the grace. */
  private settle(order: TrackedOrder, terminal: Terminal): void {
    order.terminal = terminal;
    if (this.tryFinish(order)) return;
    void this.o.sleep(this.o.fillGraceMs ?? 5000).then(async () => {
      if (order.state === 'closed') return;
      await this.backfillOrder(order);
      if (isClosed(order)) return;
      this.o.log.warn(
        { clientOrderId: order.clientOrderId, openLots: order.openLots },
        'fills implied by cancel did not arrive',
      );
      this.finish(order);
    });
  }

  /** The fills of one order from the trade history (they may have been lost with the stream). */
  private async backfillOrder(order: TrackedOrder): Promise<void> {
    if (order.exchangeId === undefined || this.o.client.fetchMyTrades === undefined) return;
    try {
      await this.runBackfill('implied-fills-missing', undefined, order.exchangeId);
    } catch (err) {
      const mapped = isMmflowError(err) ? err : mapCcxtError(err, { op: 'fetchMyTrades' }, this.o.secrets);
      this.o.log.error(
        { err: errorFields(mapped), clientOrderId: order.clientOrderId },
        'order back-fill failed',
      );
    }
  }

  private tryFinish(order: TrackedOrder): boolean {
    const t = order.terminal;
    if (t === undefined || order.state === 'closed') return false;
    const ready = t.kind === 'canceled' ? order.openLots <= t.remainingLots : order.openLots === 0;
    if (ready) this.finish(order);
    return ready;
  }

  private finish(order: TrackedOrder): void {
    const t = order.terminal;
    this.close(order);
    const timeUs = this.o.clock.nowUs();
    if (t?.kind === 'canceled') {
      this.emit({
        type: 'canceled',
        clientOrderId: order.clientOrderId,
        side: order.side,
        canceledLots: order.openLots,
        timeUs,
      });
    } else if (t?.kind !== 'filled' || order.openLots > 0) {
      // A filled order whose fills all arrived ends with its last fill; one whose fills were lost is
      // dropped with cancel-rejected (the inventory reconciliation then sees the difference).
      this.emit({
        type: 'cancel-rejected',
        clientOrderId: order.clientOrderId,
        side: order.side,
        reason: 'unknown-order',
        timeUs,
      });
    }
  }

  private close(order: TrackedOrder): void {
    order.state = 'closed';
    this.orders.delete(order.clientOrderId);
    if (order.exchangeId !== undefined) this.byExchangeId.delete(order.exchangeId);
  }

  private async tradeLoop(): Promise<void> {
    let backoffMs = 100;
    let resubscribing = false;
    while (!this.stopped) {
      try {
        const pending = this.o.client.watchMyTrades(this.symbol);
        if (resubscribing) {
          resubscribing = false;
          pending.catch(() => undefined); // awaited below; not unhandled while the back-fill runs
          await this.backfillAfterDrop();
        }
        const raw = await pending;
        if (this.stopped) return;
        if (!Array.isArray(raw)) throw new TypeError('watchMyTrades did not return an array');
        for (const item of raw) this.onOwnTrade(parseCcxt(ccxtTradeWire, item, 'own trade'));
        backoffMs = 100;
      } catch (err) {
        if (this.stopped) return;
        const mapped = isMmflowError(err) ? err : mapCcxtError(err, { op: 'watchMyTrades' }, this.o.secrets);
        this.o.log.error({ err: errorFields(mapped), backoffMs }, 'own-trades stream failed; resubscribing');
        resubscribing = true;
        await this.o.sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 10_000);
      }
    }
  }

  /** After a stream drop: once the new subscription had time to connect, back-fill the gap. */
  private async backfillAfterDrop(): Promise<void> {
    await this.o.sleep(this.o.resubscribeSettleMs ?? 250);
    if (this.stopped) return;
    try {
      await this.backfillOwnTrades('stream-resubscribed');
    } catch (err) {
      const mapped = isMmflowError(err) ? err : mapCcxtError(err, { op: 'fetchMyTrades' }, this.o.secrets);
      this.o.log.error(
        { err: errorFields(mapped) },
        'own-trades back-fill failed; reconciliation will retry',
      );
    }
  }

  private onOwnTrade(trade: CcxtTradeWire): void {
    if (this.seenTradeIds.has(trade.id)) return;
    this.seenTradeIds.add(trade.id);
    if (trade.timestamp > this.lastTradeMs) this.lastTradeMs = trade.timestamp;
    if (this.seenTradeIds.size > MAX_SEEN_TRADE_IDS) {
      const oldest = this.seenTradeIds.values().next().value;
      if (oldest !== undefined) this.seenTradeIds.delete(oldest);
    }
    const orderId = trade.order ?? undefined;
    if (orderId === undefined) return;
    const order = this.byExchangeId.get(orderId);
    if (order !== undefined) {
      this.applyFill(order, trade);
      return;
    }
    const list = this.unmatched.get(orderId) ?? [];
    list.push(trade);
    this.unmatched.set(orderId, list);
    if (this.unmatched.size > MAX_BUFFERED_TRADES) {
      const oldest = this.unmatched.keys().next().value;
      if (oldest !== undefined) this.unmatched.delete(oldest);
    }
  }

  private applyFill(order: TrackedOrder, trade: CcxtTradeWire): void {
    const { price, size } = instrumentSteps(this.o.instrument);
    const lots = floatToSteps(size, trade.amount);
    const priceTicks = floatToSteps(price, trade.price);
    order.openLots = Math.max(0, order.openLots - lots);
    this.emit({
      type: 'fill',
      fill: {
        clientOrderId: order.clientOrderId,
        side: order.side,
        priceTicks,
        sizeLots: lots,
        feeQuote: feeQuoteOf(this.o.instrument, trade, trade.price * trade.amount),
        liquidity: trade.takerOrMaker === 'taker' ? 'taker' : 'maker',
        timeUs: trade.timestamp * 1000,
      },
      openLots: order.openLots,
    });
    if (order.openLots === 0 && order.terminal === undefined) this.close(order);
    else this.tryFinish(order);
  }

  private emit(report: VenueReport): void {
    try {
      this.o.onReport(report);
    } catch (err) {
      this.o.onListenerError(err);
    }
  }
}
