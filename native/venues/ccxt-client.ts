/**
 * Builds the ccxt pro (4.5) exchange client for paper/live: `pro.binance` for Binance spot,
 * `pro.binanceusdm` for USDⓈ-M futures. The only place credentials are revealed.
 */
import { pro } from 'ccxt';
import type { Instrument } from '../../core/instrument.ts';
import type { ApiCredentials } from '../config.ts';
import type { BinanceDepthClient } from '../feeds/depth-snapshot.ts';
import type { CcxtAccountClient } from './ccxt-account.ts';
import type { CcxtTradingClient } from './ccxt-venue.ts';
import { venueEndpoints } from './endpoints.ts';
import type { CcxtTradeHistoryClient } from './trade-backfill.ts';
import { withExchangeErrors } from './exchange-errors.ts';
import { withClockResync } from './clock-resync.ts';
import { silentLog, type Log } from '../../infra/log.ts';

/**
 * The ccxt surface the engine uses: REST depth snapshots of the live feed (../feeds/depth-snapshot.ts),
 * trading, the account queries of reconciliation (./ccxt-account.ts), the own-trade history of the
 * back-fill (./trade-backfill.ts), and closing the websockets.
 */
export interface CcxtClient extends BinanceDepthClient, CcxtTradingClient, CcxtAccountClient {
  /** Own-trade history (required here; optional on `CcxtTradingClient`). */
  fetchMyTrades: CcxtTradeHistoryClient['fetchMyTrades'];
  /** Loads market metadata (precision, limits); required before trading. */
  loadMarkets(): Promise<unknown>;
  /** Closes every websocket; pending `watch*` calls reject. */
  close(): Promise<unknown>;
}

/**
 * A new ccxt pro client for the instrument's venue.
 * @param credentials required to trade (live); omitted for market data only (paper).
 * @param exchangeUrl base URL of a server speaking Binance's protocol (`mmflow exchange-sim`);
 *   undefined = Binance itself.
 * @param log where a clock-offset reload is reported (./clock-resync.ts); default silent.
 * @returns the client behind `withExchangeErrors`: every error it throws is mapped and redacted; an
 *   `InvalidNonce` (-1021) first reloads the clock offset (`withClockResync`).
 */
export function createCcxtClient(
  instrument: Instrument,
  credentials: ApiCredentials | undefined,
  exchangeUrl?: string,
  log: Log = silentLog,
): CcxtClient {
  const auth =
    credentials === undefined
      ? {}
      : { apiKey: credentials.apiKey.reveal(), secret: credentials.apiSecret.reveal() };
  const options = {
    ...venueEndpoints(instrument.venue, exchangeUrl).ccxtOptions,
    enableRateLimit: true,
    ...auth,
  };
  const client =
    instrument.venue === 'binance-usdm' ? new pro.binanceusdm(options) : new pro.binance(options);
  const secrets = credentials === undefined ? [] : [credentials.apiKey, credentials.apiSecret];
  return withExchangeErrors(withClockResync(client, client, log), secrets);
}
