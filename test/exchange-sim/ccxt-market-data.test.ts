// The simulator's spot market data through the real ccxt 4.5 pro client (`pro.binance` with its
// `urls` pointed at the simulator): time, markets from exchangeInfo, the REST book, and the streamed
// book, whose top must equal the recorded bookTicker at the same update id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ccxt from 'ccxt';
import type { ExchangeSim } from '../../exchange-sim/simulator.ts';
import type { SymbolReplay } from '../../exchange-sim/symbol-replay.ts';
import { ccxtBinanceConfig } from '../../exchange-sim/urls.ts';
import { skipWithout } from '../setup/require.ts';
import { missingSpotData, startManualSim, whilePumping } from './helpers.ts';

const skip = skipWithout(missingSpotData, 'exchange-sim ccxt market data');

describe.skipIf(skip)('exchange simulator: spot market data through ccxt pro.binance', () => {
  let sim: ExchangeSim;
  let replay: SymbolReplay;
  let ex: InstanceType<typeof ccxt.pro.binance>;

  beforeAll(async () => {
    sim = await startManualSim([]);
    const r = sim.replays.get('BTCUSDT');
    if (r === undefined) throw new Error('no BTCUSDT replay');
    replay = r;
    ex = new ccxt.pro.binance(ccxtBinanceConfig(sim.urls));
  });

  afterAll(async () => {
    await ex?.close();
    await sim?.close();
  });

  it('fetchTime answers the server clock', async () => {
    const before = Date.now();
    const t = await ex.fetchTime();
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(Date.now());
  });

  it('loadMarkets reads tick, lot and minimum notional from exchangeInfo', async () => {
    const markets = await ex.loadMarkets();
    expect(Object.keys(markets)).toEqual(['BTC/USDT']);
    const m = markets['BTC/USDT'];
    expect(m?.id).toBe('BTCUSDT');
    expect(m?.precision.price).toBe(0.01);
    expect(m?.precision.amount).toBe(0.00001);
    expect(m?.limits.cost?.min).toBe(5);
  });

  it('fetchOrderBook is the replayed book at the replay point, with its update id', async () => {
    const ob = await ex.fetchOrderBook('BTC/USDT', 1000);
    // First streamed point: snapshot 50093239218 plus the buffered diff U=…208 u=…224 (data README).
    expect(ob.nonce).toBe(50093239224);
    expect(ob.bids.length).toBeGreaterThan(900);
    expect(ob.bids[0]?.[0]).toBeLessThan(ob.asks[0]?.[0] ?? 0);
  });

  it('watchOrderBook follows the diff stream; its top equals the recorded bookTicker at the same u', async () => {
    const tickers = new Map<number, readonly [number, number, number, number]>();
    replay.addListener((m) => {
      const p = m.payload;
      if (m.stream === 'btcusdt@bookTicker' && typeof p['u'] === 'number') {
        tickers.set(p['u'], [Number(p['b']), Number(p['B']), Number(p['a']), Number(p['A'])]);
      }
    });
    const tops = new Map<number, readonly [number, number, number, number]>();
    let lastNonce = 0;
    for (let i = 0; i < 400; i++) {
      const ob = await whilePumping(replay, ex.watchOrderBook('BTC/USDT'));
      const bid = ob.bids[0];
      const ask = ob.asks[0];
      const nonce = ob.nonce ?? 0;
      expect(nonce).toBeGreaterThanOrEqual(lastNonce);
      lastNonce = nonce;
      if (bid?.[0] !== undefined && bid[1] !== undefined && ask?.[0] !== undefined && ask[1] !== undefined) {
        tops.set(nonce, [bid[0], bid[1], ask[0], ask[1]]);
      }
    }
    const compared = [...tops.entries()].filter(([u]) => tickers.has(u));
    expect(compared.length).toBeGreaterThan(20);
    for (const [u, top] of compared) expect({ u, top }).toEqual({ u, top: tickers.get(u) });
  });

  it('watchTrades receives the recorded trades in id order', async () => {
    const seen: number[] = [];
    while (seen.length < 50) {
      const trades = await whilePumping(replay, ex.watchTrades('BTC/USDT'));
      for (const t of trades) seen.push(Number(t.id));
    }
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBe((seen[i - 1] ?? 0) + 1);
  });
});
