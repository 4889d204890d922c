/**
 * The simulator's URLs, and the ccxt 4.5 configuration that points `pro.binance` at them.
 *
 * ccxt builds REST URLs from `urls.api.<api>` (binance.js `describe()`: `public` and `private` =
 * `…/api/v3` for spot, `v1`, `sapi*`, `fapi*`, `dapi*`, …) and WebSocket URLs from `urls.api.ws`
 * (pro/binance.js: `ws.spot` + `/<stream index>` then `SUBSCRIBE`; `ws['ws-api'].spot` for the spot user
 * data, subscribed with `userDataStream.subscribe.signature`). Every REST API key is overridden, so a
 * call the simulator does not serve ends in its 404 instead of reaching the real venue. ccxt opens
 * plain `ws://` URLs only through an `httpAgent` (Exchange.getHttpAgentIfNeeded), so one is supplied.
 */
import { Agent } from 'node:http';

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

/** REST API keys of ccxt's binance `urls.api` and their path on the simulator. */
const REST_PATHS: Readonly<Record<string, string>> = {
  public: '/api/v3',
  private: '/api/v3',
  v1: '/api/v1',
  sapi: '/sapi/v1',
  sapiV2: '/sapi/v2',
  sapiV3: '/sapi/v3',
  sapiV4: '/sapi/v4',
  dapiPublic: '/dapi/v1',
  dapiPrivate: '/dapi/v1',
  dapiPrivateV2: '/dapi/v2',
  dapiData: '/futures/data',
  eapiPublic: '/eapi/v1',
  eapiPrivate: '/eapi/v1',
  fapiPublic: '/fapi/v1',
  fapiPublicV2: '/fapi/v2',
  fapiPublicV3: '/fapi/v3',
  fapiPrivate: '/fapi/v1',
  fapiPrivateV2: '/fapi/v2',
  fapiPrivateV3: '/fapi/v3',
  fapiData: '/futures/data',
  papi: '/papi/v1',
  papiV2: '/papi/v2',
};

/**
 * Constructor options for ccxt's `pro.binance` against the simulator: the `urls` override and the
 * options that keep `loadMarkets` on the spot endpoints the simulator serves (no futures, margin or
 * currency look-ups, which need `sapi`).
 */
export function ccxtBinanceConfig(urls: SimulatorUrls): Record<string, unknown> {
  const api: Record<string, unknown> = {};
  for (const [key, path] of Object.entries(REST_PATHS)) api[key] = urls.http + path;
  const ws = urls.spotWs;
  api['ws'] = {
    spot: ws,
    margin: ws,
    future: urls.usdmWs,
    delivery: urls.usdmWs,
    // The futures WebSocket APIs (order entry over ws) are not served: their paths answer 404.
    'ws-api': {
      spot: urls.spotWsApi,
      future: urls.spotWsApi.replace('/ws-api/v3', '/ws-fapi/v1'),
      delivery: urls.spotWsApi.replace('/ws-api/v3', '/ws-dapi/v1'),
    },
  };
  return {
    httpAgent: new Agent({ keepAlive: true }),
    urls: { api },
    options: { fetchMarkets: { types: ['spot'] }, fetchCurrencies: false, fetchMargins: false },
  };
}

/**
 * Constructor options for ccxt's `pro.binanceusdm` against the simulator: the same `urls` override
 * (`urls.api.ws.future` = the `/fstream/ws` base), linear markets only.
 */
export function ccxtBinanceUsdmConfig(urls: SimulatorUrls): Record<string, unknown> {
  const spot = ccxtBinanceConfig(urls);
  return {
    ...spot,
    options: { fetchMarkets: { types: ['linear'] }, fetchCurrencies: false, fetchMargins: false },
  };
}
