import { describe, expect, it } from 'vitest';
import { RiskGate } from '../../../core/risk/risk-gate.ts';
import { parseRiskLimits, RiskLimitsError, type RiskLimitsInput } from '../../../core/risk/risk-limits.ts';
import type { QuoteIntent } from '../../../core/quoting/intent.ts';

const S = 1_000_000; // µs per second

function gate(limits: RiskLimitsInput, quotePerTickLot = 1): RiskGate {
  return new RiskGate(parseRiskLimits(limits, 'test'), quotePerTickLot);
}

function intent(bid: [number, number] | undefined, ask: [number, number] | undefined): QuoteIntent {
  return {
    bid: bid === undefined ? undefined : { priceTicks: bid[0], sizeLots: bid[1] },
    ask: ask === undefined ? undefined : { priceTicks: ask[0], sizeLots: ask[1] },
    bidReason: bid === undefined ? 'book-not-ready' : 'quote',
    askReason: ask === undefined ? 'book-not-ready' : 'quote',
    decidedAtUs: 0,
    midTicks: 100.5,
  };
}

const BOTH = intent([100, 2], [101, 2]);

describe('risk limits schema', () => {
  it('applies defaults and rejects unknown keys, naming the source and field', () => {
    const l = parseRiskLimits({ ackLatency: { p99LimitMs: 200, windowMs: 60_000 } }, 'cfg');
    expect(l.ackLatency?.minSamples).toBe(20);
    expect(l.selfTradeGuard).toBe(true);
    expect(() => parseRiskLimits({ maxInventory: 3 }, 'cfg.json')).toThrow(RiskLimitsError);
    expect(() => parseRiskLimits({ maxInventoryLots: -1 }, 'cfg.json')).toThrow(
      /cfg\.json.*maxInventoryLots/,
    );
    expect(() =>
      parseRiskLimits({ stress: { sigmaShortWindowMs: 600_000, sigmaLongWindowMs: 60_000 } }, 'x'),
    ).toThrow(/shorter/);
  });
});

describe('RiskGate: pass-through', () => {
  it('with no limits returns the very intent object and stays active', () => {
    const g = gate({});
    expect(g.filter(BOTH, 0)).toBe(BOTH);
    expect(g.state).toBe('active');
    expect(g.watchesMarket || g.watchesPosition).toBe(false);
    expect(g.drainTransitions()).toEqual([]);
  });
});

describe('RiskGate: per-leg checks', () => {
  it('hard inventory limit: q=4, max 5 → a 2-lot bid (q→6) is dropped, the ask (q→2) kept', () => {
    const g = gate({ maxInventoryLots: 5 });
    const out = g.filter(BOTH, 4);
    expect(out.bid).toBeUndefined();
    expect(out.bidReason).toBe('inventory-limit');
    expect(out.ask).toEqual({ priceTicks: 101, sizeLots: 2 });
    expect(g.counters.sidesDroppedInventoryLimit).toBe(1);
  });

  it('hard inventory limit: q=-5 (at the limit) → the ask is dropped, the bid kept', () => {
    const out = gate({ maxInventoryLots: 5 }).filter(BOTH, -5);
    expect(out.ask).toBeUndefined();
    expect(out.bid).toEqual({ priceTicks: 100, sizeLots: 2 });
  });

  it('max order notional: 100 ticks · 2 lots · 0.5 = 100 quote passes a 100 limit, 101·2·0.5 = 101 does not', () => {
    const g = gate({ maxOrderNotionalQuote: 100 }, 0.5);
    const out = g.filter(BOTH, 0);
    expect(out.bid).toEqual({ priceTicks: 100, sizeLots: 2 });
    expect(out.ask).toBeUndefined();
    expect(out.askReason).toBe('halted');
    expect(g.counters.sidesDroppedOrderNotional).toBe(1);
  });

  it('self-trade: a bid at or above our ask drops both legs', () => {
    const g = gate({});
    const crossed = intent([101, 1], [101, 1]);
    const out = g.filter(crossed, 0);
    expect(out.bid).toBeUndefined();
    expect(out.ask).toBeUndefined();
    expect(g.counters.selfTradesPrevented).toBe(1);
    expect(gate({ selfTradeGuard: false }).filter(crossed, 0)).toBe(crossed);
  });

  it('max open orders: with 3 working and a limit of 3 no place is admitted', () => {
    const g = gate({ maxOpenOrders: 3 });
    expect(g.admitsPlace(2)).toBe(true);
    expect(g.admitsPlace(3)).toBe(false);
    expect(g.counters.placesBlockedOpenOrders).toBe(1);
  });
});

