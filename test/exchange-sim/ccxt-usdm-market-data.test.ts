// USDⓈ-M market data of the simulator through the real ccxt 4.5 `pro.binanceusdm` (urls override):
// markets from /fapi/v1/exchangeInfo, the REST book, and the streamed book (fstream, `pu` chaining),
// whose top must equal the recorded bookTicker at the same update id.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ccxt from 'ccxt';
import type { ExchangeSim } from '../../exchange-sim/simulator.ts';
import type { SymbolReplay } from '../../exchange-sim/symbol-replay.ts';
import { ccxtBinanceUsdmConfig } from '../../exchange-sim/urls.ts';
import { skipWithout } from '../setup/require.ts';
import { missingSession, startManualSim, USDM_SESSION, whilePumping } from './helpers.ts';

const skip = skipWithout(missingSession(USDM_SESSION), 'exchange-sim ccxt USDⓈ-M market data');

describe.skipIf(skip)('exchange simulator: USDⓈ-M market data through ccxt pro.binanceusdm', () => {
  let sim: ExchangeSim;
  let replay: SymbolReplay;
  let ex: InstanceType<typeof ccxt.pro.binanceusdm>;

  beforeAll(async () => {
    sim = await startManualSim([], undefined, [USDM_SESSION]);
    const r = sim.usdmReplays.get('ETHUSDT');
    if (r === undefined) throw new Error('no ETHUSDT replay');
    replay = r;
    ex = new ccxt.pro.binanceusdm(ccxtBinanceUsdmConfig(sim.urls));
  });

  afterAll(async () => {
    await ex?.close();
    await sim?.close();
  });

  it('loadMarkets reads the perpetual with tick, lot and minimum notional', async () => {
    const markets = await ex.loadMarkets();
    expect(Object.keys(markets)).toEqual(['ETH/USDT:USDT']);
    const m = markets['ETH/USDT:USDT'];
    expect([m?.id, m?.linear, m?.settle]).toEqual(['ETHUSDT', true, 'USDT']);
    expect([m?.precision.price, m?.precision.amount, m?.limits.cost?.min]).toEqual([0.01, 0.001, 20]);
    expect(await ex.fetchTime()).toBeGreaterThan(0);
  });

  it('fetchOrderBook carries the update id and the replay time', async () => {
    const ob = await ex.fetchOrderBook('ETH/USDT:USDT', 1000);
    expect(ob.nonce).toBe(replay.updateId);
    expect(ob.timestamp).toBe(replay.exchTimeMs);
    expect(ob.bids.length).toBeGreaterThan(500);
  });

  it('watchOrderBook follows the pu-chained diffs; its top equals the recorded bookTicker at the same u', async () => {
    const tickers = new Map<number, readonly [number, number, number, number]>();
    replay.addListener((m) => {
      const p = m.payload;
      if (m.stream === 'ethusdt@bookTicker' && typeof p['u'] === 'number') {
        tickers.set(p['u'], [Number(p['b']), Number(p['B']), Number(p['a']), Number(p['A'])]);
      }
    });
    const tops = new Map<number, readonly [number, number, number, number]>();
    for (let i = 0; i < 1500; i++) {
      const ob = await whilePumping(replay, ex.watchOrderBook('ETH/USDT:USDT'));
      const bid = ob.bids[0];
      const ask = ob.asks[0];
      if (bid?.[0] !== undefined && bid[1] !== undefined && ask?.[0] !== undefined && ask[1] !== undefined) {
        tops.set(ob.nonce ?? 0, [bid[0], bid[1], ask[0], ask[1]]);
      }
    }
    const compared = [...tops.entries()].filter(([u]) => tickers.has(u));
    expect(compared.length).toBeGreaterThan(20);
    for (const [u, top] of compared) expect({ u, top }).toEqual({ u, top: tickers.get(u) });
  });
});
