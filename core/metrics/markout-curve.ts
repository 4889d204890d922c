/**
 * The multi-horizon mark-out tracker of ./markout.ts (definitions, settlement and sources there): one FIFO
 * of pending fills, a cursor per horizon, sums vs the mid and the microprice, non-destructive reads.
 */

/** Totals of one horizon against the mid, settled fills only (the read-only view the engine exposes). */
export interface MarkoutTotals {
  /** Σ over settled fills of s·(mid(t+h) − price)·lots·quotePerTickLot, quote currency (0 before any). */
  readonly markoutQuote: number;
  /** Fills settled so far. */
  readonly settledFills: number;
  /** Lots of the settled fills. */
  readonly settledLots: number;
  /** Fills waiting for their horizon. */
  readonly pendingFills: number;
}

/** One horizon's mark-out, settled and pending fills together (pending at the last reference). */
export interface MarkoutCurvePoint {
  /** Horizon h, µs. */
  readonly horizonUs: number;
  /** Σ s·(mid(t+h) − p)·q, quote currency. */
  readonly vsMidQuote: number;
  /** Σ s·(microprice(t+h) − p)·q, quote currency. */
  readonly vsMicropriceQuote: number;
}

/** Construction options of {@link MarkoutCurveTracker}. */
export interface MarkoutCurveOptions {
  /** Horizons, µs: strictly ascending integers ≥ 0. */
  readonly horizonsUs: readonly number[];
  /** Quote currency per tick·lot (core/sim/fees.ts), > 0. */
  readonly quotePerTickLot: number;
  /** Pending fills held before the ring first grows (integer ≥ 1, rounded up to a power of two; default 64). */
  readonly initialCapacity?: number;
  /** One of `horizonsUs` whose mid each fill settles at is kept (per-fill mark-outs); absent: none kept. */
  readonly perFillHorizonUs?: number;
}

/** Slots per pending fill in the ring: sign, price (ticks), lots, fill time (µs). */
const STRIDE = 4;

/** See the module doc. */
export class MarkoutCurveTracker {
  readonly horizonsUs: readonly number[];
  readonly quotePerTickLot: number;
  private ring: Float64Array;
  /** Ring capacity − 1 (capacity a power of two). */
  private mask: number;
  /** Fills ever recorded (the next fill's sequence number); fill n sits at ring slot n & mask. */
  private total = 0;
  /** Per horizon: fills settled (the sequence number of the next one to settle). */
  private readonly cursor: Int32Array;
  /** Per horizon: when its next pending fill is due, µs (+∞: none pending). */
  private readonly dueUs: Float64Array;
  private readonly midTickLots: Float64Array;
  private readonly microTickLots: Float64Array;
  private readonly lotsSettled: Float64Array;
  private nextDueUs = Number.POSITIVE_INFINITY;
  private lastMid = Number.NaN;
  private lastMicro = Number.NaN;
  // Whole-run sums: Σ s·lots, Σ s·price·lots, Σ price·lots (tick·lots), fill kinds.
  private signedLots = 0;
  private signedTickLots = 0;
  private notionalTickLots = 0;
  private queueFillsValue = 0;
  private tradeThroughFillsValue = 0;
  private readonly perFillIndex: number;
  private readonly perFillMid: number[] = [];

  /** @throws RangeError on horizons not strictly ascending integers ≥ 0, a bad quotePerTickLot,
   *  capacity, or a `perFillHorizonUs` not among the horizons. */
  constructor(opts: MarkoutCurveOptions) {
    const hs = opts.horizonsUs;
    if (hs.length === 0) throw new RangeError('MarkoutCurveTracker: no horizon');
    hs.forEach((h, i) => {
      if (!Number.isSafeInteger(h) || h < 0 || (i > 0 && h <= hs[i - 1]!)) {
        throw new RangeError(
          `MarkoutCurveTracker: horizons must be ascending integers >= 0, got ${hs.join(', ')}`,
        );
      }
    });
    const qptl = opts.quotePerTickLot;
    if (!(qptl > 0) || !Number.isFinite(qptl)) {
      throw new RangeError(`MarkoutCurveTracker: quotePerTickLot must be finite and > 0, got ${qptl}`);
    }
    const cap = opts.initialCapacity ?? 64;
    if (!Number.isSafeInteger(cap) || cap < 1) {
      throw new RangeError(`MarkoutCurveTracker: initialCapacity must be an integer >= 1, got ${cap}`);
    }
    this.perFillIndex = opts.perFillHorizonUs === undefined ? -1 : hs.indexOf(opts.perFillHorizonUs);
    if (opts.perFillHorizonUs !== undefined && this.perFillIndex < 0) {
      throw new RangeError(`MarkoutCurveTracker: perFillHorizonUs ${opts.perFillHorizonUs} is not a horizon`);
    }
    this.horizonsUs = hs.slice();
    this.quotePerTickLot = qptl;
    let pow2 = 1;
    while (pow2 < cap) pow2 *= 2;
    this.ring = new Float64Array(pow2 * STRIDE);
    this.mask = pow2 - 1;
    this.cursor = new Int32Array(hs.length);
    this.dueUs = new Float64Array(hs.length).fill(Number.POSITIVE_INFINITY);
    this.midTickLots = new Float64Array(hs.length);
    this.microTickLots = new Float64Array(hs.length);
    this.lotsSettled = new Float64Array(hs.length);
  }

