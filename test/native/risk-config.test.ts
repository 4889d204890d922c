import { describe, expect, it } from 'vitest';
import { ConfigError, parseEngineConfig } from '../../native/config.ts';

const BASE = { mode: 'replay', session: 's', model: '1', dbUrl: 'postgres://x/y' };

describe('engine config: risk', () => {
  it('defaults: engine id from mode and session, no limits (self-trade guard only), no kill token, 1 s poll', () => {
    const c = parseEngineConfig(BASE, {});
    expect(c.engineId).toBe('replay:s');
    expect(c.riskLimits).toEqual({ selfTradeGuard: true });
    expect(c.killToken).toBeUndefined();
    expect(c.killPollMs).toBe(1000);
  });

  it('reads limits from MMFLOW_RISK_LIMITS or a file, and names the bad field', () => {
    const c = parseEngineConfig(BASE, {
      MMFLOW_RISK_LIMITS: '{"maxInventoryLots": 5, "ackLatency": {"p99LimitMs": 200, "windowMs": 60000}}',
    });
    expect(c.riskLimits.maxInventoryLots).toBe(5);
    expect(c.riskLimits.ackLatency).toEqual({ p99LimitMs: 200, windowMs: 60000, minSamples: 20 });
    const f = parseEngineConfig(
      BASE,
      { MMFLOW_RISK_LIMITS_FILE: '/etc/risk.json' },
      () => '{"maxDrawdownQuote": 50}',
    );
    expect(f.riskLimits.maxDrawdownQuote).toBe(50);
    expect(() => parseEngineConfig(BASE, { MMFLOW_RISK_LIMITS: '{"maxOpenOrders": 0}' })).toThrow(
      /maxOpenOrders/,
    );
    expect(() => parseEngineConfig(BASE, { MMFLOW_RISK_LIMITS: 'nope' })).toThrow(ConfigError);
    expect(() => parseEngineConfig(BASE, { MMFLOW_RISK_LIMITS: '{}', MMFLOW_RISK_LIMITS_FILE: 'x' })).toThrow(
      /not both/,
    );
  });

  it('reads the kill token from the environment or a file, and never prints it', () => {
    const token = 'sixteen-chars-or-more';
    const c = parseEngineConfig(BASE, { MMFLOW_KILL_TOKEN: token, MMFLOW_ENGINE_ID: 'eng-1' });
    expect(c.killToken?.reveal()).toBe(token);
    expect(JSON.stringify(c)).not.toContain(token);
    expect(c.engineId).toBe('eng-1');
    const f = parseEngineConfig(BASE, { MMFLOW_KILL_TOKEN_FILE: '/run/secrets/kill' }, () => `${token}\n`);
    expect(f.killToken?.reveal()).toBe(token);
    let err: unknown;
    try {
      parseEngineConfig(BASE, { MMFLOW_KILL_TOKEN: 'short' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(String(err)).not.toContain('short');
    expect(() => parseEngineConfig(BASE, { MMFLOW_ENGINE_ID: 'bad id' })).toThrow(/MMFLOW_ENGINE_ID/);
  });
});
