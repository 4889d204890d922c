/**
 * No credential leaks from exchange errors, through the protocol: the live engine and the production
 * client factory (createCcxtClient → ccxt pro.binance) against the exchange simulator. The simulator
 * knows the key with another secret, so every signed request is refused (-1022, "Signature for this
 * request is not valid.") and ccxt quotes the whole signed request in its error message:
 * `binance GET http://…/api/v3/openOrders?…&timestamp=…&signature=<64 hex> 400 Bad Request {…}`.
 * Neither the error the engine throws nor any log record may contain the key, the secret or a
 * signature. The redaction point itself (withExchangeErrors / redactSecrets) is checked on every call
 * of the client, each failed on the wire; the listen-key forms on the pure `redactSecrets`.
 */
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/ports.ts';
import { DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT } from '../../core/quoting/model-params.ts';
import { createPool } from '../../db/pool.ts';
import { registerModelVersion } from '../../db/repositories/models.ts';
import type { ExchangeSim } from '../../exchange-sim/simulator.ts';
import type { Log } from '../../infra/log.ts';
import { parseEngineConfig } from '../../native/config.ts';
import { runQuotingEngine } from '../../native/engine-process.ts';
import { redactSecrets, Secret } from '../../native/secret.ts';
import { createCcxtClient, type CcxtClient } from '../../native/venues/ccxt-client.ts';
import { getInstrument } from '../../venues/instruments.ts';
import { missingSpotData, pollUntil, startManualSim } from '../exchange-sim/helpers.ts';
import { skipWithout } from '../setup/require.ts';
import { testServices } from '../setup/services.ts';

const skip = skipWithout(missingSpotData, 'exchange-error redaction against the exchange simulator');
const KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
const SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
const LISTEN_KEY = 'pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1';
/** An HMAC-SHA256 signature in hex, as ccxt puts it in the query (Binance "SIGNED endpoint security"). */
const SIGNATURE_HEX = /[0-9a-f]{64}/;

/** Every forbidden string found in `text`. */
function leaks(text: string): string[] {
  const found = [KEY, SECRET, LISTEN_KEY].filter((s) => text.includes(s));
  const sig = SIGNATURE_HEX.exec(text);
  return sig === null ? found : [...found, `signature ${sig[0]}`];
}

function capturingLog(): { log: Log; text: () => string } {
  const records: string[] = [];
  const put = (level: string) => (fields: object, msg: string) =>
    records.push(JSON.stringify({ level, msg, ...fields }));
  return {
    log: { debug: put('debug'), info: put('info'), warn: put('warn'), error: put('error') },
    text: () => records.join('\n'),
  };
}

let db: Pool;
let modelId: string;
let sim: ExchangeSim;

if (!skip) {
  beforeAll(async () => {
    sim = await startManualSim([{ apiKey: KEY, secret: SECRET, balances: { BTC: 1, USDT: 100_000 } }]);
    db = createPool(testServices().databaseUrl);
    modelId = (
      await registerModelVersion(db, {
        name: 'secrets-test',
        kind: 'avellaneda-stoikov',
        params: { ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT },
      })
    ).id;
  });

  afterAll(async () => {
    await db?.end();
    await sim?.close();
  });
}

/** The rejection of `call`, or undefined if it resolved. */
async function failureOf(
  call: () => Promise<unknown>,
): Promise<Error & { code?: string; details?: Record<string, unknown> }> {
  return (await call().then(
    () => undefined,
    (e: unknown) => e,
  )) as Error & { code?: string; details?: Record<string, unknown> };
}

