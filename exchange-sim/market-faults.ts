/**
 * The market-data part of fault injection (./faults.ts): depth diffs dropped, duplicated or reordered
 * and stale periods, applied to the messages a replay publishes — never to the replay itself, so the
 * simulator's book and fill model see every diff. A client following Binance's "How to manage a local
 * order book correctly" then sees what a venue hiccup gives: `U ≠ previous u + 1` (spot) or
 * `pu ≠ previous u` (USDⓈ-M) after a drop or a stale period, an id going back after a duplicate or a swap.
 * Time: `nowMs` (wall clock, injected; ms).
 */
import type { DepthFault, StaleFeedFault } from './fault-spec.ts';
import type { StreamMessage } from './symbol-replay.ts';

export type SimMarket = 'spot' | 'usdm';

/** Messages faulted so far. */
export interface MarketFaultCounts {
  depthDropped: number;
  depthDuplicated: number;
  depthReordered: number;
  /** Market messages (any stream) not sent during stale periods. */
  staleDropped: number;
}

/** What is still to come. */
export interface MarketFaultsPending {
  readonly depthDrop: number;
  readonly depthDuplicate: number;
  /** Pairs still to swap, including one whose first message is held now. */
  readonly depthReorder: number;
  /** ms left of the longest stale period; 0 if none. */
  readonly staleMsLeft: number;
}

interface DepthRule {
  readonly market: SimMarket | undefined;
  readonly symbol: string | undefined;
  drop: number;
  duplicate: number;
  reorder: number;
}

interface StaleRule {
  readonly market: SimMarket | undefined;
  readonly symbol: string | undefined;
  readonly untilMs: number;
}

const applies = (r: { market: SimMarket | undefined; symbol: string | undefined }, m: SimMarket, s: string) =>
  (r.market === undefined || r.market === m) && (r.symbol === undefined || r.symbol === s);

/** Depth and stale-feed faults; see the module doc. */
export class MarketFaults {
  counts: MarketFaultCounts = { depthDropped: 0, depthDuplicated: 0, depthReordered: 0, staleDropped: 0 };
  private readonly nowMs: () => number;
  private depthRules: DepthRule[] = [];
  /** Reorder: the held depth message per `market|stream`, sent after the next one. */
  private readonly held = new Map<string, StreamMessage>();
  private staleRules: StaleRule[] = [];

  /** @param nowMs wall clock, Unix ms. */
  constructor(nowMs: () => number) {
    this.nowMs = nowMs;
  }

  /** No depth or stale fault pending (the sinks' fast path). */
  get idle(): boolean {
    return this.depthRules.length === 0 && this.staleRules.length === 0 && this.held.size === 0;
  }

  /** Next depth diffs: first `drop` not sent, then `duplicate` sent twice, then `reorder` pairs swapped. */
  addDepth(f: DepthFault): void {
    this.depthRules.push({
      market: f.market,
      symbol: f.symbol?.toUpperCase(),
      drop: f.drop ?? 0,
      duplicate: f.duplicate ?? 0,
      reorder: f.reorder ?? 0,
    });
  }

  /** No market message of `market` / `symbol` is sent for `ms` from now. */
  addStale(f: StaleFeedFault): void {
    this.staleRules.push({ market: f.market, symbol: f.symbol?.toUpperCase(), untilMs: this.nowMs() + f.ms });
  }

  /** Ends every fault (a held reordered message is discarded) and resets the counts. */
  clear(): void {
    this.depthRules = [];
    this.held.clear();
    this.staleRules = [];
    this.counts = { depthDropped: 0, depthDuplicated: 0, depthReordered: 0, staleDropped: 0 };
  }

  pending(): MarketFaultsPending {
    const now = this.nowMs();
    const sum = (k: 'drop' | 'duplicate' | 'reorder'): number =>
      this.depthRules.reduce((s, r) => s + r[k], 0);
    return {
      depthDrop: sum('drop'),
      depthDuplicate: sum('duplicate'),
      depthReorder: sum('reorder') + this.held.size,
      staleMsLeft: this.staleRules.reduce((m, r) => Math.max(m, r.untilMs - now), 0),
    };
  }

  /** Sends `m` through the faults of `market` / `symbol` to `publish` (zero, one or two messages). */
  filter(market: SimMarket, symbol: string, m: StreamMessage, publish: (m: StreamMessage) => void): void {
    if (this.isStale(market, symbol)) {
      this.counts.staleDropped++;
      return;
    }
    if (!m.stream.endsWith('@depth')) {
      publish(m);
      return;
    }
    const key = `${market}|${m.stream}`;
    const held = this.held.get(key);
    if (held !== undefined) {
      this.held.delete(key);
      publish(m);
      publish(held);
      this.counts.depthReordered++;
      return;
    }
    const rule = this.depthRules.find((r) => applies(r, market, symbol));
    if (rule === undefined) {
      publish(m);
      return;
    }
    if (rule.drop > 0) {
      rule.drop--;
      this.counts.depthDropped++;
    } else if (rule.duplicate > 0) {
      rule.duplicate--;
      publish(m);
      publish(m);
      this.counts.depthDuplicated++;
    } else {
      rule.reorder--;
      this.held.set(key, m);
    }
    if (rule.drop + rule.duplicate + rule.reorder === 0)
      this.depthRules.splice(this.depthRules.indexOf(rule), 1);
  }

  /** Whether a stale period covers `market` / `symbol` now (expired periods are forgotten). */
  isStale(market: SimMarket, symbol: string): boolean {
    if (this.staleRules.length === 0) return false;
    const now = this.nowMs();
    this.staleRules = this.staleRules.filter((r) => r.untilMs > now);
    return this.staleRules.some((r) => applies(r, market, symbol));
  }
}
