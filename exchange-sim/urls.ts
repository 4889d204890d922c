/**
 * The simulator's URLs, and the ccxt 4.5 configuration that points `pro.binance` at them (the override
 * itself is native/venues/endpoints.ts, shared with the engine's `--exchange-url`).
 */
import { ccxtOptionsForBase } from '../native/venues/endpoints.ts';

/** What `mmflow exchange-sim` prints at start (one JSON line). */
export interface SimulatorUrls {
  /** `http://host:port` */
  readonly http: string;
  /** Spot REST base, `http://host:port/api/v3`. */
  readonly spotRest: string;
  /** Spot raw-stream base, `ws://host:port/ws` (combined: `ws://host:port/stream?streams=…`). */
  readonly spotWs: string;
  /** Spot WebSocket API, `ws://host:port/ws-api/v3`. */
  readonly spotWsApi: string;
  /** USDⓈ-M REST base, `http://host:port/fapi/v1`. */
  readonly usdmRest: string;
  /** USDⓈ-M stream base as ccxt takes it, `ws://host:port/fstream/ws` (ccxt adds `/public`, `/market`). */
  readonly usdmWs: string;
}

export function simulatorUrls(host: string, port: number): SimulatorUrls {
  const h = host.includes(':') ? `[${host}]` : host;
  return {
    http: `http://${h}:${port}`,
    spotRest: `http://${h}:${port}/api/v3`,
    spotWs: `ws://${h}:${port}/ws`,
    spotWsApi: `ws://${h}:${port}/ws-api/v3`,
    usdmRest: `http://${h}:${port}/fapi/v1`,
    usdmWs: `ws://${h}:${port}/fstream/ws`,
  };
}

/**
 * Constructor options for ccxt's `pro.binance` against the simulator: the `urls` override and the
 * options that keep `loadMarkets` on the spot endpoints the simulator serves (no futures, margin or
 * currency look-ups, which need `sapi`). The same override the engine's `--exchange-url` uses.
 */
export function ccxtBinanceConfig(urls: SimulatorUrls): Record<string, unknown> {
  return ccxtOptionsForBase(urls.http, 'binance-spot');
}

/**
 * Constructor options for ccxt's `pro.binanceusdm` against the simulator: the same `urls` override
 * (`urls.api.ws.future` = the `/fstream/ws` base), linear markets only.
 */
export function ccxtBinanceUsdmConfig(urls: SimulatorUrls): Record<string, unknown> {
  return ccxtOptionsForBase(urls.http, 'binance-usdm');
}
