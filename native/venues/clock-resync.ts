/**
 * Clock resynchronisation of signed calls. Binance rejects a signed request whose `timestamp` is
 * outside `recvWindow` of its server clock with -1021 "Timestamp for this request is outside of the
 * recvWindow" (Binance spot API docs, "Timing security"); ccxt raises `InvalidNonce`. ccxt signs with
 * `nonce() = now − options.timeDifference`, and `loadTimeDifference()` measures that offset from the
 * venue's `/api/v3/time` (`/fapi/v1/time`). Without a resync, a clock that drifted past `recvWindow`
 * (or a venue clock that jumped) makes every signed call fail forever: no order, no cancel, no
 * reconciliation (found by the `clockSkew` fault of test/native/engine-faults.test.ts).
 *
 * `withClockResync` wraps the client: when a call fails with `InvalidNonce`, the offset is reloaded
 * (one reload at a time; concurrent failures share it) before the original error is rethrown, so the
 * caller's own transient-error path (retry, unknown-outcome query, next reconciliation) then signs
 * with the right offset. The error is not swallowed: the failed call's outcome stays the caller's to
 * resolve. A failed reload is logged and the next `InvalidNonce` tries again.
 */
import { InvalidNonce } from 'ccxt';
import { errorFields, type Log } from '../../infra/log.ts';
import type { CcxtClient } from './ccxt-client.ts';

/** The ccxt method that measures the clock offset (ccxt `Exchange.loadTimeDifference`), ms. */
export interface TimeDifferenceLoader {
  loadTimeDifference(): Promise<number>;
}

/**
 * A client that behaves as `client` except that an `InvalidNonce` failure of any call first reloads
 * the clock offset through `loader` (see the module doc). Wrap the raw ccxt client (before
 * `withExchangeErrors`, which maps `InvalidNonce` away).
 * @param loader usually the same ccxt instance.
 */
export function withClockResync(client: CcxtClient, loader: TimeDifferenceLoader, log: Log): CcxtClient {
  let reload: Promise<void> | undefined;
  const resync = (): Promise<void> => {
    reload ??= loader
      .loadTimeDifference()
      .then((offsetMs) => log.warn({ offsetMs }, 'clock offset reloaded after a timestamp rejection'))
      .catch((err: unknown) => log.warn({ err: errorFields(err) }, 'clock offset reload failed'))
      .finally(() => (reload = undefined));
    return reload;
  };
  const guarded = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      if (err instanceof InvalidNonce) await resync();
      throw err;
    }
  };
  return {
    loadMarkets: () => guarded(() => client.loadMarkets()),
    close: () => client.close(),
    publicGetDepth: (params) => guarded(() => client.publicGetDepth(params)),
    fapiPublicGetDepth: (params) => guarded(() => client.fapiPublicGetDepth(params)),
    createOrder: (symbol, type, side, amount, price, params) =>
      guarded(() => client.createOrder(symbol, type, side, amount, price, params)),
    cancelOrder: (id, symbol, params) => guarded(() => client.cancelOrder(id, symbol, params)),
    watchMyTrades: (symbol, since, limit, params) =>
      guarded(() => client.watchMyTrades(symbol, since, limit, params)),
    fetchMyTrades: (symbol, since, limit, params) =>
      guarded(() => client.fetchMyTrades(symbol, since, limit, params)),
    fetchOrder: (id, symbol, params) => guarded(() => client.fetchOrder(id, symbol, params)),
    fetchOpenOrders: (symbol, since, limit, params) =>
      guarded(() => client.fetchOpenOrders(symbol, since, limit, params)),
    fetchBalance: (params) => guarded(() => client.fetchBalance(params)),
    fetchPositions: (symbols, params) => guarded(() => client.fetchPositions(symbols, params)),
  };
}
