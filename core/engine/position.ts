/**
 * Position accounting of one engine session: inventory (integer lots), cash (exact integer tick·lots),
 * fees (quote currency), and mark-to-mid PnL (docs/adr/0003-fill-model-and-kpis.md §5, §8).
 *
 *   netPnlQuote = (cashTickLots + inventoryLots · midTicks) · quotePerTickLot − feesQuote
 *
 * Cash is exact because price·size products are integers well inside 2^53 (a BTCUSDT fill is ~6e6 ticks
 * × 1e2 lots; 1e6 such fills stay below 1e15).
 */
import type { Fill } from '../quoting/intent.ts';

/** Inventory, cash and fees from our fills. */
export class PositionLedger {
  private readonly quotePerTickLot: number;
  private inventory = 0;
  private maxAbsInventory = 0;
  private cash = 0;
  private fees = 0;

  /** @param quotePerTickLot quote currency per tick·lot (core/sim/fees.ts `quotePerTickLot`). */
  constructor(quotePerTickLot: number) {
    this.quotePerTickLot = quotePerTickLot;
  }

  /** Signed position, lots (+ long). */
  get inventoryLots(): number {
    return this.inventory;
  }
  /** Largest |position| reached, lots. */
  get maxAbsInventoryLots(): number {
    return this.maxAbsInventory;
  }
  /** Cash from fills, integer tick·lots (+ received from sales, − paid for purchases). */
  get cashTickLots(): number {
    return this.cash;
  }
  /** Fees paid, quote currency (negative = net rebate). */
  get feesQuote(): number {
    return this.fees;
  }

  /** Books one fill: a bid fill buys (inventory +, cash −), an ask fill sells. */
  onFill(f: Fill): void {
    const signedLots = f.side === 'bid' ? f.sizeLots : -f.sizeLots;
    this.inventory += signedLots;
    const abs = this.inventory < 0 ? -this.inventory : this.inventory;
    if (abs > this.maxAbsInventory) this.maxAbsInventory = abs;
    this.cash -= signedLots * f.priceTicks;
    this.fees += f.feeQuote;
  }

  /**
   * Mark-to-mid PnL net of fees, quote currency.
   * @param midTicks mid to mark the inventory at, ticks; undefined → inventory valued at 0 (only
   *   possible before any mid was seen, when the inventory is 0 anyway).
   */
  netPnlQuote(midTicks: number | undefined): number {
    const inventoryValue = midTicks === undefined ? 0 : this.inventory * midTicks;
    return (this.cash + inventoryValue) * this.quotePerTickLot - this.fees;
  }
}