  /**
   * Records one fill of ours.
   * @param side our order's side ('bid': we bought). @param priceTicks fill price, ticks.
   * @param lots filled lots (> 0). @param atUs fill time, µs (the clock `onMid` is given).
   * @param tradeThrough the venue's fill kind (core/quoting/intent.ts `Fill.tradeThrough`); undefined: not said.
   */
  onFill(side: 'bid' | 'ask', priceTicks: number, lots: number, atUs: number, tradeThrough?: boolean): void {
    if (this.total - this.cursor[this.cursor.length - 1]! > this.mask) this.grow();
    const at = (this.total & this.mask) * STRIDE;
    const r = this.ring;
    const hs = this.horizonsUs;
    for (let k = 0; k < hs.length; k++) {
      if (this.cursor[k] === this.total) this.dueUs[k] = atUs + hs[k]!; // the horizon's only pending fill
    }
    const s = side === 'bid' ? 1 : -1;
    r[at] = s;
    r[at + 1] = priceTicks;
    r[at + 2] = lots;
    r[at + 3] = atUs;
    this.total++;
    this.signedLots += s * lots;
    this.signedTickLots += s * priceTicks * lots;
    this.notionalTickLots += priceTicks * lots;
    if (tradeThrough === true) this.tradeThroughFillsValue++;
    else if (tradeThrough === false) this.queueFillsValue++;
    if (this.perFillIndex >= 0) this.perFillMid.push(Number.NaN);
    const due = this.dueUs[0]!; // the earliest due: FIFO, smallest horizon
    if (due < this.nextDueUs) this.nextDueUs = due;
  }

  /**
   * References observed at `nowUs`: settles, with them, every pending fill due by now at each horizon.
   * @param midTicks the mid, ticks (may be x.5). @param micropriceTicks the microprice, ticks.
   * @param nowUs their time, µs.
   */
  onMid(midTicks: number, micropriceTicks: number, nowUs: number): void {
    this.lastMid = midTicks;
    this.lastMicro = micropriceTicks;
    if (nowUs >= this.nextDueUs) this.settle(midTicks, micropriceTicks, nowUs);
  }

  private settle(mid: number, micro: number, nowUs: number): void {
    const r = this.ring;
    const mask = this.mask;
    const hs = this.horizonsUs;
    const dueUs = this.dueUs;
    let next = Number.POSITIVE_INFINITY;
    for (let k = 0; k < hs.length; k++) {
      let due = dueUs[k]!;
      if (due <= nowUs) {
        const h = hs[k]!;
        let n = this.cursor[k]!;
        let midSum = 0;
        let microSum = 0;
        let lots = 0;
        due = Number.POSITIVE_INFINITY;
        while (n < this.total) {
          const at = (n & mask) * STRIDE;
          const d = r[at + 3]! + h;
          if (d > nowUs) {
            due = d;
            break;
          }
          const sLots = r[at]! * r[at + 2]!;
          midSum += sLots * (mid - r[at + 1]!);
          microSum += sLots * (micro - r[at + 1]!);
          lots += r[at + 2]!;
          if (k === this.perFillIndex) this.perFillMid[n] = mid;
          n++;
        }
        this.cursor[k] = n;
        dueUs[k] = due;
        this.midTickLots[k] = this.midTickLots[k]! + midSum;
        this.microTickLots[k] = this.microTickLots[k]! + microSum;
        this.lotsSettled[k] = this.lotsSettled[k]! + lots;
      }
      if (due < next) next = due;
    }
    this.nextDueUs = next;
  }

