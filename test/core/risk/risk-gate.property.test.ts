import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RiskGate } from '../../../core/risk/risk-gate.ts';
import { parseRiskLimits } from '../../../core/risk/risk-limits.ts';
import type { QuoteIntent } from '../../../core/quoting/intent.ts';

const leg = fc.option(
  fc.record({ priceTicks: fc.integer({ min: 1, max: 1_000 }), sizeLots: fc.integer({ min: 1, max: 20 }) }),
  {
    nil: undefined,
  },
);

const step = fc.oneof(
  fc.record({
    kind: fc.constant('position' as const),
    q: fc.integer({ min: -30, max: 30 }),
    pnl: fc.double({ min: -100, max: 100, noNaN: true }),
  }),
  fc.record({ kind: fc.constant('kill' as const) }),
  fc.record({ kind: fc.constant('resume' as const) }),
  fc.record({ kind: fc.constant('market' as const), l1: fc.integer({ min: 0, max: 10 }) }),
  fc.record({
    kind: fc.constant('decide' as const),
    q: fc.integer({ min: -30, max: 30 }),
    bid: leg,
    ask: leg,
  }),
);

describe('RiskGate properties', () => {
  it('a filtered intent never takes |q| beyond max(|q|, maxInventoryLots), never grows |q| when reducing, quotes nothing when halted', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 15 }), fc.array(step, { maxLength: 60 }), (max, steps) => {
        const g = new RiskGate(
          parseRiskLimits(
            {
              maxInventoryLots: max,
              softInventoryLots: Math.max(1, max - 2),
              maxDrawdownQuote: 50,
              stress: { minL1DepthLots: 2 },
            },
            'prop',
          ),
        );
        let t = 0;
        for (const s of steps) {
          t += 1000;
          if (s.kind === 'position') g.onPosition(t, s.q, 100, s.pnl);
          else if (s.kind === 'kill') g.kill(t);
          else if (s.kind === 'resume') g.resume(t);
          else if (s.kind === 'market') g.onMarket(t, 100, s.l1, s.l1);
          else {
            const intent: QuoteIntent = {
              bid: s.bid,
              ask: s.ask,
              bidReason: 'quote',
              askReason: 'quote',
              decidedAtUs: t,
              midTicks: 100,
            };
            const out = g.filter(intent, s.q);
            const bound = Math.max(Math.abs(s.q), max);
            if (out.bid !== undefined) expect(Math.abs(s.q + out.bid.sizeLots)).toBeLessThanOrEqual(bound);
            if (out.ask !== undefined) expect(Math.abs(s.q - out.ask.sizeLots)).toBeLessThanOrEqual(bound);
            if (g.state === 'halted') expect([out.bid, out.ask]).toEqual([undefined, undefined]);
            if (g.state === 'reducing') {
              if (out.bid !== undefined) expect(Math.abs(s.q + out.bid.sizeLots)).toBeLessThan(Math.abs(s.q));
              if (out.ask !== undefined) expect(Math.abs(s.q - out.ask.sizeLots)).toBeLessThan(Math.abs(s.q));
            }
            if (out.bid !== undefined && out.ask !== undefined)
              expect(out.bid.priceTicks).toBeLessThan(out.ask.priceTicks);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
