/**
 * The account side of the ccxt adapter (STYLE.md §11): what reconciliation and unknown-outcome
 * resolution ask the venue — open orders, one order by client id, the spot balance, the USDⓈ-M
 * position — as zod wire types of exactly the ccxt 4.5 fields we read, and pure parsers into exact
 * domain values (ticks, lots). See docs/adr/0015-reconciliation.md.
 *
 * Exactness: balances and positions are read from the raw Binance payload ccxt keeps in `info`
 * (decimal strings: spot `GET /api/v3/account` `balances[].free/locked`, USDⓈ-M
 * `GET /fapi/v3/positionRisk` `positionAmt`), never from ccxt's float totals, and converted to lots
 * exactly; an amount off the lot grid is an error, not a rounding.
 */
import { z } from 'zod';
import { PermanentError } from '../../core/errors.ts';
import { compileStep, decimalToSteps, instrumentSteps, type Instrument } from '../../core/instrument.ts';
import type { Side } from '../../core/market-events.ts';
import { mapCcxtError } from './ccxt-errors.ts';
import { ccxtSymbolOf, currenciesOf, floatToSteps, parseCcxt } from './ccxt-wire.ts';

/** The ccxt pro methods reconciliation calls (a `ccxt.pro.binance` / `binanceusdm` satisfies it). */
export interface CcxtAccountClient {
  fetchOpenOrders(
    symbol?: string,
    since?: number,
    limit?: number,
    params?: Record<string, unknown>,
  ): Promise<unknown>;
  fetchBalance(params?: Record<string, unknown>): Promise<unknown>;
  fetchPositions(symbols?: string[], params?: Record<string, unknown>): Promise<unknown>;
}

/** The one-order query (ccxt `fetchOrder`); part of the trading client, used by `CcxtVenue` too. */
export interface CcxtOrderQueryClient {
  fetchOrder(id: string, symbol?: string, params?: Record<string, unknown>): Promise<unknown>;
}

const num = z.number().finite();

/** ccxt unified `Order` as fetchOpenOrders / fetchOrder return it (the fields we read). */
export const ccxtQueriedOrderWire = z.object({
  id: z.string().min(1),
  clientOrderId: z.string().nullish(),
  side: z.enum(['buy', 'sell']),
  price: num.positive(),
  amount: num.positive(),
  filled: num.nonnegative().nullish(),
  status: z.enum(['open', 'closed', 'canceled', 'expired', 'rejected']),
});
export type CcxtQueriedOrderWire = z.infer<typeof ccxtQueriedOrderWire>;

/** ccxt `fetchBalance` (spot): the raw `GET /api/v3/account` balances it keeps in `info`. */
const ccxtSpotBalanceWire = z.object({
  info: z.object({
    balances: z.array(z.object({ asset: z.string(), free: z.string(), locked: z.string() })),
  }),
});

/** ccxt `fetchPositions` (USDⓈ-M): the raw `positionRisk` entry in `info`. */
const ccxtPositionsWire = z.array(
  z.object({ info: z.object({ symbol: z.string(), positionAmt: z.string() }) }),
);

/** An order as the venue reports it, exact. */
export interface VenueOrder {
  readonly exchangeId: string;
  /** Client order id (undefined if the venue gave none). */
  readonly clientOrderId: string | undefined;
  readonly side: Side;
  readonly priceTicks: number;
  /** Original size, lots. */
  readonly sizeLots: number;
  /** Executed so far, lots. */
  readonly filledLots: number;
  readonly status: CcxtQueriedOrderWire['status'];
}

/**
 * One ccxt order → exact `VenueOrder`.
 * @throws PermanentError `PARSE_FIELD` (bad shape) / `OFF_GRID` (price or size off the grid).
 */
export function parseVenueOrder(instrument: Instrument, raw: unknown, what: string): VenueOrder {
  const o = parseCcxt(ccxtQueriedOrderWire, raw, what);
  const { price, size } = instrumentSteps(instrument);
  return {
    exchangeId: o.id,
    clientOrderId: o.clientOrderId ?? undefined,
    side: o.side === 'buy' ? 'bid' : 'ask',
    priceTicks: floatToSteps(price, o.price),
    sizeLots: floatToSteps(size, o.amount),
    filledLots: floatToSteps(size, o.filled ?? 0),
    status: o.status,
  };
}

