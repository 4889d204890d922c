/**
 * Instrument metadata and exact price/size conversion. Prices are held as integer ticks and sizes as
 * integer lots (safe integers); floats appear only for features and display.
 */

import { InvariantViolation, PermanentError } from './errors.ts';

/** Static metadata of one tradable instrument. */
export interface Instrument {
  /** Venue id, e.g. `binance-spot`, `binance-usdm`. */
  readonly venue: 'binance-spot' | 'binance-usdm';
  /** Exchange symbol, e.g. `BTCUSDT`. */
  readonly symbol: string;
  /** Tick size in quote currency, as an exact decimal string (e.g. `"0.01"`). */
  readonly tickSize: string;
  /** Lot size (size step) in base units, as an exact decimal string (e.g. `"0.00001"`). */
  readonly lotSize: string;
  /** Maker fee in basis points of notional (negative = rebate). */
  readonly makerFeeBps: number;
  /** Taker fee in basis points of notional. */
  readonly takerFeeBps: number;
  /**
   * Name of the venue fee tier the two fees above come from (e.g. `regular`, `vip9`, `mm3`; see
   * config/instruments.json and venues/instruments.ts `instrumentAtFeeTier`). Absent for an
   * instrument built by hand with explicit fees (tests, tools).
   */
  readonly feeTier?: string;
}

/** Tick size as a float (quote currency per tick). Display and feature use only. */
export function tickValue(instrument: Instrument): number {
  return Number(instrument.tickSize);
}

/** Lot size as a float (base units per lot). Display and feature use only. */
export function lotValue(instrument: Instrument): number {
  return Number(instrument.lotSize);
}

// ---------------------------------------------------------------------------------------------------
// Exact decimal-string ↔ integer-step conversion.
//
// A step (tick or lot size) "0.01" is held as `units / 10^scale` with integers units = 1, scale = 2.
// A decimal string is scanned once, char by char (no regex, no float parse, no allocation on success),
// into an integer count of 10^-scale, which must be a multiple of `units`. Floats appear only in the
// explicitly lossy helpers (`ticksToPrice`, `lotsToSize`, `roundPriceToTicks`).
// ---------------------------------------------------------------------------------------------------

/** A tick or lot size compiled for exact arithmetic: value = units / 10^scale. */
export interface DecimalStep {
  /** The step as written, e.g. `"0.00001"`. */
  readonly text: string;
  /** Integer numerator: step = units / 10^scale (e.g. `"0.05"` → 5). */
  readonly units: number;
  /** Number of decimal places of the step (e.g. `"0.05"` → 2). */
  readonly scale: number;
  /** 10^scale as a number (exact for scale ≤ 22). */
  readonly pow10: number;
  /** Human context for error messages, e.g. `tick size 0.01 of binance-spot BTCUSDT`. */
  readonly label: string;
}

const CHAR_0 = 48;
const CHAR_9 = 57;
const CHAR_DOT = 46;
const CHAR_MINUS = 45;

/**
 * Compiles a step size (`"0.01"`, `"0.001"`, `"1"`, `"0.5"`) for exact conversions.
 * @param stepText positive plain decimal string (no exponent, no sign).
 * @param label context used in error messages (defaults to `step <text>`).
 * @throws PermanentError `DECIMAL_STEP` if the text is malformed, zero, or has more than 15 decimals.
 */
export function compileStep(stepText: string, label = `step ${stepText}`): DecimalStep {
  const bad = (why: string): PermanentError =>
    new PermanentError('DECIMAL_STEP', `invalid ${label}: "${stepText}" ${why}`, { value: stepText });
  const dot = stepText.indexOf('.');
  const scale = dot < 0 ? 0 : stepText.length - dot - 1;
  if (scale > 15) throw bad('has more than 15 decimals');
  let units = 0;
  let digits = 0;
  for (let i = 0; i < stepText.length; i++) {
    if (i === dot) continue;
    const c = stepText.charCodeAt(i);
    if (c < CHAR_0 || c > CHAR_9) throw bad('is not a plain non-negative decimal');
    units = units * 10 + (c - CHAR_0);
    digits++;
  }
  if (digits === 0 || dot === 0 || dot === stepText.length - 1) throw bad('is not a plain decimal');
  if (units === 0) throw bad('is zero');
  if (!Number.isSafeInteger(units)) throw bad('has too many digits');
  return { text: stepText, units, scale, pow10: 10 ** scale, label };
}

/**
 * Converts an exact decimal string to an integer number of steps (ticks or lots).
 * Hot path: one pass over the characters, no allocation unless it throws.
 * @param step compiled step (see `compileStep`).
 * @param text plain non-negative decimal, e.g. `"61837.63000000"`; trailing zeros beyond the step's
 *   scale are allowed, other digits there are not.
 * @returns a non-negative safe integer: text / step.
 * @throws PermanentError `DECIMAL_FORMAT` (empty, sign, exponent, stray char, `"1."`, `".5"`),
 *   `DECIMAL_NEGATIVE`, `DECIMAL_NOT_MULTIPLE` (not a whole number of steps) or `DECIMAL_RANGE`
 *   (result beyond 2^53); the message names the value and the step.
 */
