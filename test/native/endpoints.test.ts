import { describe, expect, it } from 'vitest';
import { ConfigError, parseEngineConfig } from '../../native/config.ts';
import { ccxtOptionsForBase, venueEndpoints } from '../../native/venues/endpoints.ts';

const DB = 'postgres://u:p@127.0.0.1:5432/mmflow';

describe('venueEndpoints', () => {
  it("is Binance's own streams and no ccxt override without an exchange URL", () => {
    expect(venueEndpoints('binance-spot', undefined)).toEqual({
      ccxtOptions: {},
      streamBaseUrl: 'wss://stream.binance.com:9443',
    });
    expect(venueEndpoints('binance-usdm', undefined).streamBaseUrl).toBe('wss://fstream.binance.com');
  });

  it('points every ccxt REST API and the streams at a protocol-compatible server', () => {
    const spot = venueEndpoints('binance-spot', 'http://127.0.0.1:8123/');
    expect(spot.streamBaseUrl).toBe('ws://127.0.0.1:8123');
    const api = (spot.ccxtOptions['urls'] as { api: Record<string, unknown> }).api;
    expect(api['public']).toBe('http://127.0.0.1:8123/api/v3');
    expect(api['fapiPrivateV2']).toBe('http://127.0.0.1:8123/fapi/v2');
    expect(api['ws']).toMatchObject({
      spot: 'ws://127.0.0.1:8123/ws',
      future: 'ws://127.0.0.1:8123/fstream/ws',
      'ws-api': { spot: 'ws://127.0.0.1:8123/ws-api/v3' },
    });
    expect(spot.ccxtOptions['httpAgent']).toBeDefined();
    const usdm = venueEndpoints('binance-usdm', 'http://127.0.0.1:8123');
    expect(usdm.streamBaseUrl).toBe('ws://127.0.0.1:8123/fstream');
    expect(usdm.ccxtOptions['options']).toMatchObject({ fetchMarkets: { types: ['linear'] } });
  });

  it('takes https without an http agent (ccxt opens wss itself)', () => {
    const o = ccxtOptionsForBase('https://sim.example:443', 'binance-spot');
    expect(o['httpAgent']).toBeUndefined();
  });

  it('refuses a URL with a path, credentials or another protocol, quoting it', () => {
    expect(() => venueEndpoints('binance-spot', 'http://h:1/api')).toThrow(/expected no path/);
    expect(() => venueEndpoints('binance-spot', 'ftp://h:1')).toThrow(/protocol must be http/);
    expect(() => venueEndpoints('binance-spot', 'http://u:p@h:1')).toThrow(/credentials/);
    expect(() => venueEndpoints('binance-spot', 'not a url')).toThrow(/not a URL/);
  });
});

describe('engine config: --exchange-url and venue aliases', () => {
  it('takes --exchange-url (trailing slash dropped) and the issue spelling of venues', () => {
    const c = parseEngineConfig(
      { mode: 'paper', venue: 'binanceusdm', symbol: 'BTCUSDT', model: '1', dbUrl: DB },
      { MMFLOW_EXCHANGE_URL: 'http://127.0.0.1:9000/' },
    );
    expect(c.venue).toBe('binance-usdm');
    expect(c.exchangeUrl).toBe('http://127.0.0.1:9000');
    const spot = parseEngineConfig(
      { mode: 'paper', venue: 'binance', symbol: 'BTCUSDT', model: '1', dbUrl: DB },
      {},
    );
    expect(spot.venue).toBe('binance-spot');
    expect(spot.exchangeUrl).toBeUndefined();
  });

  it('names the field and its source for a bad URL, and refuses it in replay', () => {
    const bad = (): unknown =>
      parseEngineConfig(
        {
          mode: 'paper',
          venue: 'binance',
          symbol: 'BTCUSDT',
          model: '1',
          dbUrl: DB,
          exchangeUrl: 'http://h:1/x',
        },
        {},
      );
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(
      /field "exchangeUrl" \(--exchange-url \/ MMFLOW_EXCHANGE_URL\): expected http:\/\/host:port/,
    );
    expect(() =>
      parseEngineConfig(
        {
          mode: 'replay',
          session: 'binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z',
          model: '1',
          dbUrl: DB,
          exchangeUrl: 'http://127.0.0.1:1',
        },
        {},
      ),
    ).toThrow(/field "exchangeUrl".*paper and live modes only/);
  });
});
