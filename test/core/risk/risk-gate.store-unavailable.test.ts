import { describe, expect, it } from 'vitest';
import { RiskGate } from '../../../core/risk/risk-gate.ts';
import { parseRiskLimits } from '../../../core/risk/risk-limits.ts';

describe('RiskGate store-unavailable suspension (docs/adr/0018-engine-store-outage.md)', () => {
  it('halts while the store is down, ranks below stale-feed, survives setLimits, lifts when back', () => {
    const g = new RiskGate(parseRiskLimits({ stress: { minL1DepthLots: 5 } }, 'test'), 1);
    g.onMarket(1, 100, 1, 1); // thin book: suspended
    expect(g.reason).toBe('thin-book');
    g.setStoreUnavailable(2, true, 61_000, 60_000);
    expect([g.state, g.reason]).toEqual(['halted', 'store-unavailable']);
    g.setFeedStale(3, true, 6000, 5000); // the higher priority wins while both hold
    expect(g.reason).toBe('stale-feed');
    g.setFeedStale(4, false);
    g.setLimits(g.limits); // windows restart; the store observation stays
    g.onMarket(5, 100, 9, 9);
    expect([g.state, g.reason]).toEqual(['halted', 'store-unavailable']);
    g.setStoreUnavailable(6, false);
    expect([g.state, g.reason]).toEqual(['active', 'normal']);
    expect(g.drainTransitions().map((t) => [t.atUs, t.to, t.reason, t.value, t.limit])).toEqual([
      [1, 'halted', 'thin-book', 1, 5],
      [2, 'halted', 'store-unavailable', 61_000, 60_000],
      [3, 'halted', 'stale-feed', 6000, 5000],
      [4, 'halted', 'store-unavailable', 61_000, 60_000],
      [6, 'active', 'normal', undefined, undefined],
    ]);
  });
});