export function decimalToSteps(step: DecimalStep, text: string): number {
  const n = text.length;
  const scale = step.scale;
  let i = 0;
  let v = 0;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === CHAR_DOT) break;
    if (c < CHAR_0 || c > CHAR_9)
      throw decimalError(step, text, i === 0 && c === CHAR_MINUS ? 'negative' : 'format');
    v = v * 10 + (c - CHAR_0);
  }
  if (i === 0) throw decimalError(step, text, 'format');
  let frac = 0;
  if (i < n) {
    i++; // skip '.'
    if (i === n) throw decimalError(step, text, 'format');
    for (; i < n; i++) {
      const d = text.charCodeAt(i) - CHAR_0;
      if (d < 0 || d > 9) throw decimalError(step, text, 'format');
      if (frac < scale) {
        v = v * 10 + d;
        frac++;
      } else if (d !== 0) {
        throw decimalError(step, text, 'multiple');
      }
    }
  }
  for (; frac < scale; frac++) v *= 10;
  // Every intermediate v is ≤ the final v, so if the final v is safe, all arithmetic above was exact.
  if (v > Number.MAX_SAFE_INTEGER) throw decimalError(step, text, 'range');
  if (v % step.units !== 0) throw decimalError(step, text, 'multiple');
  return v / step.units;
}

/**
 * As `decimalToSteps`, but a value between two steps is rounded in `direction` instead of rejected
 * (exact decimal arithmetic, no float). For venue-edge policies only, e.g. book sizes left over from a
 * venue's older, finer lot size (see venues/binance/parse.ts).
 * @throws PermanentError `DECIMAL_FORMAT` | `DECIMAL_NEGATIVE` | `DECIMAL_RANGE` as `decimalToSteps`.
 */
export function decimalToStepsRounded(step: DecimalStep, text: string, direction: 'down' | 'up'): number {
  const n = text.length;
  const scale = step.scale;
  let i = 0;
  let v = 0;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === CHAR_DOT) break;
    if (c < CHAR_0 || c > CHAR_9)
      throw decimalError(step, text, i === 0 && c === CHAR_MINUS ? 'negative' : 'format');
    v = v * 10 + (c - CHAR_0);
  }
  if (i === 0) throw decimalError(step, text, 'format');
  let frac = 0;
  let beyondScale = false; // a non-zero digit finer than 10^-scale
  if (i < n) {
    i++;
    if (i === n) throw decimalError(step, text, 'format');
    for (; i < n; i++) {
      const d = text.charCodeAt(i) - CHAR_0;
      if (d < 0 || d > 9) throw decimalError(step, text, 'format');
      if (frac < scale) {
        v = v * 10 + d;
        frac++;
      } else if (d !== 0) {
        beyondScale = true;
      }
    }
  }
  for (; frac < scale; frac++) v *= 10;
  if (v > Number.MAX_SAFE_INTEGER) throw decimalError(step, text, 'range');
  const rem = v % step.units;
  const whole = (v - rem) / step.units;
  return direction === 'up' && (rem !== 0 || beyondScale) ? whole + 1 : whole;
}

function decimalError(
  step: DecimalStep,
  text: string,
  kind: 'format' | 'negative' | 'multiple' | 'range',
): PermanentError {
  const details = { value: text, step: step.text };
  switch (kind) {
    case 'format':
      return new PermanentError(
        'DECIMAL_FORMAT',
        `"${text}" is not a plain decimal number (${step.label})`,
        details,
      );
    case 'negative':
      return new PermanentError('DECIMAL_NEGATIVE', `"${text}" is negative (${step.label})`, details);
    case 'multiple':
      return new PermanentError(
        'DECIMAL_NOT_MULTIPLE',
        `"${text}" is not a multiple of ${step.label}`,
        details,
      );
    case 'range':
      return new PermanentError('DECIMAL_RANGE', `"${text}" exceeds 2^53 steps of ${step.label}`, details);
  }
}

/**
 * Formats an integer number of steps as an exact decimal string with exactly `step.scale` decimals
 * (e.g. 6183763 ticks of 0.01 → `"61837.63"`; 5 lots of 0.001 → `"0.005"`). Negative counts get a
 * leading `-` (for signed quantities such as position).
 * @throws InvariantViolation `NON_INTEGER_STEPS` if `steps` is not a safe integer or the scaled
 *   value exceeds 2^53.
 */
export function stepsToDecimal(step: DecimalStep, steps: number): string {
  const scaled = steps * step.units;
  if (!Number.isSafeInteger(steps) || !Number.isSafeInteger(scaled)) {
    throw new InvariantViolation('NON_INTEGER_STEPS', `cannot format ${steps} steps of ${step.label}`, {
      steps,
    });
  }
  const neg = scaled < 0;
  let digits = String(neg ? -scaled : scaled);
  if (step.scale > 0) {
    if (digits.length <= step.scale) digits = '0'.repeat(step.scale - digits.length + 1) + digits;
    digits = `${digits.slice(0, digits.length - step.scale)}.${digits.slice(digits.length - step.scale)}`;
  }
  return neg ? `-${digits}` : digits;
}