describe('RiskGate: reducing', () => {
  it('soft limit 3: |q|=3 → REDUCING, keeps the ask cut to q; back to ACTIVE at |q|=2', () => {
    const g = gate({ softInventoryLots: 3 });
    g.onPosition(1 * S, 3, 100, undefined);
    expect(g.state).toBe('reducing');
    const out = g.filter(intent([100, 5], [101, 5]), 3);
    expect(out.bid).toBeUndefined();
    expect(out.ask).toEqual({ priceTicks: 101, sizeLots: 3 });
    g.onPosition(2 * S, 2, 100, undefined);
    expect(g.state).toBe('active');
    expect(g.drainTransitions()).toEqual([
      { atUs: 1 * S, from: 'active', to: 'reducing', reason: 'inventory-soft-limit', value: 3, limit: 3 },
      { atUs: 2 * S, from: 'reducing', to: 'active', reason: 'normal' },
    ]);
  });

  it('short side: q=-4 in REDUCING keeps only the bid', () => {
    const g = gate({ softInventoryLots: 3 });
    g.onPosition(0, -4, 100, undefined);
    const out = g.filter(intent([100, 2], [101, 2]), -4);
    expect(out.ask).toBeUndefined();
    expect(out.bid).toEqual({ priceTicks: 100, sizeLots: 2 });
  });

  it('inventory notional: 4 lots · mid 100 · 0.5 = 200 ≥ 200 → REDUCING', () => {
    const g = gate({ maxInventoryNotionalQuote: 200 }, 0.5);
    g.onPosition(0, 3, 100, undefined); // 150
    expect(g.state).toBe('active');
    g.onPosition(1, -4, 100, undefined); // 200
    expect(g.state).toBe('reducing');
    expect(g.reason).toBe('inventory-notional');
  });
});

describe('RiskGate: latched halts', () => {
  it('daily loss 10: PnL 5 at day start, 4.9 later → -0.1 fine; -5.5 → HALTED (loss 10.5), latched', () => {
    const g = gate({ maxDailyLossQuote: 10 });
    g.onPosition(1 * S, 0, 100, 5);
    g.onPosition(2 * S, 0, 100, -5);
    expect(g.state).toBe('active'); // loss exactly 10: not beyond
    g.onPosition(3 * S, 0, 100, -5.5);
    expect(g.state).toBe('halted');
    expect(g.latched).toBe(true);
    g.onPosition(4 * S, 0, 100, 50);
    expect(g.state).toBe('halted');
    expect(g.filter(BOTH, 0).bid).toBeUndefined();
    const [t] = g.drainTransitions();
    expect(t).toEqual({
      atUs: 3 * S,
      from: 'active',
      to: 'halted',
      reason: 'daily-loss',
      value: 10.5,
      limit: 10,
    });
  });

  it('daily loss: the reference resets at the UTC day boundary', () => {
    const g = gate({ maxDailyLossQuote: 10 });
    const day = 86_400 * S;
    g.onPosition(day - 1, 0, 100, 0);
    g.onPosition(day + 1, 0, 100, -8); // day 2 starts at -8
    g.onPosition(day + 2, 0, 100, -17); // loss 9 today
    expect(g.state).toBe('active');
  });

  it('drawdown 3: peak 10 → 6.9 halts; resume restarts the peak from the last PnL', () => {
    const g = gate({ maxDrawdownQuote: 3 });
    g.onPosition(1, 0, 100, 10);
    g.onPosition(2, 0, 100, 7);
    expect(g.state).toBe('active');
    g.onPosition(3, 0, 100, 6.9);
    expect(g.reason).toBe('drawdown');
    g.resume(4, 'checked');
    expect(g.state).toBe('active');
    g.onPosition(5, 0, 100, 5);
    expect(g.state).toBe('active'); // 6.9 → 5 is 1.9 from the new peak
    const ts = g.drainTransitions();
    expect(ts.map((t) => [t.to, t.reason])).toEqual([
      ['halted', 'drawdown'],
      ['active', 'resume'],
    ]);
    expect(ts[1]?.note).toBe('checked');
  });

  it('kill is latched, idempotent, outranks everything and carries its note; resume lifts it', () => {
    const g = gate({ softInventoryLots: 1 });
    g.onPosition(0, 2, 100, undefined);
    g.kill(10, 'fat finger');
    g.kill(11, 'again');
    expect(g.state).toBe('halted');
    expect(g.filter(BOTH, 2)).toMatchObject({ bid: undefined, ask: undefined, bidReason: 'halted' });
    g.resume(20, 'ok');
    expect(g.state).toBe('reducing'); // the soft limit still holds
    expect(g.drainTransitions().map((t) => [t.from, t.to, t.reason, t.note])).toEqual([
      ['active', 'reducing', 'inventory-soft-limit', undefined],
      ['reducing', 'halted', 'kill', 'fat finger'],
      ['halted', 'reducing', 'inventory-soft-limit', 'ok'],
    ]);
  });

  it('resume without a latch is a no-op', () => {
    const g = gate({});
    g.resume(1);
    expect(g.drainTransitions()).toEqual([]);
  });
});

