// The simulator's spot REST handlers offline (request in, answer out; no sockets) on the recorded spot
// session: the REST book against the diff stream, loop passes, order validation codes, listen keys.
import { beforeAll, describe, expect, it } from 'vitest';
import { OrderBook } from '../../core/book/order-book.ts';
import { BinanceBookSync } from '../../core/book/binance-sync.ts';
import { parseRecordedLine } from '../../venues/binance/parse.ts';
import { instrumentForSession } from '../../venues/instruments.ts';
import { listSessions } from '../../venues/binance/recorded.ts';
import { Account } from '../../exchange-sim/account.ts';
import type { ApiAnswer } from '../../exchange-sim/http-types.ts';
import { ListenKeys } from '../../exchange-sim/listen-keys.ts';
import { depthLevels } from '../../exchange-sim/market-wire.ts';
import { loadFeed } from '../../exchange-sim/recorded-feed.ts';
import { hmacHex } from '../../exchange-sim/signing.ts';
import { handleSpotRequest, type SpotContext } from '../../exchange-sim/spot-api.ts';
import { SymbolReplay, type StreamMessage } from '../../exchange-sim/symbol-replay.ts';
import { skipWithout } from '../setup/require.ts';
import { ACCOUNT_A, DATA, missingSpotData, SPOT_SESSION } from './helpers.ts';

const skip = skipWithout(missingSpotData, 'exchange-sim spot handlers');
const NOW = 1_800_000_000_000;

async function newReplay(): Promise<SymbolReplay> {
  const session = listSessions(DATA).find((s) => s.prefix === SPOT_SESSION);
  if (session === undefined) throw new Error('session missing');
  const instrument = instrumentForSession(session);
  return new SymbolReplay(instrument, 'spot', await loadFeed(session, instrument));
}

