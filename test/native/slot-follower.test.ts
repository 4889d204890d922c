/**
 * `mmflow quote --slot ID` end to end (native/slot/*.ts): a paper engine on the exchange simulator
 * follows a `deployments` row in PostgreSQL. Changes of desired state reach it through NOTIFY (the
 * main run polls only every 10 min) or through polling alone (LISTEN disabled); it applies them
 * between two events, acknowledges the exact version, and the orders it sends show the new model's
 * quote size. A bad version is refused without stopping the quoting, and the failure is on the row.
 *
 * Sizes: the spot BTCUSDT lot is 0.00001 BTC; v1 quotes 100 lots (0.001 BTC), v2 300 lots (0.003),
 * v2 at capital fraction 0.5 ⌊300·0.5⌋ = 150 lots (0.0015).
 */
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_AS_V15_BTCUSDT_SPOT,
  DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT,
} from '../../core/quoting/model-params.ts';
import { loadAlphaModel } from '../../ml/load-alpha.ts';
import { createPool } from '../../db/pool.ts';
import { samplesBetween } from '../../db/repositories/deployment-metrics.ts';
import { createSlot, getSlot, setDesired, type DesiredState } from '../../db/repositories/deployments.ts';
import { registerModelVersion, setStatus } from '../../db/repositories/models.ts';
import { startExchangeSimulator, type ExchangeSim } from '../../exchange-sim/simulator.ts';
import { parseEngineConfig } from '../../native/config.ts';
import { runQuotingEngine, type EngineRunSummary } from '../../native/engine-process.ts';
import { getSlotApplyError } from '../../db/repositories/slot-apply-errors.ts';
import { loadSlotBinding } from '../../native/slot/slot-config.ts';
import { SlotFollower } from '../../native/slot/slot-follower.ts';
import { silentLog } from '../../infra/log.ts';
import { DATA, missingSpotData, SPOT_SESSION } from '../exchange-sim/helpers.ts';
import { skipWithout } from '../setup/require.ts';
import { testServices } from '../setup/services.ts';
import { capturingLog, ScaledClock } from './sim-engine-harness.ts';

const skip = skipWithout(missingSpotData, 'slot following on the exchange simulator');
const SPEED = 5;
const LOT_BTC = 0.00001;

let db: Pool;
let databaseUrl: string;
let modelName: string;
let v1: string;
let v2: string;
/** Params that do not parse (γ < 0). */
let vBadParams: string;
/** A V1.5 version whose ONNX artifact does not exist. */
let vBadOnnx: string;
let seq = 0;

beforeAll(async () => {
  databaseUrl = testServices().databaseUrl;
  db = createPool(databaseUrl);
  modelName = `slot-test-${process.pid}-${Date.now()}`;
  const base = { ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT };
  v1 = (await registerModelVersion(db, { name: modelName, kind: 'avellaneda-stoikov', params: base })).id;
  v2 = (
    await registerModelVersion(db, {
      name: modelName,
      kind: 'avellaneda-stoikov',
      params: { ...base, quoteSizeLots: 300, maxInventoryLots: 1500 },
    })
  ).id;
  vBadParams = (
    await registerModelVersion(db, {
      name: modelName,
      kind: 'avellaneda-stoikov',
      params: { ...base, gamma: -1 },
    })
  ).id;
  const alpha = {
    artifactPath: 'models/slot-test-missing.onnx',
    sha256: 'a'.repeat(64),
    maxShiftTicks: 1,
    weight: 1,
    intervalMs: 100,
    horizonMs: 1000,
  };
  vBadOnnx = (
    await registerModelVersion(db, {
      name: modelName,
      kind: 'avellaneda-stoikov',
      params: { ...DEFAULT_AS_V15_BTCUSDT_SPOT, alpha },
    })
  ).id;
  await setStatus(db, v1, 'champion');
});

afterAll(async () => {
  await db?.end();
});

async function newSlot(desired: DesiredState): Promise<string> {
  const id = `slot-test-${process.pid}-${seq++}`;
  const spec = {
    id,
    venue: 'binance-spot',
    account: 'paper',
    symbol: 'BTCUSDT',
    mode: 'paper',
    modelName,
  } as const;
  await createSlot(db, spec, desired, 'test', 'slot follower test');
  return id;
}

