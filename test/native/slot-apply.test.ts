/**
 * SlotApplier (native/slot/slot-apply.ts) against a real registry in PostgreSQL and a fake driver that
 * records kills, resumes and swaps (the engine itself is covered by test/native/driver-swap.test.ts).
 * Issue 14 review: a halting state never loads the desired version; an empty alias halts instead of
 * failing; risk limits scale with the EFFECTIVE capital fraction.
 */
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_AS_V15_BTCUSDT_SPOT,
  DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT,
} from '../../core/quoting/model-params.ts';
import { NO_RISK_LIMITS } from '../../core/risk/risk-limits.ts';
import { createPool } from '../../db/pool.ts';
import {
  createSlot,
  getSlot,
  setDesired,
  type DesiredState,
  type Slot,
} from '../../db/repositories/deployments.ts';
import { registerModelVersion, setStatus } from '../../db/repositories/models.ts';
import { silentLog } from '../../infra/log.ts';
import type { EngineDriver } from '../../native/drivers.ts';
import { SlotApplier } from '../../native/slot/slot-apply.ts';
import { testServices } from '../setup/services.ts';

let db: Pool;
let modelName: string;
let v1: string;
/** A V1.5 version whose ONNX artifact does not exist. */
let vBadOnnx: string;
/** 1-lot quotes, drawdown 60, daily loss 120, inventory 10 lots. */
let vOneLot: string;
/** 3-lot quotes, drawdown 60. */
let vThreeLots: string;
let seq = 0;

beforeAll(async () => {
  db = createPool(testServices().databaseUrl);
  modelName = `slot-apply-test-${process.pid}-${Date.now()}`;
  const base = { ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT };
  const reg = async (params: Record<string, unknown>) =>
    (await registerModelVersion(db, { name: modelName, kind: 'avellaneda-stoikov', params })).id;
  v1 = await reg(base);
  vBadOnnx = await reg({
    ...DEFAULT_AS_V15_BTCUSDT_SPOT,
    alpha: {
      artifactPath: 'models/slot-apply-test-missing.onnx',
      sha256: 'a'.repeat(64),
      maxShiftTicks: 1,
      weight: 1,
      intervalMs: 100,
      horizonMs: 1000,
    },
  });
  vOneLot = await reg({
    ...base,
    quoteSizeLots: 1,
    maxInventoryLots: 10,
    riskLimits: { maxDrawdownQuote: 60, maxDailyLossQuote: 120, maxInventoryLots: 10 },
  });
  vThreeLots = await reg({
    ...base,
    quoteSizeLots: 3,
    maxInventoryLots: 30,
    riskLimits: { maxDrawdownQuote: 60 },
  });
  await setStatus(db, v1, 'champion');
});

afterAll(async () => {
  await db?.end();
});

interface FakeDriver {
  readonly driver: EngineDriver;
  readonly calls: string[];
  readonly swaps: Parameters<EngineDriver['swapModel']>[0][];
}

/** A driver whose engine has only what SlotApplier touches: risk.latched, kill, resume. */
function fakeDriver(): FakeDriver {
  const calls: string[] = [];
  const swaps: Parameters<EngineDriver['swapModel']>[0][] = [];
  const risk = { latched: false };
  const engine = {
    risk,
    kill: () => {
      risk.latched = true;
      calls.push('kill');
    },
    resume: () => {
      risk.latched = false;
      calls.push('resume');
    },
  };
  // A test double of the two members used; the real driver is exercised by driver-swap.test.ts.
  const driver = { engine, swapModel: (next) => swaps.push(next) } as Pick<EngineDriver, 'swapModel'> & {
    engine: typeof engine;
  };
  return { driver: driver as unknown as EngineDriver, calls, swaps };
}

async function slotWith(desired: DesiredState): Promise<Slot> {
  const spec = {
    id: `slot-apply-test-${process.pid}-${seq++}`,
    venue: 'binance-spot',
    account: 'paper',
    symbol: 'BTCUSDT',
    mode: 'paper',
    modelName,
  } as const;
  return createSlot(db, spec, desired, 'test', 'slot apply test');
}

function applierFor(slot: Slot, f: FakeDriver, loads: string[]): SlotApplier {
  return new SlotApplier({
    db,
    driver: f.driver,
    slotId: slot.id,
    mode: 'paper',
    engineRiskLimits: NO_RISK_LIMITS,
    initialVersionId: v1,
    loadAlphaModel: (a) => {
      loads.push(a.artifactPath);
      return Promise.reject(new Error(`ENOENT: ${a.artifactPath}`));
    },
    log: silentLog,
  });
}