describe('RiskGate: suspensions', () => {
  it('ACK latency: p99 over 10 s of 250 ms > 200 ms suspends; the window emptying lifts it', () => {
    const g = gate({ ackLatency: { p99LimitMs: 200, windowMs: 10_000, minSamples: 3 } });
    g.onAck(1 * S, 250_000);
    g.onAck(2 * S, 250_000);
    expect(g.state).toBe('active'); // 2 samples < minSamples
    g.onAck(3 * S, 250_000);
    expect(g.state).toBe('halted');
    expect(g.reason).toBe('ack-latency');
    expect(g.latched).toBe(false);
    expect(g.ackLatencyP99Us).toBe(250_000);
    g.onMarket(12 * S, 100, 5, 5); // the 1 s sample is out: 2 left < 3
    expect(g.state).toBe('active');
    expect(g.drainTransitions()[0]).toMatchObject({ reason: 'ack-latency', value: 250, limit: 200 });
  });

  it('ACK latency: p99 is the nearest rank: 99 fast and 1 slow ACK → p99 = the 99th = fast', () => {
    const g = gate({ ackLatency: { p99LimitMs: 200, windowMs: 1_000_000, minSamples: 1 } });
    for (let i = 0; i < 99; i++) g.onAck(i, 10_000);
    g.onAck(100, 900_000);
    expect(g.ackLatencyP99Us).toBe(10_000);
    expect(g.state).toBe('active');
    g.onAck(101, 900_000); // 2 of 101: rank ceil(99.99) = 100 → slow
    expect(g.state).toBe('halted');
  });

  it('reject rate: 2 rejects of 4 = 0.5 > 0.4 suspends; accepts bring it back under', () => {
    const g = gate({ rejectRate: { max: 0.4, windowMs: 60_000, minSamples: 4 } });
    g.onAck(1, 1000);
    g.onReject(2);
    g.onAck(3, 1000);
    expect(g.state).toBe('active');
    g.onReject(4);
    expect(g.reason).toBe('reject-rate');
    g.onAck(5, 1000); // 2/5 = 0.4: not above
    expect(g.state).toBe('active');
  });

  it('thin book: L1 of 2 lots under a 3-lot minimum suspends until both sides hold 3', () => {
    const g = gate({ stress: { minL1DepthLots: 3 } });
    g.onMarket(1, 100, 5, 2);
    expect(g.reason).toBe('thin-book');
    g.onMarket(2, 100, undefined, 9);
    expect(g.state).toBe('halted');
    g.onMarket(3, 100, 3, 3);
    expect(g.state).toBe('active');
  });

  it('volatility spike: σ(1 s grid, 5 s) > 3 × σ(600 s) after a calm period suspends, calm again lifts', () => {
    const g = gate({
      stress: {
        sigmaRatio: 3,
        sigmaShortWindowMs: 5_000,
        sigmaLongWindowMs: 600_000,
        sigmaSampleIntervalMs: 1_000,
      },
    });
    let t = 0;
    let mid = 10_000;
    // Calm: ±1 tick alternation each second for 700 s (the slow σ warms up over 600 observations).
    for (let i = 0; i < 700; i++, t += S) g.onMarket(t, (mid += i % 2 === 0 ? 1 : -1), 5, 5);
    expect(g.state).toBe('active');
    // Spike: ±40 ticks each second.
    for (let i = 0; i < 5; i++, t += S) g.onMarket(t, (mid += i % 2 === 0 ? 40 : -40), 5, 5);
    expect(g.reason).toBe('volatility-spike');
    for (let i = 0; i < 200; i++, t += S) g.onMarket(t, (mid += i % 2 === 0 ? 1 : -1), 5, 5);
    expect(g.state).toBe('active');
  });

  it('priority: a latched halt outranks a suspension, which outranks reducing', () => {
    const g = gate({ softInventoryLots: 1, stress: { minL1DepthLots: 3 } });
    g.onPosition(1, 5, 100, undefined);
    g.onMarket(2, 100, 1, 1);
    expect([g.state, g.reason]).toEqual(['halted', 'thin-book']);
    g.kill(3);
    g.onMarket(4, 100, 9, 9);
    expect([g.state, g.reason]).toEqual(['halted', 'kill']);
    g.resume(5);
    expect([g.state, g.reason]).toEqual(['reducing', 'inventory-soft-limit']);
  });
});
