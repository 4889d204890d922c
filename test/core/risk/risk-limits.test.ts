import { describe, expect, it } from 'vitest';
import { DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT, parseModelParams } from '../../../core/quoting/model-params.ts';
import { combineRiskLimits, NO_RISK_LIMITS, parseRiskLimits } from '../../../core/risk/risk-limits.ts';

describe('combineRiskLimits (model version + engine config)', () => {
  it('takes the tighter of two scalar limits and either one alone', () => {
    const model = parseRiskLimits({ maxInventoryLots: 500, maxDailyLossQuote: 200, maxOpenOrders: 4 }, 'm');
    const engine = parseRiskLimits(
      { maxInventoryLots: 50, maxDailyLossQuote: 1000, maxDrawdownQuote: 80 },
      'e',
    );
    const c = combineRiskLimits(model, engine);
    expect(c.maxInventoryLots).toBe(50);
    expect(c.maxDailyLossQuote).toBe(200);
    expect(c.maxOpenOrders).toBe(4);
    expect(c.maxDrawdownQuote).toBe(80);
    expect(c.softInventoryLots).toBeUndefined();
  });

  it("takes the engine's guard objects over the model's, the model's when the engine has none", () => {
    const model = parseRiskLimits(
      { ackLatency: { p99LimitMs: 200, windowMs: 60_000 }, rejectRate: { max: 0.5, windowMs: 60_000 } },
      'm',
    );
    const engine = parseRiskLimits({ ackLatency: { p99LimitMs: 50, windowMs: 10_000, minSamples: 5 } }, 'e');
    const c = combineRiskLimits(model, engine);
    expect(c.ackLatency).toEqual({ p99LimitMs: 50, windowMs: 10_000, minSamples: 5 });
    expect(c.rejectRate).toEqual({ max: 0.5, windowMs: 60_000, minSamples: 20 });
  });

  it('keeps the self-trade guard on if either source asks for it, and is a no-op on no limits', () => {
    const off = parseRiskLimits({ selfTradeGuard: false }, 'x');
    expect(combineRiskLimits(off, NO_RISK_LIMITS).selfTradeGuard).toBe(true);
    expect(combineRiskLimits(off, off).selfTradeGuard).toBe(false);
    expect(combineRiskLimits(NO_RISK_LIMITS, NO_RISK_LIMITS)).toEqual(NO_RISK_LIMITS);
  });
});

describe('risk limits carried by a model version', () => {
  it('are parsed with the params, and a bad one names its field', () => {
    const p = parseModelParams(
      { ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT, riskLimits: { maxInventoryLots: 30 } },
      'model_versions 7 params',
    );
    expect(p.riskLimits?.maxInventoryLots).toBe(30);
    expect(() =>
      parseModelParams(
        { ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT, riskLimits: { maxInventoryLots: -1 } },
        'model_versions 7 params',
      ),
    ).toThrow(/model_versions 7 params.*riskLimits\.maxInventoryLots/);
  });
});
