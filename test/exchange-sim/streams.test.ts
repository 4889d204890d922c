// The stream hub (subscriptions, raw and combined messages) and the spot WebSocket API user-data
// subscription (signature check, executionReport / outboundAccountPosition forwarding), offline.
import { describe, expect, it } from 'vitest';
import { instrumentForSession } from '../../venues/instruments.ts';
import { listSessions } from '../../venues/binance/recorded.ts';
import { Account } from '../../exchange-sim/account.ts';
import { loadFeed } from '../../exchange-sim/recorded-feed.ts';
import { hmacHex } from '../../exchange-sim/signing.ts';
import { canonicalStream, StreamHub, StreamSubscriber } from '../../exchange-sim/stream-hub.ts';
import { SymbolReplay } from '../../exchange-sim/symbol-replay.ts';
import { WsApiSession } from '../../exchange-sim/ws-api.ts';
import { skipWithout } from '../setup/require.ts';
import { DATA, missingSpotData, SPOT_SESSION } from './helpers.ts';

const skip = skipWithout(missingSpotData, 'exchange-sim WebSocket API');
const NOW = 1_800_000_000_000;

async function newReplay(): Promise<SymbolReplay> {
  const session = listSessions(DATA).find((s) => s.prefix === SPOT_SESSION);
  if (session === undefined) throw new Error('session missing');
  const instrument = instrumentForSession(session);
  return new SymbolReplay(instrument, 'spot', await loadFeed(session, instrument));
}

describe('stream hub', () => {
  it('maps client stream names to the recorded streams', () => {
    expect(canonicalStream('btcusdt@depth@100ms')).toBe('btcusdt@depth');
    expect(canonicalStream('btcusdt@depth')).toBe('btcusdt@depth');
    expect(canonicalStream('BTCUSDT@bookTicker')).toBe('btcusdt@bookTicker');
    expect(canonicalStream('btcusdt@aggTrade')).toBe('btcusdt@aggTrade');
    expect(canonicalStream('btcusdt@kline_1m')).toBeUndefined();
    expect(canonicalStream('0')).toBeUndefined();
  });

  it('answers SUBSCRIBE / LIST_SUBSCRIPTIONS and wraps combined-stream messages with the subscribed name', () => {
    const hub = new StreamHub();
    const rawOut: string[] = [];
    const combinedOut: string[] = [];
    const raw = new StreamSubscriber({ send: (t) => rawOut.push(t) }, false);
    const combined = new StreamSubscriber({ send: (t) => combinedOut.push(t) }, true);
    expect(hub.handleRequest(raw, '{"method":"SUBSCRIBE","params":["btcusdt@depth@100ms"],"id":7}')).toBe(
      '{"result":null,"id":7}',
    );
    hub.subscribe(combined, ['btcusdt@trade']);
    expect(hub.handleRequest(raw, '{"method":"LIST_SUBSCRIPTIONS","id":8}')).toBe(
      '{"result":["btcusdt@depth@100ms"],"id":8}',
    );
    hub.publish({ stream: 'btcusdt@depth', payload: { e: 'depthUpdate', u: 1 } });
    hub.publish({ stream: 'btcusdt@trade', payload: { e: 'trade', t: 2 } });
    expect(rawOut).toEqual(['{"e":"depthUpdate","u":1}']);
    expect(combinedOut).toEqual(['{"stream":"btcusdt@trade","data":{"e":"trade","t":2}}']);
    hub.remove(raw);
    hub.publish({ stream: 'btcusdt@depth', payload: { u: 3 } });
    expect(rawOut).toHaveLength(1);
  });
});

describe.skipIf(skip)('WebSocket API user-data subscription', () => {
  it('subscribes with a valid signature, refuses a bad one (-1022), then forwards executionReport and outboundAccountPosition', async () => {
    const replay = await newReplay();
    const replays = new Map([[replay.symbol, replay]]);
    let ids = 0;
    const account = new Account(
      'k',
      's',
      { USDT: 1000 },
      replays,
      { nextOrderId: () => ++ids, nextTradeId: () => ++ids },
      () => NOW,
    );
    const out: unknown[] = [];
    const session = new WsApiSession(
      { accounts: new Map([['k', account]]), instrumentOf: () => replay.instrument, nowMs: () => NOW },
      (t) => out.push(JSON.parse(t)),
    );
    const sign = (
      params: Record<string, string | number>,
      secret: string,
    ): Record<string, string | number> => {
      const text = Object.keys(params)
        .sort()
        .map((k) => `${k}=${params[k]}`)
        .join('&');
      return { ...params, signature: hmacHex(secret, text) };
    };
    session.onMessage(
      JSON.stringify({
        id: '1',
        method: 'userDataStream.subscribe.signature',
        params: sign({ apiKey: 'k', timestamp: NOW }, 'wrong'),
      }),
    );
    session.onMessage(
      JSON.stringify({
        id: '2',
        method: 'userDataStream.subscribe.signature',
        params: sign({ apiKey: 'k', timestamp: NOW }, 's'),
      }),
    );
    expect(out).toEqual([
      {
        id: '1',
        status: 400,
        error: { code: -1022, msg: 'Signature for this request is not valid.' },
        rateLimits: [],
      },
      { id: '2', status: 200, result: { subscriptionId: 0 }, rateLimits: [] },
    ]);
    out.length = 0;
    const bidTicks = replay.book.bestBidTicks() ?? 0;
    account.place({
      symbol: 'BTCUSDT',
      side: 'bid',
      type: 'LIMIT_MAKER',
      priceTicks: bidTicks - 100,
      sizeLots: 100,
      clientOrderId: 'c1',
    });
    expect(out).toEqual([
      {
        subscriptionId: 0,
        event: expect.objectContaining({
          e: 'executionReport',
          x: 'NEW',
          X: 'NEW',
          c: 'c1',
          S: 'BUY',
          o: 'LIMIT_MAKER',
        }),
      },
      {
        subscriptionId: 0,
        event: expect.objectContaining({
          e: 'outboundAccountPosition',
          B: [expect.objectContaining({ a: 'USDT' })],
        }),
      },
    ]);
    session.close();
    account.cancelAll('BTCUSDT');
    expect(out).toHaveLength(2);
  });
});
