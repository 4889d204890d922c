// Exact conversions of core/instrument.ts (kept here with the instrument registry tests).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvariantViolation, PermanentError } from '../../core/errors.ts';
import {
  compileStep,
  decimalToSteps,
  decimalToStepsRounded,
  formatPrice,
  formatSize,
  lotsToSize,
  priceToTicks,
  roundPriceToTicks,
  sizeToLots,
  stepsToDecimal,
  ticksToPrice,
  type Instrument,
} from '../../core/instrument.ts';

const spot: Instrument = {
  venue: 'binance-spot',
  symbol: 'BTCUSDT',
  tickSize: '0.01',
  lotSize: '0.00001',
  makerFeeBps: 10,
  takerFeeBps: 10,
};
const perp: Instrument = {
  venue: 'binance-usdm',
  symbol: 'BTCUSDT',
  tickSize: '0.1',
  lotSize: '0.001',
  makerFeeBps: 2,
  takerFeeBps: 5,
};
const odd: Instrument = {
  venue: 'binance-usdm',
  symbol: 'X',
  tickSize: '0.05',
  lotSize: '10',
  makerFeeBps: 0,
  takerFeeBps: 0,
};

describe('priceToTicks / sizeToLots', () => {
  it('hand-computed cases', () => {
    expect(priceToTicks(spot, '61837.63000000')).toBe(6_183_763);
    expect(priceToTicks(spot, '61837.63')).toBe(6_183_763);
    expect(priceToTicks(spot, '61837.6')).toBe(6_183_760);
    expect(priceToTicks(spot, '61837')).toBe(6_183_700);
    expect(priceToTicks(spot, '0.01')).toBe(1);
    expect(priceToTicks(spot, '0')).toBe(0);
    expect(priceToTicks(perp, '61800.30')).toBe(618_003);
    expect(priceToTicks(perp, '1000.00')).toBe(10_000);
    expect(sizeToLots(spot, '0.00056000')).toBe(56);
    expect(sizeToLots(spot, '0.00000000')).toBe(0);
    expect(sizeToLots(spot, '4690.34390')).toBe(469_034_390);
    expect(sizeToLots(perp, '569.567')).toBe(569_567);
    expect(priceToTicks(odd, '1.15')).toBe(23); // 1.15 / 0.05
    expect(sizeToLots(odd, '120')).toBe(12);
    expect(sizeToLots(odd, '0120.000')).toBe(12);
  });

  it('rejects values off the grid, naming the value and the step', () => {
    expect(() => priceToTicks(spot, '61837.635')).toThrow(
      '"61837.635" is not a multiple of tick size 0.01 of binance-spot BTCUSDT',
    );
    expect(() => priceToTicks(perp, '61800.35')).toThrow(/not a multiple of tick size 0.1/);
    expect(() => priceToTicks(odd, '1.13')).toThrow(/not a multiple of tick size 0.05/);
    expect(() => sizeToLots(spot, '0.000001')).toThrow(/"0.000001" is not a multiple of lot size 0.00001/);
    expect(() => sizeToLots(odd, '125')).toThrow(/lot size 10/);
  });

  it('rejects malformed and negative strings with PermanentError codes', () => {
    const code = (f: () => unknown): string => {
      try {
        f();
      } catch (err) {
        if (err instanceof PermanentError) return err.code;
      }
      return 'none';
    };
    for (const bad of ['', '.5', '5.', '1e3', '1,5', ' 1', '1.2.3', '+1', 'NaN', '0x10']) {
      expect(
        code(() => priceToTicks(spot, bad)),
        bad,
      ).toBe('DECIMAL_FORMAT');
    }
    expect(code(() => sizeToLots(spot, '-0.001'))).toBe('DECIMAL_NEGATIVE');
    expect(code(() => priceToTicks(spot, '99999999999999999'))).toBe('DECIMAL_RANGE');
  });

  it('round-trips exactly through formatPrice / formatSize (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 45 }), (n) => {
        expect(priceToTicks(spot, formatPrice(spot, n))).toBe(n);
        expect(sizeToLots(perp, formatSize(perp, n))).toBe(n);
        expect(priceToTicks(odd, formatPrice(odd, n))).toBe(n);
      }),
    );
  });
});