async function change(slot: Slot, desired: DesiredState): Promise<Slot> {
  await setDesired(db, slot.id, desired, { by: 'test', reason: 'test' });
  const s = await getSlot(db, slot.id);
  if (s === undefined) throw new Error('slot vanished');
  return s;
}

describe('SlotApplier', () => {
  it('applies a halt naming a version whose ONNX file is missing, with the current model', async () => {
    const slot = await slotWith({ model: 'champion', capitalFraction: 1, riskState: 'active' });
    const f = fakeDriver();
    const loads: string[] = [];
    const a = applierFor(slot, f, loads);
    const halt = await change(slot, { model: vBadOnnx, capitalFraction: 1, riskState: 'halted' });
    const p = await a.prepare(halt);
    expect(p).toMatchObject({
      revision: 2,
      versionId: v1,
      capitalFraction: 1,
      riskState: 'halted',
      quoting: false,
      swap: undefined,
      haltOnly: true,
    });
    expect(loads).toEqual([]); // the ONNX model is never loaded for a halt
    expect(a.apply(p)).toBe(false);
    expect(f.calls).toEqual(['kill']);
    expect(f.swaps).toEqual([]);
    // Capital 0 naming the same bad version: a halt too (already latched: no second kill).
    const zero = await a.prepare(
      await change(slot, { model: vBadOnnx, capitalFraction: 0, riskState: 'active' }),
    );
    expect(zero).toMatchObject({
      revision: 3,
      versionId: v1,
      capitalFraction: 0,
      riskState: 'active',
      haltOnly: true,
    });
    a.apply(zero);
    expect(f.calls).toEqual(['kill']);
    // Back to active on v1 at full capital: nothing to swap, the slot's halt is lifted.
    const back = await a.prepare(await change(slot, { model: v1, capitalFraction: 1, riskState: 'active' }));
    expect(back).toMatchObject({ versionId: v1, quoting: true, swap: undefined, haltOnly: false });
    expect(a.apply(back)).toBe(true);
    expect(f.calls).toEqual(['kill', 'resume']);
  });

  it('halts on an empty alias and acknowledges it halted at fraction 0', async () => {
    const slot = await slotWith({ model: 'champion', capitalFraction: 1, riskState: 'active' });
    const f = fakeDriver();
    const a = applierFor(slot, f, []);
    const p = await a.prepare(
      await change(slot, { model: 'challenger', capitalFraction: 0.5, riskState: 'active' }),
    );
    expect(p).toMatchObject({
      revision: 2,
      versionId: v1,
      capitalFraction: 0,
      effectiveFraction: 0,
      riskState: 'halted',
      quoting: false,
      swap: undefined,
      haltOnly: true,
    });
    a.apply(p);
    expect(f.calls).toEqual(['kill']);
  });

  it('scales the risk limits by the effective fraction, not the desired one', async () => {
    const slot = await slotWith({ model: 'champion', capitalFraction: 1, riskState: 'active' });
    const f = fakeDriver();
    const a = applierFor(slot, f, []);
    // 1 % of a 1-lot quote is still 1 lot: effective fraction 1, the limits stay whole
    // (scaled by 0.01 they would be drawdown 0.6, daily loss 1.2, inventory max(1, ⌊0.1⌋) = 1).
    const one = await a.prepare(
      await change(slot, { model: vOneLot, capitalFraction: 0.01, riskState: 'active' }),
    );
    expect(one.effectiveFraction).toBe(1);
    expect(one.capitalFraction).toBe(0.01);
    expect(one.swap?.params).toMatchObject({ quoteSizeLots: 1, maxInventoryLots: 1 }); // max(1, ⌊10·0.01⌋)
    expect(one.swap?.riskLimits).toMatchObject({
      maxDrawdownQuote: 60,
      maxDailyLossQuote: 120,
      maxInventoryLots: 10,
    });
    a.apply(one);
    // ⌊3·0.5⌋ = 1 lot: effective 1/3, drawdown 60/3 = 20 (not 60·0.5 = 30).
    const three = await a.prepare(
      await change(slot, { model: vThreeLots, capitalFraction: 0.5, riskState: 'active' }),
    );
    expect(three.effectiveFraction).toBeCloseTo(1 / 3, 12);
    expect(three.swap?.params).toMatchObject({ quoteSizeLots: 1, maxInventoryLots: 15 });
    expect(three.swap?.riskLimits.maxDrawdownQuote).toBeCloseTo(20, 9);
  });
});