describe.skipIf(skip)('exchange errors never carry credentials, signatures or listen keys', () => {
  it('a live start whose signed account queries fail: the thrown error and every log record are clean', async () => {
    // The start reconciliation's fetchOpenOrders (a signed GET) meets a gateway 502 page on each of its
    // five attempts; ccxt quotes method, signed URL, status and page in each error.
    sim.faults.apply({
      fault: 'failRest',
      status: 502,
      count: 5,
      pathPrefix: '/api/v3/openOrders',
      body: 'gateway',
    });
    const config = parseEngineConfig(
      {
        mode: 'live',
        venue: 'binance-spot',
        symbol: 'BTCUSDT',
        model: modelId,
        dbUrl: testServices().databaseUrl,
        port: 0,
        exchangeUrl: sim.urls.http,
      },
      { MMFLOW_API_KEY: KEY, MMFLOW_API_SECRET: SECRET },
    );
    const { log, text } = capturingLog();
    const stop = new AbortController();
    let thrown: unknown;
    try {
      await runQuotingEngine(config, {
        db,
        log,
        clock: new ManualClock(1_723_161_600_000_000),
        sleep: async () => undefined,
        signal: stop.signal,
      });
    } catch (err) {
      thrown = err;
    } finally {
      stop.abort();
      sim.faults.clear();
    }
    expect(thrown).toBeInstanceOf(Error);
    const err = thrown as Error & { code?: string; details?: object };
    expect(err.code).toBe('EXCHANGE_UNAVAILABLE');
    expect(err.cause).toBeUndefined();
    const everything = [err.message, err.stack ?? '', JSON.stringify(err.details), text()].join('\n');
    expect(leaks(everything)).toEqual([]);
    // ccxt quoted the signed request; only its signature was cut out (in the error and the 4 retry logs).
    expect(err.message).toMatch(
      /GET http:\/\/127\.0\.0\.1:\d+\/api\/v3\/openOrders\?.*signature=\[redacted\]/,
    );
    expect(text().match(/signature=\[redacted\]/g)?.length ?? 0).toBeGreaterThanOrEqual(5);
  });

  it('every call of the client goes through the one redaction point', async () => {
    const client = (): CcxtClient =>
      createCcxtClient(
        getInstrument('binance-spot', 'BTCUSDT'),
        { apiKey: new Secret(KEY), apiSecret: new Secret(SECRET) },
        sim.urls.http,
      );
    // ccxt keeps a failed loadMarkets promise: that call gets a client of its own.
    const first = client();
    const spot = client();
    try {
      // Each call meets a gateway 502 page (ccxt ExchangeNotAvailable → EXCHANGE_UNAVAILABLE); ccxt's
      // message quotes the request URL, with the signature for a signed GET or DELETE.
      const calls: Array<[string, boolean, () => Promise<unknown>]> = [
        ['loadMarkets', false, () => first.loadMarkets()],
        ['publicGetDepth', false, () => spot.publicGetDepth({ symbol: 'BTCUSDT' })],
        ['fapiPublicGetDepth', false, () => spot.fapiPublicGetDepth({ symbol: 'BTCUSDT' })],
        [
          'createOrder',
          false,
          () => spot.createOrder('BTC/USDT', 'limit', 'buy', 0.001, 10_000, { postOnly: true }),
        ],
        ['cancelOrder', true, () => spot.cancelOrder('1', 'BTC/USDT')],
        ['fetchOrder', true, () => spot.fetchOrder('1', 'BTC/USDT')],
        ['fetchOpenOrders', true, () => spot.fetchOpenOrders('BTC/USDT')],
        ['fetchBalance', true, () => spot.fetchBalance()],
        ['fetchPositions', true, () => spot.fetchPositions(['BTC/USDT:USDT'])],
      ];
      await spot.loadMarkets();
      for (const [op, signedQuery, call] of calls) {
        sim.faults.apply({ fault: 'failRest', status: 502, count: 1, body: 'gateway' });
        const err = await failureOf(call);
        expect(err?.code, op).toBe('EXCHANGE_UNAVAILABLE');
        expect(err?.details?.['op'], op).toBe(op);
        if (signedQuery) expect(err?.message, op).toContain('signature=[redacted]');
        expect(leaks(`${err?.message}\n${JSON.stringify(err?.details)}`), op).toEqual([]);
      }
    } finally {
      sim.faults.clear();
      await first.close();
      await spot.close();
    }
  });

  it('watchMyTrades: a user-data stream dropped by the venue fails through the redaction point', async () => {
    const spot = createCcxtClient(
      getInstrument('binance-spot', 'BTCUSDT'),
      { apiKey: new Secret(KEY), apiSecret: new Secret(SECRET) },
      sim.urls.http,
    );
    try {
      await spot.loadMarkets();
      const watching = failureOf(() => spot.watchMyTrades('BTC/USDT'));
      const account = sim.accounts.get(KEY);
      expect(await pollUntil(() => (account?.subscribers ?? 0) > 0)).toBe(true);
      expect(sim.faults.disconnect({ streams: 'user' })).toBe(1); // TCP reset, no close frame
      const err = await watching;
      expect(err?.code).toBe('NETWORK');
      expect(err?.details?.['op']).toBe('watchMyTrades');
      expect(leaks(`${err?.message}\n${JSON.stringify(err?.details)}`)).toEqual([]);
    } finally {
      await spot.close();
    }
  });

  it('redactSecrets scrubs listen keys in query, body and stream URL forms', () => {
    const text = `listenKey=${LISTEN_KEY} {"listenKey":"${LISTEN_KEY}"} wss://fstream.binance.com/ws/${LISTEN_KEY}`;
    const out = redactSecrets(text, []);
    expect(leaks(out)).toEqual([]);
    expect(out).toBe(
      'listenKey=[redacted] {"listenKey":"[redacted]"} wss://fstream.binance.com/ws/[redacted]',
    );
  });
});
