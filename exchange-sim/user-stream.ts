/**
 * The user-data streams as wire events: spot `executionReport` for every order event and
 * `outboundAccountPosition` for every balance change (Spot API "User Data Stream"); USDⓈ-M
 * `ORDER_TRADE_UPDATE` and `ACCOUNT_UPDATE`.
 */
import type { Instrument } from '../core/instrument.ts';
import type { Account } from './account.ts';
import type { FuturesAccount } from './futures-account.ts';
import { accountUpdateWire, orderTradeUpdateWire } from './futures-wire.ts';
import { accountPositionWire, executionReportWire } from './order-wire.ts';

/**
 * Forwards the account's events to `send` as payload objects.
 * @returns a function that stops the forwarding.
 */
export function forwardUserData(
  account: Account,
  instrumentOf: (symbol: string) => Instrument,
  send: (event: Record<string, unknown>) => void,
): () => void {
  return account.addListener({
    onOrder: (ev, timeMs) => send(executionReportWire(ev, instrumentOf(ev.order.symbol), timeMs)),
    onBalances: (assets, timeMs) => send(accountPositionWire(account, assets, timeMs)),
  });
}

/**
 * Forwards a futures account's events to `send`: `ORDER_TRADE_UPDATE` for every order event and
 * `ACCOUNT_UPDATE` after every fill (USDⓈ-M "User Data Streams").
 * @returns a function that stops the forwarding.
 */
export function forwardFuturesUserData(
  account: FuturesAccount,
  instrumentOf: (symbol: string) => Instrument,
  send: (event: Record<string, unknown>) => void,
): () => void {
  return account.addListener({
    onOrder: (ev, realized, timeMs) =>
      send(
        orderTradeUpdateWire(
          ev,
          instrumentOf(ev.order.symbol),
          account.tif.get(ev.order.orderId) ?? 'GTC',
          realized,
          timeMs,
        ),
      ),
    onAccount: (symbol, timeMs) => send(accountUpdateWire(account, symbol, instrumentOf(symbol), timeMs)),
  });
}
