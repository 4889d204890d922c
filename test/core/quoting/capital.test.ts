/**
 * Capital fraction scaling (core/quoting/capital.ts): sizes floor to whole lots with a floor of one lot
 * while f > 0, the effective fraction is reported; f = 0 quotes nothing. Figures by hand.
 */
import { describe, expect, it } from 'vitest';
import { scaleForCapital, scaleRiskLimits } from '../../../core/quoting/capital.ts';
import {
  DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT,
  DEFAULT_AS_V15_BTCUSDT_USDM,
  parseModelParams,
} from '../../../core/quoting/model-params.ts';
import { parseRiskLimits } from '../../../core/risk/risk-limits.ts';

const SPOT = DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT; // quote 100 lots, q_max 500 lots
const USDM = DEFAULT_AS_V15_BTCUSDT_USDM; // quote 1 lot, q_max 10 lots

describe('scaleForCapital', () => {
  it.each([
    // [name, params, f, quoteSizeLots', maxInventoryLots', effectiveFraction]
    ['1 % of 100 lots', SPOT, 0.01, 1, 5, 0.01],
    ['25 % of 100 lots', SPOT, 0.25, 25, 125, 0.25],
    ['29 % of 100 lots (28.999… in binary)', SPOT, 0.29, 29, 145, 0.29],
    ['0.1 % of 100 lots: one-lot floor', SPOT, 0.001, 1, 1, 0.01],
    ['100 %', SPOT, 1, 100, 500, 1],
    ['1 % of 1 lot: one-lot floor, really 100 %', USDM, 0.01, 1, 1, 1],
    ['25 % of 1 lot / 10 lots', USDM, 0.25, 1, 2, 1],
    ['50 % of 1 lot / 10 lots', USDM, 0.5, 1, 5, 1],
  ] as const)('%s', (_name, params, f, quote, maxInv, effective) => {
    const r = scaleForCapital(params, f);
    expect(r.quoting).toBe(true);
    expect(r.params.quoteSizeLots).toBe(quote);
    expect(r.params.maxInventoryLots).toBe(maxInv);
    expect(r.effectiveFraction).toBeCloseTo(effective, 12);
    // Every other field as it was, and still valid params.
    expect({
      ...r.params,
      quoteSizeLots: params.quoteSizeLots,
      maxInventoryLots: params.maxInventoryLots,
    }).toEqual(params);
    expect(parseModelParams(r.params, 'scaled')).toEqual(r.params);
  });

  it('f = 0 quotes nothing and leaves the params as they are', () => {
    const r = scaleForCapital(SPOT, 0);
    expect(r).toEqual({ params: SPOT, effectiveFraction: 0, quoting: false });
  });

  it.each([-0.01, 1.01, Number.NaN, Number.POSITIVE_INFINITY])('rejects fraction %s', (f) => {
    expect(() => scaleForCapital(SPOT, f)).toThrow(RangeError);
  });
});

describe('scaleRiskLimits', () => {
  const limits = parseRiskLimits(
    {
      maxInventoryLots: 500,
      softInventoryLots: 300,
      maxInventoryNotionalQuote: 10_000,
      maxOrderNotionalQuote: 2_000,
      maxOpenOrders: 4,
      maxDailyLossQuote: 200,
      maxDrawdownQuote: 100,
      ackLatency: { p99LimitMs: 200, windowMs: 60_000 },
      rejectRate: { max: 0.5, windowMs: 60_000 },
    },
    'test',
  );

  it('scales inventory (floored, at least one quote), notional and loss limits; keeps the rest', () => {
    const r = scaleRiskLimits(limits, 0.01, 1);
    expect(r).toEqual({
      ...limits,
      maxInventoryLots: 5,
      softInventoryLots: 3,
      maxInventoryNotionalQuote: 100,
      maxDailyLossQuote: 2,
      maxDrawdownQuote: 1,
    });
    expect(parseRiskLimits(r, 'scaled')).toEqual(r);
  });

  it('floors the inventory limits at one quote', () => {
    const r = scaleRiskLimits(limits, 0.001, 2);
    // 500 × 0.001 = 0.5 → 0 → floor 2; 300 × 0.001 = 0.3 → 0 → floor 2.
    expect(r).toMatchObject({ maxInventoryLots: 2, softInventoryLots: 2, maxDrawdownQuote: 0.1 });
    expect(r.maxInventoryNotionalQuote).toBeCloseTo(10, 12);
    expect(r.maxOrderNotionalQuote).toBe(2_000);
  });

  it('leaves absent limits absent, and every limit unchanged at f = 0 or 1', () => {
    const none = parseRiskLimits({}, 'none');
    expect(scaleRiskLimits(none, 0.5, 1)).toEqual(none);
    expect(scaleRiskLimits(limits, 0, 1)).toBe(limits);
    expect(scaleRiskLimits(limits, 1, 1)).toBe(limits);
  });

  it('rejects a bad fraction or floor', () => {
    expect(() => scaleRiskLimits(limits, 2, 1)).toThrow(RangeError);
    expect(() => scaleRiskLimits(limits, 0.5, 0)).toThrow(RangeError);
  });
});