/** Compiled tick and lot steps of one instrument. */
export interface InstrumentSteps {
  readonly price: DecimalStep;
  readonly size: DecimalStep;
}

const stepCache = new WeakMap<Instrument, InstrumentSteps>();

/**
 * The instrument's compiled tick and lot steps, cached per instrument object (hot-path callers may
 * keep the result and call `decimalToSteps` directly).
 * @throws PermanentError `DECIMAL_STEP` if tickSize or lotSize is malformed.
 */
export function instrumentSteps(instrument: Instrument): InstrumentSteps {
  let steps = stepCache.get(instrument);
  if (steps === undefined) {
    const name = `${instrument.venue} ${instrument.symbol}`;
    steps = {
      price: compileStep(instrument.tickSize, `tick size ${instrument.tickSize} of ${name}`),
      size: compileStep(instrument.lotSize, `lot size ${instrument.lotSize} of ${name}`),
    };
    stepCache.set(instrument, steps);
  }
  return steps;
}

/**
 * Exact price string → integer ticks, e.g. BTCUSDT spot (tick 0.01): `"61837.63000000"` → 6183763.
 * @throws PermanentError (`DECIMAL_FORMAT` | `DECIMAL_NEGATIVE` | `DECIMAL_NOT_MULTIPLE` |
 *   `DECIMAL_RANGE`) naming the value and the tick size.
 */
export function priceToTicks(instrument: Instrument, price: string): number {
  return decimalToSteps(instrumentSteps(instrument).price, price);
}

/**
 * Exact size string → integer lots, e.g. BTCUSDT spot (lot 0.00001): `"0.00056000"` → 56.
 * @throws PermanentError as `priceToTicks`, naming the value and the lot size.
 */
export function sizeToLots(instrument: Instrument, size: string): number {
  return decimalToSteps(instrumentSteps(instrument).size, size);
}

/**
 * Ticks → price as a float (quote currency), for features and display only. Computed as
 * (ticks·units)/10^scale, one correctly rounded division, so 6183763 ticks of 0.01 → 61837.63 exactly
 * as the nearest double (not 61837.630000000005 as ticks·0.01 would give).
 */
export function ticksToPrice(instrument: Instrument, ticks: number): number {
  const s = instrumentSteps(instrument).price;
  return (ticks * s.units) / s.pow10;
}

/** Lots → size as a float (base units), for features and display only; see `ticksToPrice`. */
export function lotsToSize(instrument: Instrument, lots: number): number {
  const s = instrumentSteps(instrument).size;
  return (lots * s.units) / s.pow10;
}

/** Ticks → exact price string with the tick's decimals (6183763 → `"61837.63"`), for display and DB. */
export function formatPrice(instrument: Instrument, ticks: number): string {
  return stepsToDecimal(instrumentSteps(instrument).price, ticks);
}

/** Lots → exact size string with the lot's decimals (56 lots of 0.00001 → `"0.00056"`), for display and DB. */
export function formatSize(instrument: Instrument, lots: number): string {
  return stepsToDecimal(instrumentSteps(instrument).size, lots);
}

/**
 * Relative tolerance when snapping a float price to the tick grid: a price within 1e-9 (relative) of a
 * tick is that tick, so float noise (61837.63 / 0.01 = 6183762.999…) never moves a price a whole tick.
 */
const ROUND_REL_TOLERANCE = 1e-9;

/**
 * Float price → integer ticks with an explicit direction (the venue-edge rule: bids round `down`,
 * asks round `up`, so rounding never makes a quote more aggressive). A price within a relative 1e-9
 * of a tick snaps to that tick.
 * @param price quote currency per base unit (float).
 * @throws InvariantViolation `NON_FINITE_PRICE` if `price` is NaN or ±Infinity;
 *   `PRICE_RANGE` if the result is not a safe integer.
 */
export function roundPriceToTicks(instrument: Instrument, price: number, direction: 'down' | 'up'): number {
  if (!Number.isFinite(price)) {
    throw new InvariantViolation(
      'NON_FINITE_PRICE',
      `cannot round price ${price} to ticks of ${instrument.symbol}`,
      { price },
    );
  }
  const s = instrumentSteps(instrument).price;
  const x = (price * s.pow10) / s.units;
  const nearest = Math.round(x);
  let ticks: number;
  if (Math.abs(x - nearest) <= ROUND_REL_TOLERANCE * Math.max(1, Math.abs(x))) ticks = nearest;
  else ticks = direction === 'down' ? Math.floor(x) : Math.ceil(x);
  if (!Number.isSafeInteger(ticks)) {
    throw new InvariantViolation(
      'PRICE_RANGE',
      `price ${price} is out of the tick range of ${instrument.symbol}`,
      { price },
    );
  }
  return ticks === 0 ? 0 : ticks; // normalise -0
}
