/**
 * Position accounting of one engine session: inventory (integer lots), cash (exact integer tick·lots),
 * fees (quote currency), and mark-to-mid PnL (docs/adr/0003-fill-model-and-kpis.md §5, §8).
 *
 *   netPnlQuote = (cashTickLots + inventoryLots · midTicks) · quotePerTickLot − feesQuote
 *
 * Cash is exact because price·size products are integers well inside 2^53 (a BTCUSDT fill is ~6e6 ticks
 * × 1e2 lots; 1e6 such fills stay below 1e15).
 *
 * Adopted inventory (docs/adr/0015-reconciliation.md): a position the engine did not trade itself (the
 * account's actual position at start, taken by reconciliation) is booked as if bought at the mark —
 * cash −= Δlots·markTicks, no fee — so it adds no PnL at adoption; with no mark yet (at start, before
 * the first book), it is marked at the first mid (`markAdopted`). PnL thus counts only what happens
 * after the adoption: the price move of the adopted inventory and our own trading.
 */
import type { Fill } from '../quoting/intent.ts';

/** Inventory, cash and fees from our fills. */
export class PositionLedger {
  private readonly quotePerTickLot: number;
  private inventory = 0;
  private maxAbsInventory = 0;
  private cash = 0;
  private fees = 0;
  /** Adopted lots not yet booked in cash (no mark yet); valued at 0 until `markAdopted`. */
  private unmarked = 0;

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

  /** Adopted lots still waiting for their first mark (0 once marked). */
  get unmarkedLots(): number {
    return this.unmarked;
  }

  /**
   * Sets the inventory to `targetLots` (reconciliation), booking the difference at `markTicks`
   * (cash −= Δ·mark, no fee) or, without a mark, at the first mid given to `markAdopted`.
   * @param targetLots the account's position, signed lots (+ long); a safe integer.
   * @param markTicks current mid, ticks; undefined = none yet.
   * @returns the adopted difference, lots (target − previous inventory).
   * @throws RangeError if `targetLots` is not a safe integer.
   */
  adopt(targetLots: number, markTicks: number | undefined): number {
    if (!Number.isSafeInteger(targetLots))
      throw new RangeError(`PositionLedger: adopted inventory must be integer lots, got ${targetLots}`);
    const delta = targetLots - this.inventory;
    if (delta === 0) return 0;
    this.inventory = targetLots;
    const abs = targetLots < 0 ? -targetLots : targetLots;
    if (abs > this.maxAbsInventory) this.maxAbsInventory = abs;
    if (markTicks === undefined) this.unmarked += delta;
    else this.cash -= delta * markTicks;
    return delta;
  }

  /** Books the adopted lots still unmarked at `midTicks` (the first mid after the adoption). */
  markAdopted(midTicks: number): void {
    if (this.unmarked === 0) return;
    this.cash -= this.unmarked * midTicks;
    this.unmarked = 0;
  }

  /**
   * Mark-to-mid PnL net of fees, quote currency.
   * @param midTicks mid to mark the inventory at, ticks; undefined → inventory valued at 0 (only
   *   possible before any mid was seen, when the inventory is 0 or adopted and not yet marked).
   *   Adopted lots not yet marked are left out (their cost is booked at their first mark).
   */
  netPnlQuote(midTicks: number | undefined): number {
    const inventoryValue = midTicks === undefined ? 0 : (this.inventory - this.unmarked) * midTicks;
    return (this.cash + inventoryValue) * this.quotePerTickLot - this.fees;
  }
}
