// The reconciliation options of the engine config (native/config.ts): defaults, CLI over env, errors
// naming the field and its source.
import { describe, expect, it } from 'vitest';
import { parseEngineConfig } from '../../native/config.ts';

const live = { mode: 'live', venue: 'binance-spot', symbol: 'BTCUSDT', model: 'm1', dbUrl: 'postgres://x/y' };
const creds = { MMFLOW_API_KEY: 'k', MMFLOW_API_SECRET: 's' };

describe('reconciliation config', () => {
  it('defaults: every 5 s, foreign orders refuse the start, no spot baseline', () => {
    const c = parseEngineConfig(live, creds);
    expect([c.reconcileIntervalMs, c.ignoreForeignOrders, c.inventoryBaselineBase]).toEqual([
      5000,
      false,
      '0',
    ]);
  });

  it('CLI flags win over the environment', () => {
    const env = {
      ...creds,
      MMFLOW_RECONCILE_INTERVAL_MS: '2000',
      MMFLOW_IGNORE_FOREIGN_ORDERS: 'false',
      MMFLOW_INVENTORY_BASELINE_BASE: '2',
    };
    expect(parseEngineConfig(live, env)).toMatchObject({
      reconcileIntervalMs: 2000,
      ignoreForeignOrders: false,
      inventoryBaselineBase: '2',
    });
    const c = parseEngineConfig(
      { ...live, reconcileIntervalMs: '750', ignoreForeignOrders: true, inventoryBaselineBase: '0.5' },
      env,
    );
    expect([c.reconcileIntervalMs, c.ignoreForeignOrders, c.inventoryBaselineBase]).toEqual([
      750,
      true,
      '0.5',
    ]);
    expect(parseEngineConfig(live, { ...creds, MMFLOW_IGNORE_FOREIGN_ORDERS: '1' }).ignoreForeignOrders).toBe(
      true,
    );
  });

  it('bad values name the field and where it came from', () => {
    expect(() => parseEngineConfig({ ...live, inventoryBaselineBase: '-1' }, creds)).toThrow(
      /inventoryBaselineBase.*--inventory-baseline-base/,
    );
    expect(() => parseEngineConfig({ ...live, reconcileIntervalMs: '10' }, creds)).toThrow(
      /reconcileIntervalMs.*--reconcile-interval-ms/,
    );
    expect(() => parseEngineConfig(live, { ...creds, MMFLOW_IGNORE_FOREIGN_ORDERS: 'yes' })).toThrow(
      /ignoreForeignOrders/,
    );
  });
});
