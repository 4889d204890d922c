// USDⓈ-M trading on the simulator through the real ccxt 4.5 `pro.binanceusdm`: GTX (post-only) and
// GTC orders, cancels, the private stream (watchOrders: ORDER_TRADE_UPDATE), positions and wallet after
// fills by the backtester's fill model, -5022 for a post-only order that would take, -2019 for margin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ccxt from 'ccxt';
import type { ExchangeSim } from '../../exchange-sim/simulator.ts';
import type { SymbolReplay } from '../../exchange-sim/symbol-replay.ts';
import { ccxtBinanceUsdmConfig } from '../../exchange-sim/urls.ts';
import { skipWithout } from '../setup/require.ts';
import { missingSession, startManualSim, USDM_SESSION, whilePumping, pollUntil } from './helpers.ts';

const skip = skipWithout(missingSession(USDM_SESSION), 'exchange-sim ccxt USDⓈ-M trading');
const SYMBOL = 'ETH/USDT:USDT';

type Usdm = InstanceType<typeof ccxt.pro.binanceusdm>;

describe.skipIf(skip)('exchange simulator: USDⓈ-M trading through ccxt pro.binanceusdm', () => {
  let sim: ExchangeSim;
  let replay: SymbolReplay;
  let ex: Usdm;
  let poor: Usdm;

  beforeAll(async () => {
    sim = await startManualSim(
      [
        { apiKey: 'fut', secret: 'futSecret', balances: { USDT: 10_000 } },
        { apiKey: 'poor', secret: 'poorSecret', balances: { USDT: 10 } },
      ],
      undefined,
      [USDM_SESSION],
    );
    const r = sim.usdmReplays.get('ETHUSDT');
    if (r === undefined) throw new Error('no ETHUSDT replay');
    replay = r;
    ex = new ccxt.pro.binanceusdm({ ...ccxtBinanceUsdmConfig(sim.urls), apiKey: 'fut', secret: 'futSecret' });
    poor = new ccxt.pro.binanceusdm({
      ...ccxtBinanceUsdmConfig(sim.urls),
      apiKey: 'poor',
      secret: 'poorSecret',
    });
    await ex.loadMarkets();
    await poor.loadMarkets();
  });

  afterAll(async () => {
    await ex?.close();
    await poor?.close();
    await sim?.close();
  });

  const bestBid = (): number => Number(replay.depthSnapshot(1).bids[0]?.[0]);
  const bestAsk = (): number => Number(replay.depthSnapshot(1).asks[0]?.[0]);

  it('fetchBalance shows the wallet; orders rest, are listed and cancelled (one and all)', async () => {
    expect((await ex.fetchBalance())['USDT']?.total).toBe(10_000);
    const o = await ex.createOrder(SYMBOL, 'limit', 'buy', 0.1, bestBid() - 5, { postOnly: true });
    expect([o.status, o.timeInForce, o.postOnly]).toEqual(['open', 'PO', true]);
    const g = await ex.createOrder(SYMBOL, 'limit', 'sell', 0.1, bestAsk() + 5);
    expect((await ex.fetchOpenOrders(SYMBOL)).map((x) => x.id).sort()).toEqual([o.id, g.id].sort());
    expect((await ex.cancelOrder(String(o.id), SYMBOL)).status).toBe('canceled');
    await ex.cancelAllOrders(SYMBOL);
    expect(await ex.fetchOpenOrders(SYMBOL)).toEqual([]);
    expect((await ex.fetchOrder(String(g.id), SYMBOL)).status).toBe('canceled');
  });

  it('a post-only order that would take is refused with -5022; beyond the margin with -2019', async () => {
    await expect(ex.createOrder(SYMBOL, 'limit', 'buy', 0.1, bestAsk(), { postOnly: true })).rejects.toThrow(
      /-5022/,
    );
    // ccxt maps -2019 to InsufficientFunds only for fapi.binance.com URLs (getExceptionsByUrl).
    await expect(
      poor.createOrder(SYMBOL, 'limit', 'buy', 1, bestBid() - 5, { postOnly: true }),
    ).rejects.toThrow(/"code":-2019,"msg":"Margin is insufficient."/);
  });

  it('watchOrders follows a resting bid to FILLED; the position and the wallet follow the fills', async () => {
    // Subscribe first (events before the private stream is open are not replayed, as on the venue).
    const first = ex.watchOrders(SYMBOL);
    const account = sim.futuresAccounts.get('fut');
    expect(await pollUntil(() => (account?.subscribers ?? 0) > 0)).toBe(true);
    const price = bestBid();
    const o = await ex.createOrder(SYMBOL, 'limit', 'buy', 0.5, price, { postOnly: true });
    expect((await first).map((x) => [x.id, x.status])).toContainEqual([o.id, 'open']);
    let status = o.status;
    let filled = 0;
    for (let i = 0; i < 500 && status !== 'closed'; i++) {
      const orders = await whilePumping(replay, ex.watchOrders(SYMBOL), 200_000);
      for (const x of orders) {
        if (x.id !== o.id) continue;
        status = x.status;
        filled = x.filled ?? filled;
      }
    }
    expect([status, filled]).toEqual(['closed', 0.5]);
    const [pos] = await ex.fetchPositions([SYMBOL]);
    expect([pos?.contracts, pos?.side, pos?.entryPrice]).toEqual([0.5, 'long', price]);
    // Wallet: 10,000 minus the 2 bp maker fee on price × 0.5.
    expect(account?.walletQuote).toBeCloseTo(10_000 - price * 0.5 * 0.0002, 8);
  });
});
