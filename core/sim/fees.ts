/**
 * Fees and notional in quote currency, from integer ticks × lots.
 *
 * Notional of a fill = priceTicks · sizeLots · (tickSize · lotSize) quote units. The product
 * priceTicks · sizeLots is an exact integer ("tick-lots"); `quotePerTickLot` converts it to quote
 * currency with one correctly rounded float division (the decimal strings of the instrument are parsed
 * exactly, never multiplied as floats: 0.01 · 0.00001 in floats is 1.0000000000000001e-7).
 */
import { InvariantViolation } from '../errors.ts';
import type { Instrument } from '../instrument.ts';

/** Basis points per unit: fee = notional · feeBps / 10 000. */
const BPS_PER_UNIT = 10_000;

/** Fee rates of one account on one instrument. */
export interface FeeSchedule {
  /** Maker fee, bps of notional (negative = rebate). */
  readonly makerFeeBps: number;
  /** Taker fee, bps of notional. Unused by the simulated venue, which rejects crossing orders. */
  readonly takerFeeBps: number;
}

/**
 * Quote currency per (1 tick × 1 lot), e.g. spot BTCUSDT tick "0.01" × lot "0.00001" → 1e-7 USDT.
 * @throws InvariantViolation `DECIMAL_FORMAT` if a size string is not a plain positive decimal.
 */
export function quotePerTickLot(instrument: Pick<Instrument, 'tickSize' | 'lotSize'>): number {
  const tick = parseDecimal(instrument.tickSize);
  const lot = parseDecimal(instrument.lotSize);
  // units are integers < 2^53 for any sane instrument; 10^k is exact for k ≤ 22.
  return (tick.units * lot.units) / 10 ** (tick.decimals + lot.decimals);
}

/**
 * Fee in quote currency for one fill: priceTicks · sizeLots · quotePerTickLot · feeBps / 10 000.
 * Example: 6,183,763 ticks × 100 lots of spot BTCUSDT (61,837.63 USDT × 0.001 BTC = 61.83763 USDT) at
 * 10 bps → 0.06183763 USDT.
 * @param priceTicks fill price, integer ticks. @param sizeLots fill size, integer lots.
 * @param quotePerTickLotValue from {@link quotePerTickLot}. @param feeBps bps of notional.
 */
export function feeQuote(
  priceTicks: number,
  sizeLots: number,
  quotePerTickLotValue: number,
  feeBps: number,
): number {
  return (priceTicks * sizeLots * quotePerTickLotValue * feeBps) / BPS_PER_UNIT;
}

/** A positive decimal string as units · 10^−decimals, e.g. "0.00001" → { units: 1, decimals: 5 }. */
function parseDecimal(text: string): { units: number; decimals: number } {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (m === null) throw new InvariantViolation('DECIMAL_FORMAT', `not a plain decimal: "${text}"`, { text });
  const intPart = m[1] ?? '';
  const fracPart = m[2] ?? '';
  const units = Number(intPart + fracPart);
  if (!Number.isSafeInteger(units) || units <= 0) {
    throw new InvariantViolation('DECIMAL_FORMAT', `not a positive decimal within 2^53: "${text}"`, { text });
  }
  return { units, decimals: fracPart.length };
}