describe.skipIf(skip)('spot REST handlers', () => {
  let replay: SymbolReplay;
  let ctx: SpotContext;

  beforeAll(async () => {
    replay = await newReplay();
    const replays = new Map([[replay.symbol, replay]]);
    let ids = 0;
    const idSource = { nextOrderId: () => ++ids, nextTradeId: () => ++ids };
    const account = new Account(
      ACCOUNT_A.apiKey,
      ACCOUNT_A.secret,
      ACCOUNT_A.balances,
      replays,
      idSource,
      () => NOW,
    );
    ctx = {
      replays,
      accounts: new Map([[account.apiKey, account]]),
      listenKeys: new ListenKeys(),
      nowMs: () => NOW,
    };
  });

  const get = (path: string, query = ''): ApiAnswer =>
    handleSpotRequest(ctx, { method: 'GET', path, query, body: '', apiKeyHeader: undefined });
  const signed = (method: string, path: string, params: string): ApiAnswer => {
    const q = `${params}&timestamp=${NOW}`;
    return handleSpotRequest(ctx, {
      method,
      path,
      query: '',
      body: `${q}&signature=${hmacHex(ACCOUNT_A.secret, q)}`,
      apiKeyHeader: ACCOUNT_A.apiKey,
    });
  };
  const code = (a: ApiAnswer): unknown => (a.body as { code?: unknown } | undefined)?.code;

  it('GET /api/v3/depth matches the diff stream: a client applying the later diffs holds the replay book', () => {
    const snap = get('/api/v3/depth', 'symbol=BTCUSDT&limit=5000').body as {
      lastUpdateId: number;
      bids: [string, string][];
      asks: [string, string][];
    };
    const diffs: string[] = [];
    const stop = replay.addListener((m: StreamMessage) => {
      if (m.stream === 'btcusdt@depth') diffs.push(JSON.stringify({ recv_ns: 1_000_000_000, ...m.payload }));
    });
    for (let i = 0; i < 3000; i++) replay.step();
    stop();
    const ins = replay.instrument;
    const book = new OrderBook();
    const sync = new BinanceBookSync('spot', book);
    const snapLine = JSON.stringify({
      recv_ns: 1_000_000_000,
      lastUpdateId: snap.lastUpdateId,
      bids: snap.bids,
      asks: snap.asks,
    });
    const first = parseRecordedLine(diffs[0] ?? '', ins);
    expect(first?.kind === 'depth' && first.firstUpdateId).toBe(snap.lastUpdateId + 1);
    const s = parseRecordedLine(snapLine, ins);
    if (s?.kind !== 'snapshot') throw new Error('snapshot did not parse');
    sync.onSnapshot(s);
    for (const line of diffs) {
      const d = parseRecordedLine(line, ins);
      if (d?.kind === 'depth') expect(sync.onDiff(d)).toBe('applied');
    }
    expect(sync.updateId).toBe(replay.updateId);
    expect(depthLevels(ins, 'spot', book, 'bid', 200)).toEqual(
      depthLevels(ins, 'spot', replay.book, 'bid', 200),
    );
    expect(depthLevels(ins, 'spot', book, 'ask', 200)).toEqual(
      depthLevels(ins, 'spot', replay.book, 'ask', 200),
    );
  });

  it('ping, time, exchangeInfo filters; bad symbol -1121; unknown path 404 with an empty body', () => {
    expect(get('/api/v3/ping')).toEqual({ status: 200, body: {} });
    expect(get('/api/v3/time').body).toEqual({ serverTime: NOW });
    const info = get('/api/v3/exchangeInfo').body as {
      symbols: { symbol: string; filters: { filterType: string }[] }[];
    };
    expect(info.symbols.map((x) => x.symbol)).toEqual(['BTCUSDT']);
    expect(info.symbols[0]?.filters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ filterType: 'PRICE_FILTER', tickSize: '0.01000000' }),
        expect.objectContaining({ filterType: 'LOT_SIZE', stepSize: '0.00001000' }),
        expect.objectContaining({ filterType: 'NOTIONAL', minNotional: '5.00000000' }),
      ]),
    );
    expect(get('/api/v3/depth', 'symbol=ETHUSDT')).toEqual({
      status: 400,
      body: { code: -1121, msg: 'Invalid symbol.' },
    });
    expect(get('/api/v3/klines', 'symbol=BTCUSDT')).toEqual({ status: 404, body: undefined });
  });

  it('POST /api/v3/order validates as the venue: -1102, -1116, -1115, -1013 filters, -2010', () => {
    const bid = replay.depthSnapshot(1).bids[0]?.[0] ?? '0';
    const ask = replay.depthSnapshot(1).asks[0]?.[0] ?? '0';
    const order = (extra: string): ApiAnswer =>
      signed('POST', '/api/v3/order', `symbol=BTCUSDT&side=BUY&${extra}`);
    expect(code(order('type=LIMIT&quantity=0.001&price=1000'))).toBe(-1102);
    expect(code(order('type=MARKET&quantity=0.001'))).toBe(-1116);
    expect(code(order('type=LIMIT&timeInForce=IOC&quantity=0.001&price=1000'))).toBe(-1115);
    expect(order('type=LIMIT_MAKER&quantity=0.001&price=1000.001').body).toEqual({
      code: -1013,
      msg: 'Filter failure: PRICE_FILTER',
    });
    expect(order('type=LIMIT_MAKER&quantity=0.0000001&price=1000').body).toEqual({
      code: -1013,
      msg: 'Filter failure: LOT_SIZE',
    });
    expect(order('type=LIMIT_MAKER&quantity=0.00001&price=1000').body).toEqual({
      code: -1013,
      msg: 'Filter failure: NOTIONAL',
    });
    expect(order(`type=LIMIT_MAKER&quantity=0.001&price=${ask}`).body).toEqual({
      code: -2010,
      msg: 'Order would immediately match and take.',
    });
    expect(order('type=LIMIT_MAKER&quantity=200&price=1000').body).toEqual({
      code: -2010,
      msg: 'Account has insufficient balance for requested action.',
    });
    const ok = order(`type=LIMIT&timeInForce=GTC&quantity=0.001&price=${bid}&newClientOrderId=mine1`);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({
      symbol: 'BTCUSDT',
      clientOrderId: 'mine1',
      status: 'NEW',
      type: 'LIMIT',
      side: 'BUY',
      fills: [],
    });
    expect(code(order(`type=LIMIT&timeInForce=GTC&quantity=0.001&price=${bid}&newClientOrderId=mine1`))).toBe(
      -2010,
    );
    const q = signed('GET', '/api/v3/order', 'symbol=BTCUSDT&origClientOrderId=mine1');
    expect(q.body).toMatchObject({ clientOrderId: 'mine1', status: 'NEW', origQty: '0.00100000' });
    expect(code(signed('GET', '/api/v3/order', 'symbol=BTCUSDT&orderId=999999'))).toBe(-2013);
    expect(code(signed('DELETE', '/api/v3/order', 'symbol=BTCUSDT&orderId=999999'))).toBe(-2011);
    const all = signed('DELETE', '/api/v3/openOrders', 'symbol=BTCUSDT');
    expect(all.body).toEqual([expect.objectContaining({ origClientOrderId: 'mine1', status: 'CANCELED' })]);
    expect(signed('GET', '/api/v3/openOrders', 'symbol=BTCUSDT').body).toEqual([]);
  });

  it('listen keys: POST gives one per key; PUT/DELETE check it; missing key -2014', () => {
    const post = (method: string, query = ''): ApiAnswer =>
      handleSpotRequest(ctx, {
        method,
        path: '/api/v3/userDataStream',
        query,
        body: '',
        apiKeyHeader: ACCOUNT_A.apiKey,
      });
    const { listenKey } = post('POST').body as { listenKey: string };
    expect(listenKey).toMatch(/^[A-Za-z0-9]{60}$/);
    expect(post('POST').body).toEqual({ listenKey });
    expect(post('PUT', `listenKey=${listenKey}`).body).toEqual({});
    expect(code(post('PUT', 'listenKey=nope'))).toBe(-1125);
    expect(post('DELETE', `listenKey=${listenKey}`).body).toEqual({});
    expect(
      handleSpotRequest(ctx, {
        method: 'POST',
        path: '/api/v3/userDataStream',
        query: '',
        body: '',
        apiKeyHeader: undefined,
      }),
    ).toEqual({ status: 401, body: { code: -2014, msg: 'API-key format invalid.' } });
  });
});