/** Polls `check` until it returns a value (not undefined), at most `deadlineMs` of wall time. */
async function until<T>(what: string, check: () => Promise<T | undefined>, deadlineMs = 30_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Lots of each order of a run, in placing order. */
async function orderLots(runId: string): Promise<number[]> {
  const r = await db.query<{ size: string }>(
    'SELECT size::text AS size FROM orders WHERE run_id = $1 ORDER BY placed_at_us, client_order_id',
    [runId],
  );
  return r.rows.map((row) => Math.round(Number(row.size) / LOT_BTC));
}

async function healthOf(url: string): Promise<{ workingOrders: number; eventsProcessed: number }> {
  const body = (await (await fetch(`${url}/healthz`)).json()) as {
    workingOrders: number;
    eventsProcessed: number;
  };
  return body;
}

interface SlotEngine {
  readonly runId: string;
  readonly httpUrl: string;
  readonly sim: ExchangeSim;
  /** The engine's log records, one JSON line each. */
  readonly lines: readonly string[];
  stop(): Promise<EngineRunSummary>;
}

/** A paper engine following `slotId` on a simulator replaying the spot session at SPEED×. */
async function startSlotEngine(slotId: string, env: Record<string, string>): Promise<SlotEngine> {
  const sim = await startExchangeSimulator({
    dataDir: DATA,
    sessions: [SPOT_SESSION],
    speed: SPEED,
    loop: false,
    port: 0,
    host: '127.0.0.1',
    accounts: [{ apiKey: 'slot', secret: 'slot-secret', balances: { BTC: 1, USDT: 100_000 } }],
    manual: true,
    limits: { weightPerMinute: 6000 * SPEED, ordersPer10s: 100 * SPEED },
  });
  const binding = await loadSlotBinding(db, slotId);
  const config = parseEngineConfig(
    { slot: slotId, dbUrl: databaseUrl, port: 0, exchangeUrl: sim.urls.http, flushIntervalMs: 100 },
    { MMFLOW_STALE_FEED_MS: '60000', ...env },
    undefined,
    binding,
  );
  const replay = sim.replays.values().next().value;
  if (replay === undefined) throw new Error('no replay');
  const stop = new AbortController();
  let info: { runId: string; httpUrl: string } | undefined;
  const { log, lines } = capturingLog();
  const run = runQuotingEngine(config, {
    db,
    log,
    clock: new ScaledClock(replay.liveStartRecvUs, SPEED),
    signal: stop.signal,
    loadAlphaModel: (a) => loadAlphaModel(a),
    onStarted: (i) => (info = i),
  });
  run.catch(() => undefined);
  const started = await until('engine start', async () => info);
  await until(
    'depth subscription',
    async () => sim.hasStreamSubscribers('spot', 'btcusdt@depth') || undefined,
  );
  sim.pacer.start();
  return {
    ...started,
    sim,
    lines,
    stop: async () => {
      stop.abort();
      try {
        return await run;
      } finally {
        await sim.close();
      }
    },
  };
}

async function applied(slotId: string, revision: number) {
  return until(`revision ${revision} applied`, async () => {
    const slot = await getSlot(db, slotId);
    return slot?.applied !== undefined && slot.applied.revision >= revision ? slot.applied : undefined;
  });
}

describe.skipIf(skip)('engine following a slot', () => {
  it('applies version, capital and risk changes announced by NOTIFY, and refuses a bad version', async () => {
    const slotId = await newSlot({ model: 'champion', capitalFraction: 1, riskState: 'active' });
    // Polling every 10 min: within this test only NOTIFY can bring a change in time.
    const engine = await startSlotEngine(slotId, { MMFLOW_SLOT_POLL_MS: '600000' });
    try {
      const a1 = await applied(slotId, 1);
      expect(a1).toMatchObject({ version: v1, capitalFraction: 1, riskState: 'active' });
      await until('v1 orders', async () =>
        (await orderLots(engine.runId)).includes(100) ? true : undefined,
      );

      const sampled = (revision: number) =>
        until(`a sample of revision ${revision}`, async () => {
          const s = await samplesBetween(db, slotId, 0, Date.now() + 1000);
          return s.some((x) => x.appliedRevision === revision) ? true : undefined;
        });
      await sampled(1);
      const set = async (d: DesiredState, reason: string) =>
        (await setDesired(db, slotId, d, { by: 'test', reason })).slot.desired.revision;
      const r2 = await set({ model: v2, capitalFraction: 1, riskState: 'active' }, 'to v2');
      expect(await applied(slotId, r2)).toMatchObject({ revision: r2, version: v2, capitalFraction: 1 });
      await until('v2 orders', async () =>
        (await orderLots(engine.runId)).includes(300) ? true : undefined,
      );

      const r3 = await set({ model: v2, capitalFraction: 0.5, riskState: 'active' }, 'half capital');
      expect(await applied(slotId, r3)).toMatchObject({ revision: r3, version: v2, capitalFraction: 0.5 });
      await until('half-size orders', async () =>
        (await orderLots(engine.runId)).includes(150) ? true : undefined,
      );

      await sampled(r3);
      // A version that does not exist: refused, recorded, quoting goes on with v2 at 0.5.
      // Bad desired states: an unknown version, params that do not parse, an ONNX model that does not
      // load. Each is refused and recorded on the row; the engine quotes on with v2 at 0.5.
      const ordersBeforeFailures = (await orderLots(engine.runId)).length;
      const failures: string[] = [];
      for (const model of [`${modelName}@99`, vBadParams, vBadOnnx]) {
        const r = await set({ model, capitalFraction: 1, riskState: 'active' }, 'bad version');
        const failure = await until(`apply error of ${model}`, async () => {
          const e = await getSlotApplyError(db, slotId);
          return e !== undefined && e.revision === r ? e : undefined;
        });
        failures.push(failure.error);
      }
      expect(failures[0]).toMatch(/^MODEL_NOT_FOUND: /);
      expect(failures[1]).toMatch(/^ModelParamsError: .*gamma/);
      expect(failures[2]).not.toBe('');
      const ordersAtFailure = (await orderLots(engine.runId)).length;
      await until('quoting after the failure', async () =>
        (await orderLots(engine.runId)).length > ordersAtFailure + 4 ? true : undefined,
      );
      const afterFailure = (await orderLots(engine.runId)).slice(ordersBeforeFailures);
      expect(new Set(afterFailure)).toEqual(new Set([150]));
      expect((await getSlot(db, slotId))?.applied).toMatchObject({ revision: r3, version: v2 });

      // A halt naming the version whose ONNX model does not load: a halt never loads the model, so it
      // is applied at once with v2 (the current model) and no apply error is recorded for it.
      const r5 = await set({ model: vBadOnnx, capitalFraction: 0.5, riskState: 'halted' }, 'halt');
      expect(await applied(slotId, r5)).toMatchObject({ revision: r5, version: v2, riskState: 'halted' });
      await until('no working orders', async () =>
        (await healthOf(engine.httpUrl)).workingOrders === 0 ? true : undefined,
      );
      expect((await getSlotApplyError(db, slotId))?.revision).toBeLessThan(r5);

      const metrics = await (await fetch(`${engine.httpUrl}/metrics`)).text();
      const pauses = /mmflow_engine_slot_swap_pause_us_count\{[^}]*\} (\d+)/.exec(metrics);
      expect(Number(pauses?.[1])).toBeGreaterThanOrEqual(2); // v1→v2 and the 0.5 rescale
      expect(metrics).toMatch(/mmflow_engine_slot_apply_failures_total\{[^}]*\} 3\b/);

      // Two more seconds of samples while halted.
      const haltedAt = Date.now();
      await until('samples while halted', async () => {
        const s = await samplesBetween(db, slotId, haltedAt + 1000, Date.now() + 1000);
        return s.length >= 1 ? s : undefined;
      });
      const summary = await engine.stop();
      expect(summary.workingOrdersAtEnd).toBe(0);

      // Orders by size come in runs, never back: every 100 before every 300 before every 150.
      const lots = await orderLots(engine.runId);
      const order = [100, 300, 150];
      const ranks = lots.map((l) => order.indexOf(l));
      expect(ranks.every((r) => r >= 0)).toBe(true);
      expect(ranks.every((r, i) => i === 0 || r >= (ranks[i - 1] ?? 0))).toBe(true);

      const samples = await samplesBetween(db, slotId, 0, Date.now() + 1000);
      expect(samples.length).toBeGreaterThanOrEqual(3);
      for (let i = 1; i < samples.length; i++) {
        const [prev, cur] = [samples[i - 1], samples[i]];
        expect(cur?.quotesPlaced).toBeGreaterThanOrEqual(prev?.quotesPlaced ?? 0);
        expect(cur?.fills).toBeGreaterThanOrEqual(prev?.fills ?? 0);
      }
      const last = samples.at(-1);
      expect(last).toMatchObject({
        appliedRevision: r5,
        appliedVersion: v2,
        capitalFraction: 0,
        workingOrders: 0,
      });
      expect(samples.some((s) => s.appliedVersion === v1 && s.capitalFraction === 1)).toBe(true);
      expect(samples.some((s) => s.appliedVersion === v2 && s.capitalFraction === 0.5)).toBe(true);
    } finally {
      await engine.stop().catch(() => undefined);
    }
  });

  it('follows by polling alone when LISTEN is off', async () => {
    const slotId = await newSlot({ model: 'champion', capitalFraction: 0.5, riskState: 'active' });
    const engine = await startSlotEngine(slotId, { MMFLOW_SLOT_LISTEN: '0', MMFLOW_SLOT_POLL_MS: '200' });
    try {
      expect(await applied(slotId, 1)).toMatchObject({ version: v1, capitalFraction: 0.5 });
      await until('v1 half-size orders', async () =>
        (await orderLots(engine.runId)).includes(50) ? true : undefined,
      );
      const { slot } = await setDesired(
        db,
        slotId,
        { model: v2, capitalFraction: 0.01, riskState: 'active' },
        { by: 'test', reason: 'canary step' },
      );
      expect(await applied(slotId, slot.desired.revision)).toMatchObject({
        version: v2,
        capitalFraction: 0.01,
      });
      // 1 % of 300 lots = 3 lots.
      await until('1 % orders', async () => ((await orderLots(engine.runId)).includes(3) ? true : undefined));

      // No challenger: an active state naming it means "nothing to quote" (issue 14 review: it used to
      // fail with SLOT_ALIAS_EMPTY): halted with v2, acknowledged halted at fraction 0, no apply error.
      const set = async (d: DesiredState) =>
        (await setDesired(db, slotId, d, { by: 'test', reason: 'alias' })).slot.desired.revision;
      const empty = await set({ model: 'challenger', capitalFraction: 1, riskState: 'active' });
      expect(await applied(slotId, empty)).toMatchObject({
        version: v2,
        riskState: 'halted',
        capitalFraction: 0,
      });
      await until('alias empty: no working orders', async () =>
        (await healthOf(engine.httpUrl)).workingOrders === 0 ? true : undefined,
      );
      expect(await getSlotApplyError(db, slotId)).toBeUndefined();
      const halt = await set({ model: 'challenger', capitalFraction: 1, riskState: 'halted' });
      expect(await applied(slotId, halt)).toMatchObject({
        version: v2,
        riskState: 'halted',
        capitalFraction: 1,
      });
      await until('halted: no working orders', async () =>
        (await healthOf(engine.httpUrl)).workingOrders === 0 ? true : undefined,
      );
      // Capital 0 while active: no quotes either; then back to 1 % quotes again.
      const zero = await set({ model: v2, capitalFraction: 0, riskState: 'active' });
      expect(await applied(slotId, zero)).toMatchObject({
        version: v2,
        riskState: 'active',
        capitalFraction: 0,
      });
      const ordersAtZero = (await orderLots(engine.runId)).length;
      const again = await set({ model: v2, capitalFraction: 0.01, riskState: 'active' });
      await applied(slotId, again);
      await until('quoting again', async () =>
        (await orderLots(engine.runId)).length > ordersAtZero ? true : undefined,
      );
      expect(new Set((await orderLots(engine.runId)).slice(ordersAtZero))).toEqual(new Set([3]));
    } finally {
      await engine.stop();
    }
  });
});

