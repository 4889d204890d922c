/**
 * The recorder's own copy of one symbol's order book, kept from the recorded lines themselves (REST
 * snapshot + `depthUpdate` diffs, /work/shared/data/README.md format), so that every new hourly depth
 * file can open with a snapshot of the book as it stands at the rotation, without a REST call.
 *
 * Prices and quantities stay the exchange's exact decimal strings (they are written back verbatim);
 * levels are keyed by the price's numeric value only to order and merge them. Sequencing follows
 * Binance's "How to manage a local order book correctly" (spot: first diff `U ≤ lastUpdateId+1 ≤ u`,
 * then `U == previous u + 1`; USD-M futures: drop `u < lastUpdateId`, then `pu == previous u`). A break
 * of the chain, or a feed gap, leaves the keeper unsynced until the feed's next snapshot: a file opened
 * then starts without a synthesised snapshot and gets the feed's own one where it arrives.
 */

/** Levels per side in a synthesised snapshot: what Binance's REST depth returns at `limit=1000`. */
export const SNAPSHOT_LEVELS = 1000;

/** Diffs held while waiting for a snapshot; beyond this the oldest are dropped (they would be stale). */
const MAX_BUFFERED_DIFFS = 10_000;

type Market = 'spot' | 'usdm';
type Side = Map<number, readonly [string, string]>;

interface Diff {
  readonly U: number;
  readonly u: number;
  readonly pu: number | undefined;
  readonly E: number;
  readonly T: number | undefined;
  readonly b: ReadonlyArray<readonly [string, string]>;
  readonly a: ReadonlyArray<readonly [string, string]>;
}

/** Keeps the book of one symbol from its recorded depth lines. */
export class RecordedBookKeeper {
  private readonly bids: Side = new Map();
  private readonly asks: Side = new Map();
  private buffered: Diff[] = [];
  private hasSnapshot = false;
  private applied = false;
  private lastU = 0;
  private lastE: number | undefined;
  private lastT: number | undefined;
  /** Chain breaks seen (counter for metrics). */
  chainBreaks = 0;

  constructor(private readonly market: Market) {}

  /** True when the book mirrors the venue (a snapshot was applied and the chain has held since). */
  get synced(): boolean {
    return this.hasSnapshot;
  }

  /** Forgets the book (a feed gap): unsynced until the next snapshot. */
  reset(): void {
    this.bids.clear();
    this.asks.clear();
    this.buffered = [];
    this.hasSnapshot = false;
    this.applied = false;
  }

  /** Applies a REST snapshot payload (`lastUpdateId`, `bids`, `asks`, optional `E`/`T` ms), then the buffered diffs. */
  onSnapshot(snap: Readonly<Record<string, unknown>>): void {
    this.bids.clear();
    this.asks.clear();
    setLevels(this.bids, levelsOf(snap['bids']));
    setLevels(this.asks, levelsOf(snap['asks']));
    this.lastU = numberOf(snap['lastUpdateId']) ?? 0;
    this.lastE = numberOf(snap['E']);
    this.lastT = numberOf(snap['T']);
    this.hasSnapshot = true;
    this.applied = false;
    const pending = this.buffered;
    this.buffered = [];
    for (const d of pending) this.apply(d);
  }

  /** Applies (or buffers, before a snapshot) a `depthUpdate` payload; lines of another shape are ignored. */
  onDiff(payload: Readonly<Record<string, unknown>>): void {
    const d = diffOf(payload);
    if (d === undefined) return;
    if (!this.hasSnapshot) {
      this.buffered.push(d);
      if (this.buffered.length > MAX_BUFFERED_DIFFS) this.buffered.shift();
      return;
    }
    this.apply(d);
  }

  private apply(d: Diff): void {
    if (!this.applied) {
      // Binance: spot drops u ≤ lastUpdateId, futures u < lastUpdateId.
      if (this.market === 'spot' ? d.u <= this.lastU : d.u < this.lastU) return;
      if (this.market === 'spot' && d.U > this.lastU + 1) return this.breakChain();
    } else if (this.market === 'spot' ? d.U !== this.lastU + 1 : d.pu !== this.lastU) {
      return this.breakChain();
    }
    setLevels(this.bids, d.b);
    setLevels(this.asks, d.a);
    this.lastU = d.u;
    this.lastE = d.E;
    this.lastT = d.T;
    this.applied = true;
  }

  private breakChain(): void {
    this.chainBreaks++;
    this.reset();
  }

  /**
   * A snapshot line of the current book in the recorded format (`recv_ns`, `lastUpdateId` = the last
   * applied `u`, best `SNAPSHOT_LEVELS` levels a side, best first; futures also `E`/`T` of the last
   * applied event, ms), marked `"source":"recorder"` (readers ignore the extra key); undefined when
   * not synced.
   * @param recvNs receive time stamped on the line, Unix epoch ns.
   */
  snapshotLine(recvNs: bigint): string | undefined {
    if (!this.hasSnapshot) return undefined;
    const bids = sortedLevels(this.bids, -1);
    const asks = sortedLevels(this.asks, 1);
    const times =
      this.market === 'usdm' && this.lastE !== undefined
        ? `,"E":${this.lastE},"T":${this.lastT ?? this.lastE}`
        : '';
    return (
      `{"recv_ns":${recvNs.toString()},"lastUpdateId":${this.lastU}${times},` +
      `"bids":${JSON.stringify(bids)},"asks":${JSON.stringify(asks)},"source":"recorder"}`
    );
  }
}

function sortedLevels(side: Side, direction: 1 | -1): Array<readonly [string, string]> {
  return [...side.entries()]
    .sort((x, y) => direction * (x[0] - y[0]))
    .slice(0, SNAPSHOT_LEVELS)
    .map((e) => e[1]);
}

function setLevels(side: Side, levels: ReadonlyArray<readonly [string, string]>): void {
  for (const lv of levels) {
    const price = Number(lv[0]);
    if (Number(lv[1]) === 0) side.delete(price);
    else side.set(price, lv);
  }
}

function numberOf(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined;
}

function levelsOf(v: unknown): Array<readonly [string, string]> {
  if (!Array.isArray(v)) return [];
  const out: Array<readonly [string, string]> = [];
  for (const lv of v as unknown[]) {
    if (Array.isArray(lv) && typeof lv[0] === 'string' && typeof lv[1] === 'string') out.push([lv[0], lv[1]]);
  }
  return out;
}

function diffOf(p: Readonly<Record<string, unknown>>): Diff | undefined {
  const U = numberOf(p['U']);
  const u = numberOf(p['u']);
  const E = numberOf(p['E']);
  if (p['e'] !== 'depthUpdate' || U === undefined || u === undefined || E === undefined) return undefined;
  return { U, u, pu: numberOf(p['pu']), E, T: numberOf(p['T']), b: levelsOf(p['b']), a: levelsOf(p['a']) };
}