  /** Fills recorded. */
  get fills(): number {
    return this.total;
  }
  /** Σ price·lots over fills, quote currency. */
  get tradedNotionalQuote(): number {
    return this.notionalTickLots * this.quotePerTickLot;
  }
  /** Fills the venue said were queue fills (`tradeThrough: false`). */
  get queueFills(): number {
    return this.queueFillsValue;
  }
  /** Fills the venue said were trade-through fills. */
  get tradeThroughFills(): number {
    return this.tradeThroughFillsValue;
  }
  /** Last mid seen, ticks; undefined before any. */
  get lastMidTicks(): number | undefined {
    return Number.isNaN(this.lastMid) ? undefined : this.lastMid;
  }

  /**
   * Σ s·(last mid − price)·lots over every fill, quote currency: the fills marked to the current mid
   * (gross mark-to-mid PnL of a run that started flat); 0 before any mid.
   */
  toLastMidQuote(): number {
    if (Number.isNaN(this.lastMid)) return 0;
    return (this.lastMid * this.signedLots - this.signedTickLots) * this.quotePerTickLot;
  }

  /** The mark-out at every horizon, pending fills valued at the last references (none seen: left out). */
  curve(): MarkoutCurvePoint[] {
    const r = this.ring;
    const midOk = !Number.isNaN(this.lastMid);
    return this.horizonsUs.map((horizonUs, k) => {
      let mid = this.midTickLots[k]!;
      let micro = this.microTickLots[k]!;
      if (midOk) {
        for (let n = this.cursor[k]!; n < this.total; n++) {
          const at = (n & this.mask) * STRIDE;
          const sLots = r[at]! * r[at + 2]!;
          mid += sLots * (this.lastMid - r[at + 1]!);
          micro += sLots * (this.lastMicro - r[at + 1]!);
        }
      }
      const q = this.quotePerTickLot;
      return { horizonUs, vsMidQuote: mid * q, vsMicropriceQuote: micro * q };
    });
  }

  /**
   * The mid each fill settled at, at `perFillHorizonUs`, oldest first (pending: the last mid; none seen:
   * undefined). Empty unless `perFillHorizonUs` was given. Allocates.
   */
  perFillMidTicks(): (number | undefined)[] {
    const last = this.lastMidTicks;
    return this.perFillMid.map((m) => (Number.isNaN(m) ? last : m));
  }

  /**
   * The settled totals of one horizon against the mid (a live view, read-only).
   * @throws RangeError if `horizonUs` is not one of the tracker's horizons.
   */
  totalsAt(horizonUs: number): MarkoutTotals {
    const k = this.horizonsUs.indexOf(horizonUs);
    if (k < 0) throw new RangeError(`MarkoutCurveTracker: ${horizonUs} µs is not a horizon`);
    return new HorizonTotals(this, k);
  }

  /** Settled totals of the k-th horizon (see {@link MarkoutTotals}); k must be a horizon index. */
  settledAt(k: number): { readonly midQuote: number; readonly fills: number; readonly lots: number } {
    return {
      midQuote: this.midTickLots[k]! * this.quotePerTickLot,
      fills: this.cursor[k]!,
      lots: this.lotsSettled[k]!,
    };
  }

  /** Doubles the ring; fill n moves to slot n & the new mask. */
  private grow(): void {
    const old = this.ring;
    const oldMask = this.mask;
    const next = new Float64Array(old.length * 2);
    const newMask = oldMask * 2 + 1;
    for (let n = this.cursor[this.cursor.length - 1]!; n < this.total; n++) {
      const from = (n & oldMask) * STRIDE;
      next.set(old.subarray(from, from + STRIDE), (n & newMask) * STRIDE);
    }
    this.ring = next;
    this.mask = newMask;
  }
}

/** A live view of one horizon's settled totals. */
class HorizonTotals implements MarkoutTotals {
  constructor(
    private readonly tracker: MarkoutCurveTracker,
    private readonly k: number,
  ) {}
  get markoutQuote(): number {
    return this.tracker.settledAt(this.k).midQuote;
  }
  get settledFills(): number {
    return this.tracker.settledAt(this.k).fills;
  }
  get settledLots(): number {
    return this.tracker.settledAt(this.k).lots;
  }
  get pendingFills(): number {
    return this.tracker.fills - this.tracker.settledAt(this.k).fills;
  }
}