/**
 * The open orders of the instrument (all owners: ours and any other client of the account).
 * @throws the client's mapped error; PermanentError `PARSE_FIELD` / `OFF_GRID` on a bad answer.
 */
export async function fetchOpenVenueOrders(
  client: CcxtAccountClient,
  instrument: Instrument,
): Promise<VenueOrder[]> {
  const raw = await client.fetchOpenOrders(ccxtSymbolOf(instrument));
  if (!Array.isArray(raw)) throw parseError('fetchOpenOrders', '(root)', 'expected an array');
  return raw.map((o, i) => parseVenueOrder(instrument, o, `fetchOpenOrders[${i}]`));
}

/**
 * One order by client order id (Binance `origClientOrderId`: spot `GET /api/v3/order`, USDⓈ-M
 * `GET /fapi/v1/order`; ccxt binance.js `fetchOrder` sends it instead of `orderId` when given).
 * @returns the order, or undefined when the venue answers "order does not exist" (-2013).
 * @throws the client's error, mapped (ccxt-errors.ts), for anything else (transient ones are the
 *   caller's to retry).
 */
export async function fetchVenueOrderByClientId(
  client: CcxtOrderQueryClient,
  instrument: Instrument,
  clientOrderId: string,
): Promise<VenueOrder | undefined> {
  try {
    const raw = await client.fetchOrder('', ccxtSymbolOf(instrument), { origClientOrderId: clientOrderId });
    return parseVenueOrder(instrument, raw, 'fetchOrder');
  } catch (err) {
    const mapped = mapCcxtError(err, { op: 'fetchOrder', clientOrderId });
    if (mapped.code === 'ORDER_NOT_FOUND') return undefined;
    throw mapped;
  }
}

/**
 * The account's inventory of the instrument, signed lots:
 * - spot: (free + locked) of the base asset − `baselineBase` (the base the operator keeps outside the
 *   strategy, e.g. "1" BTC), both exact decimals on the lot grid;
 * - USDⓈ-M: Σ `positionAmt` of the symbol (one-way mode: one `BOTH` entry).
 * @param baselineBase decimal string of base units (spot only; "0" = the whole balance is inventory).
 * @throws PermanentError `OFF_GRID` for an amount not on the lot grid, `PARSE_FIELD` on a bad answer.
 */
export async function fetchAccountInventoryLots(
  client: CcxtAccountClient,
  instrument: Instrument,
  baselineBase: string,
): Promise<number> {
  if (instrument.venue === 'binance-usdm') {
    const raw = await client.fetchPositions([ccxtSymbolOf(instrument)]);
    const positions = parseCcxt(ccxtPositionsWire, raw, 'fetchPositions');
    let lots = 0;
    for (const p of positions)
      if (p.info.symbol === instrument.symbol) lots += signedLots(instrument, p.info.positionAmt);
    return lots;
  }
  const raw = await client.fetchBalance();
  const { base } = currenciesOf(instrument);
  const balance = parseCcxt(ccxtSpotBalanceWire, raw, 'fetchBalance').info.balances.find(
    (b) => b.asset === base,
  );
  const held = balance === undefined ? 0 : lots(instrument, balance.free) + lots(instrument, balance.locked);
  return held - lots(instrument, baselineBase);
}

/** A non-negative decimal of base units → lots. @throws PermanentError `OFF_GRID`. */
function lots(instrument: Instrument, text: string): number {
  try {
    return decimalToSteps(compileStep(instrument.lotSize, 'lot size'), text);
  } catch (err) {
    throw new PermanentError(
      'OFF_GRID',
      `${instrument.symbol}: base amount ${text} is not a multiple of the lot size ${instrument.lotSize}`,
      { symbol: instrument.symbol, value: text, step: instrument.lotSize },
      { cause: err },
    );
  }
}

/** A signed decimal (`-0.010`) → signed lots. */
function signedLots(instrument: Instrument, text: string): number {
  return text.startsWith('-') ? -lots(instrument, text.slice(1)) : lots(instrument, text);
}

function parseError(what: string, field: string, message: string): PermanentError {
  return new PermanentError('PARSE_FIELD', `ccxt ${what}: field "${field}": ${message}`, { what, field });
}
