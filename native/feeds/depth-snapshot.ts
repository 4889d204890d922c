/**
 * REST depth snapshots for the live feed (./binance-stream-feed.ts) through the ccxt client's implicit
 * endpoints, so ccxt's rate limiter, its URL override (`--exchange-url`) and the error mapping of
 * native/venues/exchange-errors.ts apply (docs/adr/0013-live-book-feed.md).
 */
import type { Instrument } from '../../core/instrument.ts';

/** The ccxt implicit REST endpoints of the depth snapshot (`pro.binance` / `pro.binanceusdm` have both). */
export interface BinanceDepthClient {
  /** `GET /api/v3/depth` (spot): `{lastUpdateId, bids, asks}`. */
  publicGetDepth(params: Record<string, unknown>): Promise<unknown>;
  /** `GET /fapi/v1/depth` (USDⓈ-M): `{lastUpdateId, E, T, bids, asks}`. */
  fapiPublicGetDepth(params: Record<string, unknown>): Promise<unknown>;
}

/** Fetches one raw REST depth snapshot (the JSON object Binance returns). */
export type SnapshotFetcher = () => Promise<unknown>;

/**
 * The snapshot fetcher over a ccxt client: its rate limiter and URL override apply.
 * @param limit levels a side (Binance: 5…1000 spot, 5…1000 USDⓈ-M; weight 50 / 20 at 1000).
 */
export function ccxtSnapshotFetcher(
  client: BinanceDepthClient,
  instrument: Instrument,
  limit = 1000,
): SnapshotFetcher {
  const params = { symbol: instrument.symbol, limit };
  return instrument.venue === 'binance-usdm'
    ? () => client.fapiPublicGetDepth(params)
    : () => client.publicGetDepth(params);
}
