// The account ledger (sim.ledger, GET /admin/ledger) after orders placed through the real ccxt client:
// a buy at the best bid filled by the replay, and a cancelled sell, against hand-computed values
// (price, quantities, 10 bps maker fee in USDT).
import { describe, expect, it } from 'vitest';
import ccxt from 'ccxt';
import { ccxtBinanceConfig } from '../../exchange-sim/urls.ts';
import { skipWithout } from '../setup/require.ts';
import { ACCOUNT_A, missingSpotData, pumpUntil, startManualSim } from './helpers.ts';

const skip = skipWithout(missingSpotData, 'exchange-sim ledger');

describe.skipIf(skip)('exchange simulator ledger', () => {
  it('lists the orders and fills of an account as placed, filled and cancelled through ccxt', async () => {
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
      const top = replay.depthSnapshot(1);
      const bidText = top.bids[0]?.[0] ?? '';
      const askText = top.asks[0]?.[0] ?? '';
      const bid = Number(bidText);
      const buy = await a.createOrder('BTC/USDT', 'limit', 'buy', 0.002, bid, {
        postOnly: true,
        clientOrderId: 'ledger-buy-1',
      });
      const sell = await a.createOrder('BTC/USDT', 'limit', 'sell', 0.001, Number(askText) + 100, {
        postOnly: true,
        clientOrderId: 'ledger-sell-1',
      });
      const account = sim.accounts.get(ACCOUNT_A.apiKey);
      const filled = (): boolean =>
        account?.findOrder('BTCUSDT', Number(buy.id), undefined)?.status === 'FILLED';
      expect(await pumpUntil(replay, filled, 200_000)).toBe(true);
      await a.cancelOrder(String(sell.id), 'BTC/USDT');

      const ledger = sim.ledger(ACCOUNT_A.apiKey, 'spot');
      expect(ledger.orders).toEqual([
        expect.objectContaining({
          orderId: Number(buy.id),
          clientOrderId: 'ledger-buy-1',
          side: 'BUY',
          status: 'FILLED',
          price: bidText,
          origQty: '0.00200000',
          executedQty: '0.00200000',
        }),
        expect.objectContaining({
          orderId: Number(sell.id),
          clientOrderId: 'ledger-sell-1',
          side: 'SELL',
          status: 'CANCELED',
          origQty: '0.00100000',
          executedQty: '0.00000000',
        }),
      ]);
      expect(ledger.fills.length).toBeGreaterThan(0);
      let qty = 0;
      let fee = 0;
      for (const f of ledger.fills) {
        expect(f).toMatchObject({
          orderId: Number(buy.id),
          clientOrderId: 'ledger-buy-1',
          side: 'BUY',
          price: bidText,
          feeAsset: 'USDT',
          maker: true,
        });
        // 10 bps maker fee on the fill's notional, quote asset, 8 decimals.
        expect(f.fee).toBeCloseTo(bid * Number(f.qty) * 0.001, 8);
        qty += Number(f.qty);
        fee += f.fee;
      }
      expect(qty).toBeCloseTo(0.002, 12);
      expect(fee).toBeCloseTo(bid * 0.002 * 0.001, 7);
      const ids = ledger.fills.map((f) => f.tradeId);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort((x, y) => x - y)).toEqual(ids);
      // The balance agrees: paid bid × 0.002 plus the fee.
      expect((await a.fetchBalance())['USDT']?.total).toBeCloseTo(100_000 - bid * 0.002 - fee, 6);

      const http = await fetch(`${sim.urls.http}/admin/ledger?apiKey=${ACCOUNT_A.apiKey}&market=spot`);
      expect(await http.json()).toEqual(JSON.parse(JSON.stringify(ledger)));
      expect(() => sim.ledger('nobody', 'spot')).toThrow(/nobody/);
    } finally {
      await a.close();
      await sim.close();
    }
  });
});
