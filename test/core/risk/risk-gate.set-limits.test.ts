import { describe, expect, it } from 'vitest';
import { RiskGate } from '../../../core/risk/risk-gate.ts';
import { parseRiskLimits, type RiskLimitsInput } from '../../../core/risk/risk-limits.ts';

const REJECT = { max: 0.4, windowMs: 60_000, minSamples: 4 };
const ACK = { p99LimitMs: 200, windowMs: 60_000, minSamples: 2 };

function limits(l: RiskLimitsInput): ReturnType<typeof parseRiskLimits> {
  return parseRiskLimits(l, 'test');
}

const stateOf = (g: RiskGate): [string, string] => [g.state, g.reason];

describe('RiskGate.setLimits on a hot swap (issue 14: a swap never lifts a halt)', () => {
  it('keeps a reconcile-mismatch halt, a reject-rate suspension (and its samples) and a kill', () => {
    const g = new RiskGate(limits({ rejectRate: REJECT }), 1);
    g.onReconcile(1, 2, 0); // 2 working orders differ from the venue's
    for (const t of [2, 3, 4, 5]) g.onReject(t); // 4 of 4 rejected: 1 > 0.4
    expect(stateOf(g)).toEqual(['halted', 'reconcile-mismatch']);
    g.setLimits(limits({ rejectRate: REJECT })); // equal settings, a fresh object (a canary step)
    g.onMarket(6, 100, 5, 5);
    expect(stateOf(g)).toEqual(['halted', 'reconcile-mismatch']);
    g.onReconcile(7, 0, 0); // the venue agrees again: the reject-rate suspension is still there
    expect(stateOf(g)).toEqual(['halted', 'reject-rate']);
    // Same window, looser rate (1 > 1 is false): re-checked, not rebuilt ...
    g.setLimits(limits({ rejectRate: { ...REJECT, max: 1 } }));
    g.onMarket(8, 100, 5, 5);
    expect(stateOf(g)).toEqual(['active', 'normal']);
    // ... so the 4 samples are still in the window when the rate tightens back.
    g.setLimits(limits({ rejectRate: REJECT }));
    g.onMarket(9, 100, 5, 5);
    expect(stateOf(g)).toEqual(['halted', 'reject-rate']);
    g.kill(10, 'operator');
    g.setLimits(limits({}));
    g.onMarket(11, 100, 5, 5);
    expect(stateOf(g)).toEqual(['halted', 'kill']);
    expect(g.drainTransitions().map((t) => [t.atUs, t.to, t.reason, t.value, t.limit])).toEqual([
      [1, 'halted', 'reconcile-mismatch', 2, 0],
      [7, 'halted', 'reject-rate', 1, 0.4],
      [8, 'active', 'normal', undefined, undefined],
      [9, 'halted', 'reject-rate', 1, 0.4],
      [10, 'halted', 'kill', undefined, undefined],
    ]);
  });

  it('keeps reconcile-inventory reducing across setLimits', () => {
    const g = new RiskGate(limits({ maxInventoryLots: 10 }), 1);
    g.onReconcile(1, 0, 3);
    g.setLimits(limits({ maxInventoryLots: 5 }));
    g.onPosition(2, 0, 100, undefined);
    expect(stateOf(g)).toEqual(['reducing', 'reconcile-mismatch']);
  });

  it('rebuilds only the window whose setting changed', () => {
    const g = new RiskGate(limits({ ackLatency: ACK, rejectRate: REJECT }), 1);
    g.onAck(1, 300_000); // 300 ms
    g.onAck(2, 300_000); // p99 = 300 ms > 200 ms with 2 samples
    for (const t of [3, 4, 5, 6]) g.onReject(t); // 4 rejected of 6 outcomes: 0.667 > 0.4
    expect(stateOf(g)).toEqual(['halted', 'ack-latency']);
    expect(g.ackLatencyP99Us).toBe(300_000);
    // ACK window 60 s → 30 s: that window restarts empty (flag cleared); the reject window is kept.
    g.setLimits(limits({ ackLatency: { ...ACK, windowMs: 30_000 }, rejectRate: REJECT }));
    expect(g.ackLatencyP99Us).toBeUndefined();
    g.onMarket(7, 100, 5, 5);
    expect(stateOf(g)).toEqual(['halted', 'reject-rate']);
    // Reject window 60 s → 30 s: now that one restarts too.
    g.setLimits(
      limits({ ackLatency: { ...ACK, windowMs: 30_000 }, rejectRate: { ...REJECT, windowMs: 30_000 } }),
    );
    g.onMarket(8, 100, 5, 5);
    expect(stateOf(g)).toEqual(['active', 'normal']);
    expect(g.drainTransitions().map((t) => [t.atUs, t.to, t.reason])).toEqual([
      [2, 'halted', 'ack-latency'],
      [7, 'halted', 'reject-rate'],
      [8, 'active', 'normal'],
    ]);
  });
});
