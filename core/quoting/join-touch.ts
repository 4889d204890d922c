/**
 * The join-the-touch baseline (issue 15): one quote at the best bid and one at the best ask, each of
 * `quoteSizeLots`, within the inventory limit (a side whose fill would take |inventory| beyond
 * `maxInventoryLots` is not quoted: 'inventory-limit'). It has no model of value, risk or adverse
 * selection: it is what every backtest, study and report compares a model with ("against the
 * baseline"). Stateless; no quotes while a book side is empty or the book is crossed.
 */
import type { QuoteIntent, QuoteLeg, QuoteReason } from './intent.ts';
import type { Quoter, QuoterView } from './quoter.ts';
import { JoinTouchParamsSchema, type JoinTouchParams } from './fair-value-params.ts';
import { requireSaneView } from './quote-bounds.ts';

/** See the module doc. */
export class JoinTouchQuoter implements Quoter {
  readonly readsDepthImbalance = false;
  /** The model does not read our resting orders. */
  readonly readsRestingOrders = false;
  private readonly params: JoinTouchParams;

  /** @throws ZodError if `params` do not satisfy the schema. */
  constructor(params: JoinTouchParams) {
    this.params = JoinTouchParamsSchema.parse(params);
  }

  /**
   * @param view market state and inventory at decision time.
   * @returns bid at the best bid, ask at the best ask (ticks), `quoteSizeLots` each, or no leg with
   *   'book-not-ready' / 'inventory-limit'.
   * @throws InvariantViolation `QUOTER_INPUT` on a non-finite input.
   */
  decide(view: QuoterView): QuoteIntent {
    requireSaneView('JoinTouchQuoter', view);
    const { bestBidTicks, bestAskTicks } = view;
    if (bestBidTicks === undefined || bestAskTicks === undefined || bestBidTicks >= bestAskTicks) {
      return intent(view, undefined, undefined, 'book-not-ready', 'book-not-ready');
    }
    const p = this.params;
    const bidOk = view.inventoryLots + p.quoteSizeLots <= p.maxInventoryLots;
    const askOk = view.inventoryLots - p.quoteSizeLots >= -p.maxInventoryLots;
    return intent(
      view,
      bidOk ? { priceTicks: bestBidTicks, sizeLots: p.quoteSizeLots } : undefined,
      askOk ? { priceTicks: bestAskTicks, sizeLots: p.quoteSizeLots } : undefined,
      bidOk ? 'quote' : 'inventory-limit',
      askOk ? 'quote' : 'inventory-limit',
    );
  }
}

function intent(
  view: QuoterView,
  bid: QuoteLeg | undefined,
  ask: QuoteLeg | undefined,
  bidReason: QuoteReason,
  askReason: QuoteReason,
): QuoteIntent {
  return { bid, ask, bidReason, askReason, decidedAtUs: view.nowUs, midTicks: view.midTicks };
}