describe('SlotFollower', () => {
  it('signals on NOTIFY, reconnects after its connection is killed, and polls', async () => {
    const slotId = await newSlot({ model: 'champion', capitalFraction: 1, riskState: 'active' });
    const signals: string[] = [];
    const follower = new SlotFollower({
      databaseUrl,
      slotId,
      pollMs: 600_000,
      listen: true,
      log: silentLog,
      onSignal: (s) => signals.push(s),
    });
    await follower.start();
    try {
      expect(signals).toEqual(['connect']);
      await setDesired(
        db,
        slotId,
        { model: v2, capitalFraction: 1, riskState: 'active' },
        { by: 't', reason: 'r' },
      );
      await until('notify', async () => (signals.includes('notify') ? true : undefined));
      expect(follower.counters.notifications).toBe(1);
      // Another slot's change is not ours.
      const other = await newSlot({ model: 'champion', capitalFraction: 1, riskState: 'active' });
      await setDesired(
        db,
        other,
        { model: v2, capitalFraction: 1, riskState: 'active' },
        { by: 't', reason: 'r' },
      );

      await db.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN mmflow_deployments' AND pid <> pg_backend_pid()",
      );
      await until('reconnect', async () => (follower.counters.connects === 2 ? true : undefined));
      await setDesired(
        db,
        slotId,
        { model: v1, capitalFraction: 1, riskState: 'active' },
        { by: 't', reason: 'r' },
      );
      await until('notify after reconnect', async () =>
        follower.counters.notifications === 2 ? true : undefined,
      );
      expect(signals.filter((s) => s === 'notify')).toHaveLength(2);
    } finally {
      await follower.stop();
    }

    const polled: string[] = [];
    const poller = new SlotFollower({
      databaseUrl,
      slotId,
      pollMs: 50,
      listen: false,
      log: silentLog,
      onSignal: (s) => polled.push(s),
    });
    await poller.start();
    await until('polls', async () => (polled.length >= 3 ? true : undefined));
    await poller.stop();
    expect(new Set(polled)).toEqual(new Set(['poll']));
    expect(poller.counters.notifications).toBe(0);
  });
});