describe('formatting and float views', () => {
  it('formats exact decimal strings with the step’s decimals', () => {
    expect(formatPrice(spot, 6_183_763)).toBe('61837.63');
    expect(formatPrice(spot, 6_183_760)).toBe('61837.60');
    expect(formatPrice(spot, 5)).toBe('0.05');
    expect(formatPrice(spot, 0)).toBe('0.00');
    expect(formatSize(spot, 56)).toBe('0.00056');
    expect(formatSize(perp, 569_567)).toBe('569.567');
    expect(formatPrice(odd, 23)).toBe('1.15');
    expect(formatSize(odd, 12)).toBe('120');
    expect(formatSize(perp, -1500)).toBe('-1.500');
    expect(() => formatPrice(spot, 1.5)).toThrow(InvariantViolation);
  });

  it('converts to floats by one correctly rounded division', () => {
    expect(ticksToPrice(spot, 6_183_763)).toBe(61837.63);
    expect(ticksToPrice(perp, 618_003)).toBe(61800.3);
    expect(lotsToSize(spot, 56)).toBe(0.00056);
    expect(lotsToSize(odd, 12)).toBe(120);
  });
});

describe('roundPriceToTicks', () => {
  it('bids round down and asks round up', () => {
    expect(roundPriceToTicks(spot, 61837.634, 'down')).toBe(6_183_763);
    expect(roundPriceToTicks(spot, 61837.634, 'up')).toBe(6_183_764);
    expect(roundPriceToTicks(perp, 61800.31, 'down')).toBe(618_003);
    expect(roundPriceToTicks(perp, 61800.31, 'up')).toBe(618_004);
    expect(roundPriceToTicks(odd, 1.16, 'down')).toBe(23);
    expect(roundPriceToTicks(odd, 1.16, 'up')).toBe(24);
  });

  it('float noise never moves a price that is on the grid by a whole tick', () => {
    // 61837.63 * 100 = 6183762.999999999 in binary floating point.
    expect(roundPriceToTicks(spot, 61837.63, 'down')).toBe(6_183_763);
    expect(roundPriceToTicks(spot, 61837.63, 'up')).toBe(6_183_763);
    expect(roundPriceToTicks(spot, 0.1 + 0.2, 'up')).toBe(30);
    expect(roundPriceToTicks(spot, 0.1 + 0.2, 'down')).toBe(30);
  });

  it('throws InvariantViolation for NaN or infinite prices', () => {
    expect(() => roundPriceToTicks(spot, Number.NaN, 'down')).toThrow(InvariantViolation);
    expect(() => roundPriceToTicks(spot, Number.POSITIVE_INFINITY, 'up')).toThrow(/cannot round price/);
  });
});

describe('steps', () => {
  it('compiles steps and rejects bad ones', () => {
    expect(compileStep('0.05')).toMatchObject({ units: 5, scale: 2, pow10: 100 });
    expect(compileStep('10')).toMatchObject({ units: 10, scale: 0 });
    for (const bad of ['0', '0.000', '-0.1', '1e-2', '.1', '1.', ''])
      expect(() => compileStep(bad), bad).toThrow(PermanentError);
  });

  it('rounded conversion goes up or down between steps, exactly', () => {
    const lot = compileStep('0.00001');
    expect(decimalToStepsRounded(lot, '4690.343896', 'up')).toBe(469_034_390);
    expect(decimalToStepsRounded(lot, '4690.343896', 'down')).toBe(469_034_389);
    expect(decimalToStepsRounded(lot, '0.000001', 'up')).toBe(1);
    expect(decimalToStepsRounded(lot, '0.000001', 'down')).toBe(0);
    expect(decimalToStepsRounded(lot, '0.00002000', 'up')).toBe(2);
    const five = compileStep('0.05');
    expect(decimalToStepsRounded(five, '1.13', 'up')).toBe(23);
    expect(decimalToStepsRounded(five, '1.13', 'down')).toBe(22);
    expect(decimalToSteps(five, '1.10')).toBe(22);
    expect(stepsToDecimal(five, 22)).toBe('1.10');
  });
});
