/**
 * Order executor: diffs a {@link QuoteIntent} against our working orders and emits the order actions that
 * make the venue hold what the intent wants (STYLE §3, "decisions are data").
 *
 * Rules, per side (bid first, then ask; cancels before places):
 * - keep: the first open order (in `working` order) whose price and original size equal the intent leg.
 *   A partially filled order still matches (it keeps its queue priority);
 * - cancel: every other open order of the side (wrong price or size, side not wanted, duplicates);
 * - place: when the leg is wanted, nothing matches, and no cancel on that side is still pending.
 *
 * Pending cancels: the executor remembers the client ids it asked to cancel until they disappear from
 * `working`. While a side has one, no replacement is placed on that side (cancel-then-place), so an old
 * order that fills before its cancel lands can never rest alongside its replacement and overshoot the
 * inventory limit; the cost is one venue round trip before the new quote rests. A pending-cancel order is
 * never kept and its cancel is not re-sent.
 *
 * Contract with the driver: `working` holds every order we placed that is not known to be closed,
 * including orders not yet acknowledged and orders with a cancel in flight. Orders with `openLots ≤ 0`
 * are treated as closed (ignored).
 *
 * Client order ids are deterministic, `${prefix}-${counter}` with counter 1, 2, …, so a replay yields the
 * same ids. The prefix must be unique per engine session (Binance rejects a duplicate id of an open order).
 *
 * No I/O; the only state is the id counter and the pending-cancel set.
 */

import type { OrderAction, QuoteIntent, QuoteLeg, WorkingOrder } from './intent.ts';

/** Binance `newClientOrderId`: ^[.A-Z:/a-z0-9_-]{1,36}$; leave room for `-` and the counter. */
const PREFIX_PATTERN = /^[.A-Za-z0-9:/_-]{1,24}$/;

/** Diffs intents against working orders; see the module doc for the rules. */
export class OrderExecutor {
  private readonly prefix: string;
  private counter = 0;
  private readonly pendingCancels = new Set<string>();

  /**
   * @param clientIdPrefix prefix of generated client order ids: 1–24 chars of [.A-Za-z0-9:/_-].
   * @throws RangeError if the prefix does not match.
   */
  constructor(clientIdPrefix: string) {
    if (!PREFIX_PATTERN.test(clientIdPrefix)) {
      throw new RangeError(
        `OrderExecutor: clientIdPrefix must match ${PREFIX_PATTERN.source}, got '${clientIdPrefix}'`,
      );
    }
    this.prefix = clientIdPrefix;
  }

  /** Client ids whose cancel was emitted and which are still in `working` at the last reconcile. */
  get pendingCancelIds(): ReadonlySet<string> {
    return this.pendingCancels;
  }

  /**
   * @param intent the quotes wanted now.
   * @param working our orders the venue may still hold (see the driver contract in the module doc).
   * @returns actions to apply in order: cancels then places, bid side before ask side.
   */
  reconcile(intent: QuoteIntent, working: readonly WorkingOrder[]): OrderAction[] {
    this.forgetConfirmedCancels(working);
    const cancels: OrderAction[] = [];
    const places: OrderAction[] = [];
    this.reconcileSide('bid', intent.bid, working, cancels, places);
    this.reconcileSide('ask', intent.ask, working, cancels, places);
    return cancels.concat(places);
  }

  private reconcileSide(
    side: 'bid' | 'ask',
    want: QuoteLeg | undefined,
    working: readonly WorkingOrder[],
    cancels: OrderAction[],
    places: OrderAction[],
  ): void {
    let kept = false;
    let cancelPending = false;
    for (const order of working) {
      if (order.side !== side || order.openLots <= 0) continue;
      if (this.pendingCancels.has(order.clientOrderId)) {
        cancelPending = true;
        continue;
      }
      const matches =
        want !== undefined && order.priceTicks === want.priceTicks && order.sizeLots === want.sizeLots;
      if (matches && !kept) {
        kept = true;
        continue;
      }
      this.pendingCancels.add(order.clientOrderId);
      cancels.push({ type: 'cancel', clientOrderId: order.clientOrderId, side });
      cancelPending = true;
    }
    if (want === undefined || kept || cancelPending) return;
    this.counter += 1;
    places.push({
      type: 'place',
      side,
      priceTicks: want.priceTicks,
      sizeLots: want.sizeLots,
      clientOrderId: `${this.prefix}-${this.counter}`,
    });
  }

  /** Drops pending-cancel ids that are no longer working (cancel confirmed, or the order filled). */
  private forgetConfirmedCancels(working: readonly WorkingOrder[]): void {
    if (this.pendingCancels.size === 0) return;
    for (const id of this.pendingCancels) {
      let open = false;
      for (const order of working) {
        if (order.clientOrderId === id && order.openLots > 0) {
          open = true;
          break;
        }
      }
      if (!open) this.pendingCancels.delete(id);
    }
  }
}
