/** A tiny settable book for simulated-venue tests (satisfies BookLevelsReader). */
import type { Side } from '../../../core/market-events.ts';
import type { BookLevelsReader } from '../../../core/sim/simulated-venue.ts';

export class FakeBook implements BookLevelsReader {
  private readonly bids = new Map<number, number>();
  private readonly asks = new Map<number, number>();

  set(side: Side, priceTicks: number, sizeLots: number): this {
    const m = side === 'bid' ? this.bids : this.asks;
    if (sizeLots === 0) m.delete(priceTicks);
    else m.set(priceTicks, sizeLots);
    return this;
  }

  bestBidTicks(): number | undefined {
    return this.bids.size === 0 ? undefined : Math.max(...this.bids.keys());
  }

  bestAskTicks(): number | undefined {
    return this.asks.size === 0 ? undefined : Math.min(...this.asks.keys());
  }

  sizeAtLots(side: Side, priceTicks: number): number {
    return (side === 'bid' ? this.bids : this.asks).get(priceTicks) ?? 0;
  }
}
