/**
 * Order executor: diffs a {@link QuoteIntent} against our working orders and emits the order actions that
 * make the venue hold what the intent wants (STYLE §3, "decisions are data").
 *
 * Rules, per side (bid first, then ask; cancels before places):
 * - keep: the first open order (in `working` order) whose price and original size equal the intent leg
 *   and, when the leg sets `notBeforeUs` (quote ageing), that was placed at or after that time (an
 *   order of unknown `placedAtUs` is then stale). A partially filled order still matches (it keeps its
 *   queue priority);
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
 * No I/O; the only state is the id counter and the pending-cancel list.
 */

import type { OrderAction, QuoteIntent, QuoteLeg, WorkingOrder } from './intent.ts';

/** Binance `newClientOrderId`: ^[.A-Z:/a-z0-9_-]{1,36}$; leave room for `-` and the counter. */
const PREFIX_PATTERN = /^[.A-Za-z0-9:/_-]{1,24}$/;

/** Diffs intents against working orders; see the module doc for the rules. */
export class OrderExecutor {
  private readonly prefix: string;
  private counter = 0;
  /** Client ids with a cancel emitted and still working, in emission order. A handful at most, so a
   * plain array with linear scans (no hashing, no table resizing as it empties and refills). */
  private readonly pendingCancels: string[] = [];
  /** Actions written so far by the running `reconcileInto`. */
  private written = 0;

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

  /** Client ids whose cancel was emitted and which are still in `working` at the last reconcile (a copy). */
  get pendingCancelIds(): ReadonlySet<string> {
    return new Set(this.pendingCancels);
  }

  /**
   * @param intent the quotes wanted now.
   * @param working our orders the venue may still hold (see the driver contract in the module doc).
   * @returns actions to apply in order: cancels then places, bid side before ask side.
   */
  reconcile(intent: QuoteIntent, working: readonly WorkingOrder[]): OrderAction[] {
    const out: OrderAction[] = [];
    this.reconcileInto(intent, working, out);
    return out;
  }

  /**
   * Same as {@link OrderExecutor.reconcile}, but writes the n actions to `out[0..n)` instead of a new
   * array, so a driver can reuse one array on its hot path. Entries of `out` from index n on are left
   * as they were (stale: read only the first n).
   * @returns n, the number of actions written.
   */
  reconcileInto(intent: QuoteIntent, working: readonly WorkingOrder[], out: OrderAction[]): number {
    this.forgetConfirmedCancels(working);
    // Cancels go out as found; places (at most one per side) after every cancel, bid before ask.
    this.written = 0;
    const placeBid = this.reconcileSide('bid', intent.bid, working, out);
    const placeAsk = this.reconcileSide('ask', intent.ask, working, out);
    if (placeBid !== undefined) out[this.written++] = this.place('bid', placeBid);
    if (placeAsk !== undefined) out[this.written++] = this.place('ask', placeAsk);
    return this.written;
  }

  /** Writes the side's cancels to `out` from index `written`; returns the leg to place, if any. */
  private reconcileSide(
    side: 'bid' | 'ask',
    want: QuoteLeg | undefined,
    working: readonly WorkingOrder[],
    out: OrderAction[],
  ): QuoteLeg | undefined {
    let kept = false;
    let cancelPending = false;
    for (let i = 0; i < working.length; i++) {
      const order = working[i]!;
      if (order.side !== side || order.openLots <= 0) continue;
      if (this.isPendingCancel(order.clientOrderId)) {
        cancelPending = true;
        continue;
      }
      const matches =
        want !== undefined &&
        order.priceTicks === want.priceTicks &&
        order.sizeLots === want.sizeLots &&
        isFresh(order, want);
      if (matches && !kept) {
        kept = true;
        continue;
      }
      this.pendingCancels.push(order.clientOrderId);
      out[this.written++] = { type: 'cancel', clientOrderId: order.clientOrderId, side };
      cancelPending = true;
    }
    return want === undefined || kept || cancelPending ? undefined : want;
  }

  /** A place action for `want` with the next client order id. */
  private place(side: 'bid' | 'ask', want: QuoteLeg): OrderAction {
    this.counter += 1;
    return {
      type: 'place',
      side,
      priceTicks: want.priceTicks,
      sizeLots: want.sizeLots,
      clientOrderId: `${this.prefix}-${this.counter}`,
    };
  }

  /** Whether a cancel of `clientOrderId` was emitted and is not yet known done. */
  private isPendingCancel(clientOrderId: string): boolean {
    const ids = this.pendingCancels;
    for (let i = 0; i < ids.length; i++) if (ids[i] === clientOrderId) return true;
    return false;
  }

  /** Drops pending-cancel ids that are no longer working (cancel confirmed, or the order filled). */
  private forgetConfirmedCancels(working: readonly WorkingOrder[]): void {
    const ids = this.pendingCancels;
    let kept = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      let open = false;
      for (let j = 0; j < working.length; j++) {
        const order = working[j]!;
        if (order.clientOrderId === id && order.openLots > 0) {
          open = true;
          break;
        }
      }
      if (open) ids[kept++] = id;
    }
    while (ids.length > kept) ids.pop(); // pop: no runtime call, unlike a length store
  }
}

/** Whether `order` is young enough for `want` (always, when the leg asks nothing of its age). */
function isFresh(order: WorkingOrder, want: QuoteLeg): boolean {
  const notBeforeUs = want.notBeforeUs;
  if (notBeforeUs === undefined) return true;
  const placedAtUs = order.placedAtUs;
  return placedAtUs !== undefined && placedAtUs >= notBeforeUs;
}
