// Reconciliation against the exchange simulator through the real ccxt 4.5 pro client
// (docs/adr/0015-reconciliation.md): the start reconciliation cancels our orders (engine tag),
// refuses foreign ones unless told, and takes the inventory from the account, exactly in lots; the
// periodic reconciler confirms differences over two checks, halts or reduces, cancels orphans, asks
// the venue about orders it no longer lists, and clears on a match.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import ccxt from 'ccxt';
import type { Instrument } from '../../core/instrument.ts';
import { RiskGate } from '../../core/risk/risk-gate.ts';
import { silentLog } from '../../infra/log.ts';
import { engineOrderTag } from '../../native/client-order-ids.ts';
import { reconcileAtStart, Reconciler, type ReconcileClient } from '../../native/reconcile.ts';
import type { ExchangeSim } from '../../exchange-sim/simulator.ts';
import type { SymbolReplay } from '../../exchange-sim/symbol-replay.ts';
import { ccxtBinanceConfig } from '../../exchange-sim/urls.ts';
import { skipWithout } from '../setup/require.ts';
import { ACCOUNT_A, missingSpotData, pumpUntil, startManualSim } from '../exchange-sim/helpers.ts';

const skip = skipWithout(missingSpotData, 'reconciliation against the exchange simulator');

type Binance = InstanceType<typeof ccxt.pro.binance>;

const TAG = engineOrderTag('live:BTCUSDT:reconcile-test');
const noSleep = async (): Promise<void> => undefined;

