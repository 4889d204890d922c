// GET /api/v3/myTrades (and USDⓈ-M GET /fapi/v1/userTrades) through the real ccxt pro client: `fetchMyTrades` returns the fills of the
// account's ledger (sim.ledger), field by field; `orderId` and `fromId` filter; an unsigned request
// is refused with the venue's error (-1102 missing signature / timestamp as in signing.ts).
import { describe, expect, it } from 'vitest';
import ccxt from 'ccxt';
import { ccxtBinanceConfig, ccxtBinanceUsdmConfig } from '../../exchange-sim/urls.ts';
import { skipWithout } from '../setup/require.ts';
import {
  ACCOUNT_A,
  missingSession,
  missingSpotData,
  pumpUntil,
  startManualSim,
  USDM_SESSION,
} from './helpers.ts';

const skip = skipWithout(missingSpotData, 'exchange-sim trade history');

describe.skipIf(skip)('exchange simulator trade history (myTrades)', () => {
  it('serves the ledger fills to ccxt fetchMyTrades, with filters', async () => {
    const sim = await startManualSim();
    const replay = sim.replays.get('BTCUSDT');
    if (replay === undefined) throw new Error('no BTCUSDT replay');
    const a = new ccxt.pro.binance({
      ...ccxtBinanceConfig(sim.urls),
      apiKey: ACCOUNT_A.apiKey,
      secret: ACCOUNT_A.secret,
    });
    try {
      await a.loadMarkets();
      expect(await a.fetchMyTrades('BTC/USDT')).toEqual([]);
      const bid = Number(replay.depthSnapshot(1).bids[0]?.[0] ?? '');
      const buy = await a.createOrder('BTC/USDT', 'limit', 'buy', 0.002, bid, {
        postOnly: true,
        clientOrderId: 'hist-buy-1',
      });
      const account = sim.accounts.get(ACCOUNT_A.apiKey);
      const filled = (): boolean =>
        account?.findOrder('BTCUSDT', Number(buy.id), undefined)?.status === 'FILLED';
      expect(await pumpUntil(replay, filled, 200_000)).toBe(true);

      const ledger = sim.ledger(ACCOUNT_A.apiKey, 'spot');
      expect(ledger.fills.length).toBeGreaterThan(0);
      const trades = await a.fetchMyTrades('BTC/USDT', 0);
      expect(trades.map((t) => t.id)).toEqual(ledger.fills.map((f) => String(f.tradeId)));
      for (const [i, t] of trades.entries()) {
        const f = ledger.fills[i];
        if (f === undefined) throw new Error('ledger shorter than trades');
        expect(t.order).toBe(String(f.orderId));
        expect(t.side).toBe('buy');
        expect(t.price).toBe(bid);
        expect(t.amount).toBeCloseTo(Number(f.qty), 12);
        expect(t.takerOrMaker).toBe('maker');
        expect(t.timestamp).toBe(f.timeMs);
        expect(t.fee?.currency).toBe('USDT');
        // 10 bps maker fee on the notional, quote asset.
        expect(t.fee?.cost).toBeCloseTo(bid * Number(f.qty) * 0.001, 8);
      }
      const total = trades.reduce((s, t) => s + (t.amount ?? 0), 0);
      expect(total).toBeCloseTo(0.002, 12);

      // Filters: an unknown order id selects nothing; fromId = the last trade id selects one trade;
      // a start time after the last fill selects nothing.
      expect(await a.fetchMyTrades('BTC/USDT', undefined, undefined, { orderId: 999_999 })).toEqual([]);
      const last = ledger.fills[ledger.fills.length - 1];
      if (last === undefined) throw new Error('no fill');
      const from = await a.fetchMyTrades('BTC/USDT', undefined, undefined, { fromId: last.tradeId });
      expect(from.map((t) => t.id)).toEqual([String(last.tradeId)]);
      expect(await a.fetchMyTrades('BTC/USDT', last.timeMs + 1)).toEqual([]);
      const one = await a.fetchMyTrades('BTC/USDT', 0, 1);
      expect(one.length).toBe(1);

      // Unsigned: the venue's error, no data.
      const res = await fetch(`${sim.urls.http}/api/v3/myTrades?symbol=BTCUSDT`, {
        headers: { 'X-MBX-APIKEY': ACCOUNT_A.apiKey },
      });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { code: number };
      expect(body.code).toBeLessThan(0);
      // limit out of range.
      await expect(a.fetchMyTrades('BTC/USDT', 0, 1001)).rejects.toThrow(/limit/);
    } finally {
      await a.close();
      await sim.close();
    }
  });
});

const skipUsdm = skipWithout(missingSession(USDM_SESSION), 'exchange-sim USDⓈ-M trade history');

describe.skipIf(skipUsdm)('exchange simulator trade history (USDⓈ-M userTrades)', () => {
  it('serves the ledger fills to ccxt pro.binanceusdm fetchMyTrades', async () => {
    const sim = await startManualSim(
      [{ apiKey: 'fut', secret: 'futSecret', balances: { USDT: 10_000 } }],
      undefined,
      [USDM_SESSION],
    );
    const replay = sim.usdmReplays.get('ETHUSDT');
    if (replay === undefined) throw new Error('no ETHUSDT replay');
    const ex = new ccxt.pro.binanceusdm({
      ...ccxtBinanceUsdmConfig(sim.urls),
      apiKey: 'fut',
      secret: 'futSecret',
    });
    try {
      await ex.loadMarkets();
      const t0 = Date.now();
      const bid = Number(replay.depthSnapshot(1).bids[0]?.[0]);
      const o = await ex.createOrder('ETH/USDT:USDT', 'limit', 'buy', 0.1, bid, { postOnly: true });
      const ledger = () => sim.ledger('fut', 'usdm');
      const filled = (): boolean =>
        ledger().orders.some((x) => x.orderId === Number(o.id) && x.status === 'FILLED');
      expect(await pumpUntil(replay, filled, 400_000)).toBe(true);
      const fills = ledger().fills;
      // ccxt binanceusdm bounds a `since` query to since + 7 days (`endTime`): ask from a recent time.
      const trades = await ex.fetchMyTrades('ETH/USDT:USDT', t0 - 60_000);
      expect(trades.map((t) => t.id)).toEqual(fills.map((f) => String(f.tradeId)));
      expect(trades.reduce((q, t) => q + (t.amount ?? 0), 0)).toBeCloseTo(0.1, 10);
      for (const t of trades) {
        expect([t.order, t.side, t.price, t.takerOrMaker]).toEqual([o.id, 'buy', bid, 'maker']);
        expect(t.fee?.currency).toBe('USDT');
      }
    } finally {
      await ex.close();
      await sim.close();
    }
  });
});
