/**
 * Where a venue lives: Binance's own endpoints, or any server speaking its protocol at one base URL
 * (`mmflow exchange-sim`, `--exchange-url http://127.0.0.1:PORT`). The only difference between trading
 * the real venue and the simulator is this configuration.
 *
 * ccxt 4.5 builds REST URLs from `urls.api.<api>` (binance.js `describe()`: `public`/`private` =
 * `…/api/v3` for spot, `fapi*` for USDⓈ-M, …) and WebSocket URLs from `urls.api.ws` (pro/binance.js).
 * Every REST API key is overridden, so a call the server does not serve ends in its 404 instead of
 * reaching the real venue. ccxt opens plain `ws://` URLs only through an `httpAgent`
 * (Exchange.getHttpAgentIfNeeded), so one is supplied for an `http://` base.
 */
import { Agent } from 'node:http';

/** The venue ids of the engine (native/config.ts). */
export type VenueId = 'binance-spot' | 'binance-usdm';

/** Binance's raw-stream bases (combined streams at `<base>/stream?streams=a/b`). */
const BINANCE_STREAM_BASE: Readonly<Record<VenueId, string>> = {
  'binance-spot': 'wss://stream.binance.com:9443',
  'binance-usdm': 'wss://fstream.binance.com',
};

/** REST API keys of ccxt's binance `urls.api` and their path under a protocol-compatible base. */
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

/** The endpoints of one venue. */
export interface VenueEndpoints {
  /** Extra ccxt constructor options (`urls`, `httpAgent`, `options`); `{}` for Binance itself. */
  readonly ccxtOptions: Readonly<Record<string, unknown>>;
  /**
   * Raw market-stream base, without a trailing slash: combined streams are served at
   * `<streamBaseUrl>/stream?streams=…` (spot `wss://stream.binance.com:9443`, USDⓈ-M
   * `wss://fstream.binance.com`; `ws://host:port` and `ws://host:port/fstream` on a simulator).
   */
  readonly streamBaseUrl: string;
}

/**
 * The ccxt `urls` override (and options) that point `pro.binance` / `pro.binanceusdm` at a server
 * speaking Binance's protocol at `httpBase`.
 * @param httpBase `http://host:port` (no trailing slash, no path).
 * @param venue which market's `loadMarkets` endpoints to keep (spot, or linear USDⓈ-M).
 */
export function ccxtOptionsForBase(httpBase: string, venue: VenueId): Record<string, unknown> {
  const api: Record<string, unknown> = {};
  for (const [key, path] of Object.entries(REST_PATHS)) api[key] = httpBase + path;
  const wsBase = httpBase.replace(/^http/, 'ws');
  const spotWs = `${wsBase}/ws`;
  const usdmWs = `${wsBase}/fstream/ws`;
  const wsApi = `${wsBase}/ws-api/v3`;
  api['ws'] = {
    spot: spotWs,
    margin: spotWs,
    future: usdmWs,
    delivery: usdmWs,
    // The futures WebSocket APIs (order entry over ws) are not served by the simulator: 404.
    'ws-api': { spot: wsApi, future: `${wsBase}/ws-fapi/v1`, delivery: `${wsBase}/ws-dapi/v1` },
  };
  const types = venue === 'binance-spot' ? ['spot'] : ['linear'];
  return {
    ...(httpBase.startsWith('http://') ? { httpAgent: new Agent({ keepAlive: true }) } : {}),
    urls: { api },
    options: { fetchMarkets: { types }, fetchCurrencies: false, fetchMargins: false },
  };
}

/**
 * The endpoints of `venue`: Binance's own, or those of a protocol-compatible server.
 * @param exchangeUrl `http(s)://host:port` of such a server (a trailing `/` is ignored); undefined = Binance.
 * @throws TypeError for a URL that is not http(s) or carries a path, query or credentials.
 */
export function venueEndpoints(venue: VenueId, exchangeUrl: string | undefined): VenueEndpoints {
  if (exchangeUrl === undefined) return { ccxtOptions: {}, streamBaseUrl: BINANCE_STREAM_BASE[venue] };
  const base = checkedBase(exchangeUrl);
  const wsBase = base.replace(/^http/, 'ws');
  return {
    ccxtOptions: ccxtOptionsForBase(base, venue),
    streamBaseUrl: venue === 'binance-spot' ? wsBase : `${wsBase}/fstream`,
  };
}

function checkedBase(exchangeUrl: string): string {
  let url: URL;
  try {
    url = new URL(exchangeUrl);
  } catch {
    throw new TypeError(`exchange URL "${exchangeUrl}": not a URL (expected http://host:port)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TypeError(`exchange URL "${exchangeUrl}": protocol must be http or https`);
  if (url.username !== '' || url.password !== '')
    throw new TypeError(`exchange URL: credentials are not accepted in the URL`);
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '')
    throw new TypeError(`exchange URL "${exchangeUrl}": expected no path, query or fragment`);
  return `${url.protocol}//${url.host}`;
}
