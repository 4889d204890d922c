/**
 * Samples equity (mark-to-mid PnL, quote currency), inventory and (optionally) the mid on a fixed grid of
 * market time, for the KPIs of ./kpis.ts (per-minute PnL, drawdown, RMS inventory;
 * docs/adr/0003-fill-model-and-kpis.md) and the series of a report (./run-analysis.ts `RunSeries`).
 *
 * Grid: the first sample is taken at the first recorded time t0 (the state before any event is
 * processed: equity 0, inventory 0 in a fresh run); then one sample at every t0 + k·intervalUs. A
 * sample at grid time g holds the state after every event with time < g (the driver calls `record`
 * BEFORE applying an event at time t ≥ g). A gap in the data with no events repeats the last state,
 * as a step function should. Storage grows by one number per interval (a few KB per hour at 1 s).
 */

/** Default sampling interval: 1 s of market time, in µs. */
export const ONE_SECOND_US = 1_000_000;

/** A fixed-interval sampler of (equity, inventory). */
export class EquitySampler {
  /** Sampling interval, µs. */
  readonly intervalUs: number;
  private readonly equity: number[] = [];
  private readonly inventory: number[] = [];
  /** Mid samples, ticks; NaN = no mid. */
  private readonly mid: number[] = [];
  private startUsValue = Number.NaN;
  private nextUs = 0;
  private started = false;

  /** @throws RangeError if `intervalUs` is not a positive safe integer. */
  constructor(intervalUs: number = ONE_SECOND_US) {
    if (!Number.isSafeInteger(intervalUs) || intervalUs <= 0) {
      throw new RangeError(`EquitySampler: intervalUs must be a positive integer, got ${intervalUs}`);
    }
    this.intervalUs = intervalUs;
  }

  /** True if a call to `record(tUs, …)` would store at least one sample (cheap: no allocation). */
  isDue(tUs: number): boolean {
    return !this.started || tUs >= this.nextUs;
  }

  /**
   * Stores the current state for every grid time ≤ `tUs` not yet sampled (the first call starts the
   * grid at `tUs`).
   * @param tUs market time, Unix epoch µs. @param equityQuote mark-to-mid PnL, quote currency.
   * @param inventoryLots signed position, lots.
   * @param midTicks the mid, ticks; undefined (the default) when there is none (book not synced).
   */
  record(tUs: number, equityQuote: number, inventoryLots: number, midTicks?: number): void {
    if (!this.started) {
      this.started = true;
      this.nextUs = tUs;
      this.startUsValue = tUs;
    }
    while (tUs >= this.nextUs) {
      this.equity.push(equityQuote);
      this.inventory.push(inventoryLots);
      this.mid.push(midTicks ?? Number.NaN);
      this.nextUs += this.intervalUs;
    }
  }

  /** Equity samples, quote currency, oldest first. */
  equitySeries(): readonly number[] {
    return this.equity;
  }

  /** Time of the first sample (the grid's origin), Unix epoch µs; undefined before any. */
  get startUs(): number | undefined {
    return Number.isNaN(this.startUsValue) ? undefined : this.startUsValue;
  }

  /** Mid samples, ticks (undefined: no mid then), oldest first (same grid). Allocates. */
  midSeries(): (number | undefined)[] {
    return this.mid.map((m) => (Number.isNaN(m) ? undefined : m));
  }

  /** Inventory samples, lots, oldest first (same grid as `equitySeries`). */
  inventorySeries(): readonly number[] {
    return this.inventory;
  }
}