describe.skipIf(skip)('reconciliation against the exchange simulator (ccxt pro.binance)', () => {
  let sim: ExchangeSim;
  let replay: SymbolReplay;
  let instrument: Instrument;
  let a: Binance;

  beforeAll(async () => {
    sim = await startManualSim([ACCOUNT_A]);
    const r = sim.replays.get('BTCUSDT');
    if (r === undefined) throw new Error('no BTCUSDT replay');
    replay = r;
    instrument = r.instrument;
    a = new ccxt.pro.binance({
      ...ccxtBinanceConfig(sim.urls),
      apiKey: ACCOUNT_A.apiKey,
      secret: ACCOUNT_A.secret,
    });
    await a.loadMarkets();
  });

  afterAll(async () => {
    await a?.close();
    await sim?.close();
  });

  beforeEach(async () => {
    await a.cancelAllOrders('BTC/USDT').catch(() => undefined);
  });

  const client = (): ReconcileClient => a as unknown as ReconcileClient;
  const bestBid = (): number => Number(replay.depthSnapshot(1).bids[0]?.[0]);
  const account = () => {
    const acc = sim.accounts.get(ACCOUNT_A.apiKey);
    if (acc === undefined) throw new Error('no account A');
    return acc;
  };
  const place = (clientOrderId: string, offsetQuote = 5, amount = 0.001) =>
    a.createOrder('BTC/USDT', 'limit', 'buy', amount, bestBid() - offsetQuote, {
      postOnly: true,
      clientOrderId,
    });
  const baseLots = (): number => {
    const b = account().balance('BTC');
    return Math.round((b.free + b.locked) * 1e5);
  };
  const options = (extra: { ignoreForeignOrders?: boolean; inventoryBaselineBase?: string } = {}) => ({
    client: client(),
    instrument,
    tag: TAG,
    inventoryBaselineBase: extra.inventoryBaselineBase ?? '1',
    ignoreForeignOrders: extra.ignoreForeignOrders ?? false,
    log: silentLog,
    sleep: noSleep,
  });

  it('cancels the orders of an earlier run of this engine and takes the inventory from the account', async () => {
    // An earlier run: one order filled in part by the replay, one resting far from the touch.
    const filling = await place(`${TAG}run1-1`, 0, 0.05);
    await place(`${TAG}run1-2`, 50);
    const rec = account().findOrder('BTCUSDT', Number(filling.id), undefined);
    expect(await pumpUntil(replay, () => (rec?.executedLots ?? 0) > 0, 400_000, 1)).toBe(true);
    expect(rec?.status).toBe('PARTIALLY_FILLED'); // 5 000 lots: the first trade through it fills a part
    const held = baseLots(); // 1 BTC at start + what filled, lots of 0.00001
    expect(held).toBeGreaterThan(100_000);

    const r = await reconcileAtStart(options());
    expect(r.ownCanceled.map((o) => o.clientOrderId).sort()).toEqual([`${TAG}run1-1`, `${TAG}run1-2`].sort());
    expect(r.foreign).toEqual([]);
    expect(await a.fetchOpenOrders('BTC/USDT')).toEqual([]);
    // Inventory = (free + locked BTC) − baseline 1 BTC, exactly.
    expect(r.inventoryLots).toBe(held - 100_000);
    expect(r.inventoryLots).toBe(rec?.executedLots);
    // Baseline 0.5 BTC: 50 000 lots more.
    const half = await reconcileAtStart(options({ inventoryBaselineBase: '0.5' }));
    expect(half.inventoryLots).toBe(held - 50_000);
    expect(half.ownCanceled).toEqual([]);
  });

  it('refuses to start when a foreign order is open, naming it; starts with ignoreForeignOrders and leaves it', async () => {
    await place('manual-order-7', 40);
    await place(`${TAG}run2-1`, 30);
    const err = await reconcileAtStart(options()).then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(err?.code).toBe('FOREIGN_OPEN_ORDERS');
    expect(err?.message).toContain('clientOrderId=manual-order-7');
    expect(err?.message).toContain('--ignore-foreign-orders');
    // Nothing was cancelled: the refusal comes first.
    expect((await a.fetchOpenOrders('BTC/USDT')).length).toBe(2);

    const r = await reconcileAtStart(options({ ignoreForeignOrders: true }));
    expect(r.foreign.map((o) => o.clientOrderId)).toEqual(['manual-order-7']);
    expect(r.ownCanceled.map((o) => o.clientOrderId)).toEqual([`${TAG}run2-1`]);
    const open = await a.fetchOpenOrders('BTC/USDT');
    expect(open.map((o) => o.clientOrderId)).toEqual(['manual-order-7']);
  });

  it('refuses a baseline off the lot grid (OFF_GRID), never rounding it', async () => {
    await expect(reconcileAtStart(options({ inventoryBaselineBase: '0.000001' }))).rejects.toMatchObject({
      code: 'OFF_GRID',
    });
  });

  describe('periodic reconciler', () => {
    /** A stand-in engine: the fields the reconciler reads, over the real risk gate. */
    function engineStandIn(inventoryLots: number) {
      const state = { working: [] as { clientOrderId: string }[], inventoryLots };
      const risk = new RiskGate();
      const engine = {
        risk,
        workingOrders: () => state.working,
        get inventoryLots() {
          return state.inventoryLots;
        },
      };
      return { state, risk, engine };
    }

    function reconciler(engine: ReturnType<typeof engineStandIn>['engine'], rechecked: string[]) {
      return new Reconciler({
        client: client(),
        instrument,
        tag: TAG,
        inventoryBaselineBase: '0',
        log: silentLog,
        sleep: noSleep,
        engine,
        recheck: async (id) => {
          rechecked.push(id);
        },
        nowUs: () => 1_000_000,
        onChecked: () => undefined,
      });
    }

    it('an orphan of ours halts on the second check, is cancelled, and the next match clears the gate', async () => {
      const { engine, risk } = engineStandIn(baseLots());
      const rec = reconciler(engine, []);
      await place(`${TAG}orphan-1`, 60);
      const first = await rec.check();
      expect(first.onlyVenue).toEqual([]); // seen once: could be in flight
      expect(risk.state).toBe('active');
      const second = await rec.check();
      expect(second.onlyVenue).toEqual([`${TAG}orphan-1`]);
      expect(risk.state).toBe('halted');
      expect(risk.reason).toBe('reconcile-mismatch');
      expect(await a.fetchOpenOrders('BTC/USDT')).toEqual([]); // the orphan was cancelled
      await rec.check();
      expect(risk.state).toBe('active');
      expect(risk.drainTransitions().map((t) => `${t.to}:${t.reason}:${t.value ?? ''}`)).toEqual([
        'halted:reconcile-mismatch:1',
        'active:normal:',
      ]);
    });

    it('a foreign open order is never a difference', async () => {
      const { engine, risk } = engineStandIn(baseLots());
      const rec = reconciler(engine, []);
      await place('someone-else-1', 60);
      await rec.check();
      expect(await rec.check()).toEqual({ onlyEngine: [], onlyVenue: [], inventoryDiffLots: 0 });
      expect(risk.state).toBe('active');
    });

    it('an inventory difference reduces on the second check and clears once the engine agrees', async () => {
      const held = baseLots();
      const { engine, risk, state } = engineStandIn(held + 7);
      const rec = reconciler(engine, []);
      await rec.check();
      expect(risk.state).toBe('active');
      expect((await rec.check()).inventoryDiffLots).toBe(7);
      expect(risk.state).toBe('reducing');
      expect(risk.reason).toBe('reconcile-mismatch');
      state.inventoryLots = held;
      await rec.check();
      expect(risk.state).toBe('active');
    });

    it('a working order the venue no longer lists halts on the second check and is re-checked with the venue', async () => {
      const { engine, risk, state } = engineStandIn(baseLots());
      const rechecked: string[] = [];
      const rec = reconciler(engine, rechecked);
      state.working = [{ clientOrderId: `${TAG}gone-1` }];
      await rec.check();
      expect(rechecked).toEqual([]);
      await rec.check();
      expect(risk.state).toBe('halted');
      expect(rechecked).toEqual([`${TAG}gone-1`]);
    });
  });
});
