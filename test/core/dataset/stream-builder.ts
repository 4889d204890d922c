// Hand-built USDⓈ-M event streams for the window and calibration tests: a book around bid/ask ticks,
// diffs chained by `pu`, trades, in recorded order (receive time = exchange time).
import type { AggressorSide, Level, MarketEvent } from '../../../core/market-events.ts';

/** Appends events in recorded order; update ids chain unless told otherwise. */
export class StreamBuilder {
  readonly events: MarketEvent[] = [];
  private lastU = 1_000;
  private nextTradeId = 1;

  /** A snapshot with one level a side (10 lots), covering every update id issued so far. */
  snapshot(timeMs: number, bidTicks: number, askTicks: number, exchTime = true): this {
    this.events.push({
      kind: 'snapshot',
      lastUpdateId: this.lastU,
      bids: [[bidTicks, 10]],
      asks: [[askTicks, 10]],
      recvTimeUs: timeMs * 1000,
      exchTimeMs: exchTime ? timeMs : undefined,
    });
    return this;
  }

  /** A diff chained to the previous one (or, with `breakChain`, with a `pu` that does not chain). */
  diff(timeMs: number, bids: Level[], asks: Level[], breakChain = false): this {
    const U = this.lastU + 1;
    this.events.push({
      kind: 'depth',
      firstUpdateId: U,
      finalUpdateId: U,
      prevFinalUpdateId: breakChain ? this.lastU - 7 : this.lastU,
      bids,
      asks,
      exchTimeMs: timeMs,
      recvTimeUs: timeMs * 1000,
    });
    this.lastU = U;
    return this;
  }

  trade(timeMs: number, priceTicks: number, aggressor: AggressorSide, sizeLots = 1): this {
    this.events.push({
      kind: 'trade',
      tradeId: this.nextTradeId++,
      priceTicks,
      sizeLots,
      aggressor,
      exchTimeMs: timeMs,
      recvTimeUs: timeMs * 1000,
    });
    return this;
  }
}
