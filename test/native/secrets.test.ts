/**
 * No credential leaks from exchange errors. The live engine is started through the production client
 * factory (createCcxtClient → ccxt pro) whose start-up `loadMarkets()` fails the way ccxt fails: with
 * the signed request URL, the API key and a listen key in the message. Neither the error the engine
 * throws nor any log record may contain the key, the secret, a signature or a listen key. The
 * redaction point itself (withExchangeErrors / redactSecrets) is checked on every call of the client.
 */
import { AuthenticationError, NetworkError, pro } from 'ccxt';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../core/ports.ts';
import { DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT } from '../../core/quoting/model-params.ts';
import { createPool } from '../../db/pool.ts';
import { registerModelVersion } from '../../db/repositories/models.ts';
import type { Log } from '../../infra/log.ts';
import { parseEngineConfig } from '../../native/config.ts';
import { runQuotingEngine } from '../../native/engine-process.ts';
import { redactSecrets, Secret } from '../../native/secret.ts';
import type { CcxtClient } from '../../native/venues/ccxt-client.ts';
import { withExchangeErrors } from '../../native/venues/exchange-errors.ts';
import { testServices } from '../setup/services.ts';

const KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
const SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
const LISTEN_KEY = 'pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1';
const SIGNATURE = '3f1c0a4b6d2e8f9a7c5b3d1e0f2a4c6b8d0e2f4a6c8e0a2c4e6a8c0e2a4c6e8a';
const SIGNED_URL = `https://api.binance.com/sapi/v1/capital/config/getall?timestamp=1723161600000&recvWindow=10000&signature=${SIGNATURE}`;
const LEAKY = `binance GET ${SIGNED_URL} 401 {"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."} X-MBX-APIKEY: ${KEY} secret ${SECRET} listenKey=${LISTEN_KEY} wss://stream.binance.com:9443/ws/${LISTEN_KEY}`;

/** Every forbidden string found in `text`. */
function leaks(text: string): string[] {
  return [KEY, SECRET, SIGNATURE, LISTEN_KEY].filter((s) => text.includes(s));
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

beforeAll(async () => {
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
  vi.restoreAllMocks();
  await db.end();
});

describe('exchange errors never carry credentials, signatures or listen keys', () => {
  it('a live start whose loadMarkets() fails: the thrown error and every log record are clean', async () => {
    vi.spyOn(pro.binance.prototype, 'loadMarkets').mockRejectedValue(new AuthenticationError(LEAKY));
    const config = parseEngineConfig(
      {
        mode: 'live',
        venue: 'binance-spot',
        symbol: 'BTCUSDT',
        model: modelId,
        dbUrl: testServices().databaseUrl,
        port: 0,
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
    }
    expect(thrown).toBeInstanceOf(Error);
    const err = thrown as Error & { code?: string; details?: object };
    expect(err.code).toBe('AUTH');
    expect(err.cause).toBeUndefined();
    const everything = [err.message, err.stack ?? '', JSON.stringify(err.details), text()].join('\n');
    expect(leaks(everything)).toEqual([]);
    expect(err.message).toContain('signature=[redacted]');
  });

  it('every call of the client goes through the one redaction point', async () => {
    const fail = async (): Promise<never> => {
      throw new NetworkError(LEAKY);
    };
    const raw: CcxtClient = {
      loadMarkets: fail,
      close: fail,
      watchOrderBook: fail,
      watchTrades: fail,
      createOrder: fail,
      cancelOrder: fail,
      watchMyTrades: fail,
    };
    const client = withExchangeErrors(raw, [new Secret(KEY), new Secret(SECRET)]);
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['loadMarkets', () => client.loadMarkets()],
      ['close', () => client.close()],
      ['watchOrderBook', () => client.watchOrderBook('BTC/USDT')],
      ['watchTrades', () => client.watchTrades('BTC/USDT')],
      ['createOrder', () => client.createOrder('BTC/USDT', 'limit', 'buy', 1, 1)],
      ['cancelOrder', () => client.cancelOrder('1', 'BTC/USDT')],
      ['watchMyTrades', () => client.watchMyTrades('BTC/USDT')],
    ];
    for (const [op, call] of calls) {
      const err = (await call().then(
        () => undefined,
        (e: unknown) => e,
      )) as Error & { code?: string; details?: Record<string, unknown> };
      expect(err.code, op).toBe('NETWORK');
      expect(err.details?.['op']).toBe(op);
      expect(leaks(`${err.message}\n${JSON.stringify(err.details)}`), op).toEqual([]);
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
