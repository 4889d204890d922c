// Start reconciliation on USDⓈ-M through the real ccxt 4.5 `pro.binanceusdm` against the simulator:
// the inventory is the symbol's `positionAmt` (docs/adr/0015-reconciliation.md), exact in lots.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ccxt from 'ccxt';
import { silentLog } from '../../infra/log.ts';
import { engineOrderTag } from '../../native/client-order-ids.ts';
import { reconcileAtStart, type ReconcileClient } from '../../native/reconcile.ts';
import type { ExchangeSim } from '../../exchange-sim/simulator.ts';
import type { SymbolReplay } from '../../exchange-sim/symbol-replay.ts';
import { ccxtBinanceUsdmConfig } from '../../exchange-sim/urls.ts';
import { skipWithout } from '../setup/require.ts';
import { missingSession, pumpUntil, startManualSim, USDM_SESSION } from '../exchange-sim/helpers.ts';

const skip = skipWithout(
  missingSession(USDM_SESSION),
  'USDⓈ-M reconciliation against the exchange simulator',
);
const TAG = engineOrderTag('live:ETHUSDT:usdm-reconcile-test');
const SYMBOL = 'ETH/USDT:USDT';

describe.skipIf(skip)('USDⓈ-M start reconciliation (ccxt pro.binanceusdm)', () => {
  let sim: ExchangeSim;
  let replay: SymbolReplay;
  let ex: InstanceType<typeof ccxt.pro.binanceusdm>;

  beforeAll(async () => {
    sim = await startManualSim(
      [{ apiKey: 'fut', secret: 'futSecret', balances: { USDT: 10_000 } }],
      undefined,
      [USDM_SESSION],
    );
    const r = sim.usdmReplays.get('ETHUSDT');
    if (r === undefined) throw new Error('no ETHUSDT replay');
    replay = r;
    ex = new ccxt.pro.binanceusdm({ ...ccxtBinanceUsdmConfig(sim.urls), apiKey: 'fut', secret: 'futSecret' });
    await ex.loadMarkets();
  });

  afterAll(async () => {
    await ex?.close();
    await sim?.close();
  });

  it('cancels our order and takes the position (positionAmt) as the inventory', async () => {
    const bid = Number(replay.depthSnapshot(1).bids[0]?.[0]);
    const o = await ex.createOrder(SYMBOL, 'limit', 'buy', 2, bid, {
      postOnly: true,
      clientOrderId: `${TAG}r1-1`,
    });
    const account = sim.futuresAccounts.get('fut');
    const rec = account?.findOrder('ETHUSDT', Number(o.id), undefined);
    expect(await pumpUntil(replay, () => (rec?.executedLots ?? 0) > 0, 400_000, 1)).toBe(true);
    expect(rec?.status).toBe('PARTIALLY_FILLED');
    const r = await reconcileAtStart({
      client: ex as unknown as ReconcileClient,
      instrument: replay.instrument,
      tag: TAG,
      inventoryBaselineBase: '0', // not used on USDⓈ-M
      ignoreForeignOrders: false,
      log: silentLog,
      sleep: async () => undefined,
    });
    expect(r.ownCanceled.map((v) => v.clientOrderId)).toEqual([`${TAG}r1-1`]);
    expect(await ex.fetchOpenOrders(SYMBOL)).toEqual([]);
    // Long what filled: positionAmt = executed quantity, in lots of the instrument.
    expect(r.inventoryLots).toBe(rec?.executedLots);
    const [pos] = await ex.fetchPositions([SYMBOL]);
    expect(r.inventoryLots).toBe(Math.round((pos?.contracts ?? 0) / Number(replay.instrument.lotSize)));
  });
});
