/**
 * The ccxt adapter's wire types and pure parsers (STYLE.md §11): ccxt 4.5's unified structures
 * (`OrderBook`, `Trade`, `Order`; see docs.ccxt.com "Unified API") as zod schemas of exactly the fields
 * we use, and pure conversions between them and mmflow's exact domain values.
 *
 * ccxt hands prices and sizes over as floats (it parses the exchange's decimal strings); we snap them to
 * the instrument's tick/lot grid, refusing a value more than 1e-9 (relative) off the grid, and we send
 * orders as floats built from exact decimal strings, which ccxt formats back with the market precision.
 */
import { z } from 'zod';
import { PermanentError, InvariantViolation } from '../../core/errors.ts';
import {
  formatPrice,
  formatSize,
  instrumentSteps,
  type DecimalStep,
  type Instrument,
} from '../../core/instrument.ts';
import type { AggressorSide, Level } from '../../core/market-events.ts';
import type { OrderAction } from '../../core/quoting/intent.ts';

const num = z.number().finite();
const optNum = num.nullish();

/** A ccxt order-book side: `[price, amount]` floats (extra entries, e.g. counts, are ignored). */
const ccxtLevels = z.array(z.array(num).min(2));

/** ccxt unified `OrderBook` (the fields we read). `nonce` is Binance's last applied update id `u`. */
export const ccxtOrderBookWire = z.object({
  bids: ccxtLevels,
  asks: ccxtLevels,
  timestamp: optNum,
  nonce: z.number().int().nonnegative().nullish(),
});
export type CcxtOrderBookWire = z.infer<typeof ccxtOrderBookWire>;

/** ccxt unified `Trade` (public or own). `side` is the taker side for public trades. */
export const ccxtTradeWire = z.object({
  id: z.string().min(1),
  order: z.string().nullish(),
  timestamp: z.number().int(),
  side: z.enum(['buy', 'sell']),
  price: num.positive(),
  amount: num.positive(),
  takerOrMaker: z.enum(['taker', 'maker']).nullish(),
  fee: z.object({ cost: optNum, currency: z.string().nullish() }).nullish(),
});
export type CcxtTradeWire = z.infer<typeof ccxtTradeWire>;

/** ccxt unified `Order` as returned by createOrder / cancelOrder. */
export const ccxtOrderWire = z.object({
  id: z.string().min(1),
  clientOrderId: z.string().nullish(),
  timestamp: z.number().int().nullish(),
  status: z.string().nullish(),
  filled: optNum,
  remaining: optNum,
});
export type CcxtOrderWire = z.infer<typeof ccxtOrderWire>;

/**
 * Parses one ccxt value with `schema`.
 * @throws PermanentError `PARSE_FIELD` naming `what` and the first bad field path.
 */
export function parseCcxt<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue === undefined || issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.');
  throw new PermanentError('PARSE_FIELD', `ccxt ${what}: field "${field}": ${issue?.message ?? 'invalid'}`, {
    what,
    field,
  });
}

/** Base and quote currency of an instrument's exchange symbol, e.g. BTCUSDT → BTC, USDT. */
export function currenciesOf(instrument: Instrument): { readonly base: string; readonly quote: string } {
  const m = /^([A-Z0-9]+?)(USDT|USDC|FDUSD|BUSD|BTC|ETH|BNB)$/.exec(instrument.symbol);
  if (m === null || m[1] === undefined || m[2] === undefined) {
    throw new PermanentError(
      'UNKNOWN_SYMBOL',
      `cannot split ${instrument.symbol} into base and quote currency`,
      {
        symbol: instrument.symbol,
      },
    );
  }
  return { base: m[1], quote: m[2] };
}

/** ccxt's unified symbol of an instrument, e.g. binance-spot BTCUSDT → `BTC/USDT`, usdm → `BTC/USDT:USDT`. */
export function ccxtSymbolOf(instrument: Instrument): string {
  const { base, quote } = currenciesOf(instrument);
  return instrument.venue === 'binance-usdm' ? `${base}/${quote}:${quote}` : `${base}/${quote}`;
}