describe.skipIf(skip)('loop passes', () => {
  it('a new pass rebuilds the book from the snapshot with update ids, trade ids and times past the last pass', async () => {
    const replay = await newReplay();
    let lastU = 0;
    const seen: StreamMessage[] = [];
    replay.addListener((m) => seen.push(m));
    while (replay.step()) {
      const m = seen.pop();
      if (m?.stream === 'btcusdt@depth') lastU = Number(m.payload['u']);
      seen.length = 0;
    }
    const endId = replay.updateId ?? 0;
    expect(endId).toBe(lastU);
    replay.restart();
    expect(replay.loops).toBe(1);
    expect(replay.updateId).toBeGreaterThan(endId);
    let firstDiff: StreamMessage | undefined;
    let firstTrade: StreamMessage | undefined;
    while ((firstDiff === undefined || firstTrade === undefined) && replay.step()) {
      for (const m of seen) {
        if (m.stream === 'btcusdt@depth') firstDiff ??= m;
        if (m.stream === 'btcusdt@trade') firstTrade ??= m;
      }
      seen.length = 0;
    }
    expect(Number(firstDiff?.payload['U'])).toBeGreaterThan(lastU + 1);
    // 19,904 consecutive trade ids from 3735683259 (data README): the next pass starts past them.
    expect(Number(firstTrade?.payload['t'])).toBeGreaterThanOrEqual(3735683259 + 19_904);
  });
});
