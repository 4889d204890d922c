import { describe, expect, it } from 'vitest';
import { RiskGate } from '../../../core/risk/risk-gate.ts';
import { parseRiskLimits } from '../../../core/risk/risk-limits.ts';

describe('RiskGate stale-feed suspension', () => {
  it('halts while stale, ranks above the other suspensions, survives setLimits, lifts when fresh', () => {
    const g = new RiskGate(parseRiskLimits({ stress: { minL1DepthLots: 5 } }, 'test'), 1);
    g.onMarket(1, 100, 1, 1); // thin book: suspended
    expect(g.reason).toBe('thin-book');
    g.setFeedStale(2, true, 6000, 5000);
    expect([g.state, g.reason]).toEqual(['halted', 'stale-feed']);
    g.setLimits(g.limits); // windows restart; the feed observation stays
    g.onMarket(3, 100, 9, 9);
    expect([g.state, g.reason]).toEqual(['halted', 'stale-feed']);
    g.setFeedStale(4, false);
    expect([g.state, g.reason]).toEqual(['active', 'normal']);
    expect(g.drainTransitions().map((t) => [t.atUs, t.to, t.reason, t.value, t.limit])).toEqual([
      [1, 'halted', 'thin-book', 1, 5],
      [2, 'halted', 'stale-feed', 6000, 5000],
      [4, 'active', 'normal', undefined, undefined],
    ]);
  });
});