const GRID_REL_TOLERANCE = 1e-9;

/**
 * A float that should lie on a step grid → integer steps (ticks or lots).
 * @throws PermanentError `OFF_GRID` if it is more than 1e-9 (relative) from a grid point or negative.
 */
export function floatToSteps(step: DecimalStep, value: number): number {
  const x = (value * step.pow10) / step.units;
  const n = Math.round(x);
  if (
    !(n >= 0) ||
    !Number.isSafeInteger(n) ||
    Math.abs(x - n) > GRID_REL_TOLERANCE * Math.max(1, Math.abs(x))
  ) {
    throw new PermanentError('OFF_GRID', `${value} is not a non-negative multiple of ${step.label}`, {
      value,
      step: step.text,
    });
  }
  return n;
}

/** ccxt book side → exact levels `[priceTicks, sizeLots]`, order kept. @throws PermanentError `OFF_GRID`. */
export function levelsFromCcxt(instrument: Instrument, levels: readonly (readonly number[])[]): Level[] {
  const { price, size } = instrumentSteps(instrument);
  return levels.map(
    (l) => [floatToSteps(price, l[0] ?? Number.NaN), floatToSteps(size, l[1] ?? Number.NaN)] as const,
  );
}

/** ccxt public trade `side` (taker side, from Binance `m`: m → 'sell') → our aggressor side. */
export function aggressorOf(trade: CcxtTradeWire): AggressorSide {
  return trade.side;
}

/** Arguments of one ccxt `createOrder` call. */
export interface CreateOrderArgs {
  readonly symbol: string;
  readonly type: 'limit';
  readonly side: 'buy' | 'sell';
  /** Base units (float of an exact decimal string). */
  readonly amount: number;
  /** Quote currency (float of an exact decimal string). */
  readonly price: number;
  /** `clientOrderId` → Binance `newClientOrderId`; `postOnly` → spot `LIMIT_MAKER` / usdm `GTX`. */
  readonly params: { readonly clientOrderId: string; readonly postOnly: true };
}

/**
 * Builds the post-only limit order for a `place` action. Exact: price and size go through
 * `formatPrice`/`formatSize` (decimal strings) before becoming the floats ccxt takes.
 * @throws InvariantViolation `BAD_ORDER` if price or size is not a positive safe integer.
 */
export function buildCreateOrderArgs(
  instrument: Instrument,
  action: Extract<OrderAction, { type: 'place' }>,
): CreateOrderArgs {
  for (const [field, v] of [
    ['priceTicks', action.priceTicks],
    ['sizeLots', action.sizeLots],
  ] as const) {
    if (!Number.isSafeInteger(v) || v <= 0) {
      throw new InvariantViolation(
        'BAD_ORDER',
        `order ${action.clientOrderId}: ${field} must be a positive integer, got ${v}`,
        {
          clientOrderId: action.clientOrderId,
          field,
        },
      );
    }
  }
  return {
    symbol: ccxtSymbolOf(instrument),
    type: 'limit',
    side: action.side === 'bid' ? 'buy' : 'sell',
    amount: Number(formatSize(instrument, action.sizeLots)),
    price: Number(formatPrice(instrument, action.priceTicks)),
    params: { clientOrderId: action.clientOrderId, postOnly: true },
  };
}

/**
 * Fee of an own trade in quote currency: ccxt's fee if charged in the quote currency; converted at the
 * fill price if charged in base; otherwise (e.g. BNB) estimated as `makerFeeBps` of the notional.
 * @param notionalQuote fill price × size, quote currency.
 */
export function feeQuoteOf(instrument: Instrument, trade: CcxtTradeWire, notionalQuote: number): number {
  const cost = trade.fee?.cost;
  const currency = trade.fee?.currency;
  if (cost !== undefined && cost !== null && currency !== undefined && currency !== null) {
    const { base, quote } = currenciesOf(instrument);
    if (currency === quote) return cost;
    if (currency === base) return cost * trade.price;
  }
  const bps = trade.takerOrMaker === 'taker' ? instrument.takerFeeBps : instrument.makerFeeBps;
  return (notionalQuote * bps) / 10_000;
}
