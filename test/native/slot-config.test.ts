/**
 * `mmflow quote --slot ID` configuration (native/config.ts, native/slot/slot-config.ts): mode, venue,
 * symbol and the initial model version come from the slot's row; `--model` with a slot, an unknown
 * slot, a slot whose desired model names nothing, or a mode that contradicts the row are CONFIG_INVALID.
 */
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT } from '../../core/quoting/model-params.ts';
import { createPool } from '../../db/pool.ts';
import { createSlot, type DesiredState } from '../../db/repositories/deployments.ts';
import { registerModelVersion, setStatus } from '../../db/repositories/models.ts';
import { silentLog } from '../../infra/log.ts';
import { runQuoteCommand } from '../../native/cli.ts';
import { ConfigError, parseEngineConfig } from '../../native/config.ts';
import { loadSlotBinding } from '../../native/slot/slot-config.ts';
import { testServices } from '../setup/services.ts';

let db: Pool;
let databaseUrl: string;
let modelName: string;
let v1: string;
let seq = 0;

beforeAll(async () => {
  databaseUrl = testServices().databaseUrl;
  db = createPool(databaseUrl);
  modelName = `slot-config-test-${process.pid}-${Date.now()}`;
  const params = { ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT };
  v1 = (await registerModelVersion(db, { name: modelName, kind: 'avellaneda-stoikov', params })).id;
  await setStatus(db, v1, 'champion');
});

afterAll(async () => {
  await db?.end();
});

async function newSlot(desired: DesiredState): Promise<string> {
  const id = `slot-config-test-${process.pid}-${seq++}`;
  const spec = {
    id,
    venue: 'binance-spot',
    account: 'paper',
    symbol: 'BTCUSDT',
    mode: 'paper',
    modelName,
  } as const;
  await createSlot(db, spec, desired, 'test', 'slot config test');
  return id;
}

describe('slot configuration', () => {
  it('takes mode, venue, symbol and model from the slot, and refuses what contradicts it', async () => {
    const slotId = await newSlot({ model: 'champion', capitalFraction: 0.25, riskState: 'active' });
    const binding = await loadSlotBinding(db, slotId);
    expect(binding).toEqual({
      slotId,
      mode: 'paper',
      venue: 'binance-spot',
      symbol: 'BTCUSDT',
      modelVersionId: v1,
    });
    const config = parseEngineConfig({ slot: slotId, dbUrl: databaseUrl }, {}, undefined, binding);
    expect(config).toMatchObject({
      slot: slotId,
      mode: 'paper',
      venue: 'binance-spot',
      symbol: 'BTCUSDT',
      modelVersionId: v1,
      engineId: `slot:${slotId}`,
      slotPollMs: 1000,
      slotListen: true,
    });
    const invalid = (f: () => unknown, field: string) => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        expect(err).toMatchObject({ code: 'CONFIG_INVALID', details: { field } });
        return;
      }
      throw new Error(`expected CONFIG_INVALID on ${field}`);
    };
    invalid(
      () => parseEngineConfig({ slot: slotId, model: v1, dbUrl: databaseUrl }, {}, undefined, binding),
      'modelVersionId',
    );
    invalid(() => parseEngineConfig({ slot: slotId, dbUrl: databaseUrl }, {}), 'slot');
    invalid(
      () => parseEngineConfig({ slot: slotId, mode: 'live', dbUrl: databaseUrl }, {}, undefined, binding),
      'mode',
    );
    invalid(
      () =>
        parseEngineConfig(
          { slot: slotId, dbUrl: databaseUrl },
          { MMFLOW_SLOT_POLL_MS: '10' },
          undefined,
          binding,
        ),
      'slotPollMs',
    );
    await expect(loadSlotBinding(db, 'no-such-slot')).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      details: { field: 'slot' },
    });
    const orphan = await newSlot({ model: 'challenger', capitalFraction: 1, riskState: 'active' });
    await expect(loadSlotBinding(db, orphan)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      details: { field: 'slot' },
    });

    // `mmflow quote --slot` with an unknown slot: exit code 2 (bad config), nothing printed.
    const out: string[] = [];
    const code = await runQuoteCommand(
      { slot: 'no-such-slot', dbUrl: databaseUrl },
      { env: {}, stdout: (l) => out.push(l), log: silentLog, onSignals: () => () => undefined },
    );
    expect(code).toBe(2);
    expect(out).toEqual([]);
  });
});
