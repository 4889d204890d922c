/**
 * The one redaction point of exchange errors: every call of the ccxt client goes through
 * `withExchangeErrors`, which maps what it throws with `mapCcxtError` (scrubbing the API key and
 * secret, request signatures and listen keys from the message, and dropping the original error,
 * whose message may quote a signed URL). Nothing past this wrapper ever holds a raw ccxt error,
 * whether it is logged by the feed, the venue or the start-up path (`loadMarkets`).
 */
import type { Secret } from '../secret.ts';
import type { CcxtClient } from './ccxt-client.ts';
import { mapCcxtError } from './ccxt-errors.ts';

/** Awaits `call`; rethrows its failure mapped and redacted, with `op` in its details. */
async function mapped<T>(op: string, secrets: readonly Secret[], call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw mapCcxtError(err, { op }, secrets);
  }
}

/**
 * A client that behaves as `client` except that every rejection is a redacted taxonomy error.
 * @param secrets the credentials the client was built with (empty for market data only).
 */
export function withExchangeErrors(client: CcxtClient, secrets: readonly Secret[]): CcxtClient {
  return {
    loadMarkets: () => mapped('loadMarkets', secrets, () => client.loadMarkets()),
    close: () => mapped('close', secrets, () => client.close()),
    publicGetDepth: (params) => mapped('publicGetDepth', secrets, () => client.publicGetDepth(params)),
    fapiPublicGetDepth: (params) =>
      mapped('fapiPublicGetDepth', secrets, () => client.fapiPublicGetDepth(params)),
    createOrder: (symbol, type, side, amount, price, params) =>
      mapped('createOrder', secrets, () => client.createOrder(symbol, type, side, amount, price, params)),
    cancelOrder: (id, symbol, params) =>
      mapped('cancelOrder', secrets, () => client.cancelOrder(id, symbol, params)),
    watchMyTrades: (symbol, since, limit, params) =>
      mapped('watchMyTrades', secrets, () => client.watchMyTrades(symbol, since, limit, params)),
    fetchMyTrades: (symbol, since, limit, params) =>
      mapped('fetchMyTrades', secrets, () => client.fetchMyTrades(symbol, since, limit, params)),
    fetchOrder: (id, symbol, params) =>
      mapped('fetchOrder', secrets, () => client.fetchOrder(id, symbol, params)),
    fetchOpenOrders: (symbol, since, limit, params) =>
      mapped('fetchOpenOrders', secrets, () => client.fetchOpenOrders(symbol, since, limit, params)),
    fetchBalance: (params) => mapped('fetchBalance', secrets, () => client.fetchBalance(params)),
    fetchPositions: (symbols, params) =>
      mapped('fetchPositions', secrets, () => client.fetchPositions(symbols, params)),
  };
}
