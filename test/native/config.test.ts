import { describe, expect, it } from 'vitest';
import { ConfigError, parseEngineConfig, type EngineCliOptions } from '../../native/config.ts';
import { redactSecrets, Secret } from '../../native/secret.ts';
import { inspect } from 'node:util';

const DB = 'postgres://u:p@127.0.0.1:5432/mmflow';
const SESSION = 'binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z';
const replayCli: EngineCliOptions = { mode: 'replay', session: SESSION, model: '7', dbUrl: DB };

/** Runs `fn`, returns what it threw (fails the test if it did not throw a ConfigError). */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('parseEngineConfig', () => {
  it('parses a replay config with defaults and CLI strings coerced', () => {
    const c = parseEngineConfig({ ...replayCli, port: '0', pace: 'recorded', orderLatencyUs: '2500' }, {});
    expect(c).toMatchObject({
      mode: 'replay',
      session: SESSION,
      modelVersionId: '7',
      pace: 'recorded',
      httpPort: 0,
      httpHost: '127.0.0.1',
      orderLatencyUs: 2500,
      cancelLatencyUs: 0,
      flushIntervalMs: 1000,
      databaseUrl: DB,
      credentials: undefined,
    });
    expect(c.dataDir.endsWith('/shared/data')).toBe(true);
  });

  it('takes values from the environment, the CLI winning', () => {
    const env = {
      MMFLOW_MODE: 'replay',
      MMFLOW_SESSION: SESSION,
      MMFLOW_MODEL: '3',
      DATABASE_URL: DB,
      MMFLOW_PACE: 'recorded',
    };
    const c = parseEngineConfig({ pace: 'fast' }, env);
    expect([c.modelVersionId, c.pace, c.databaseUrl]).toEqual(['3', 'fast', DB]);
  });

  it.each([
    [{ ...replayCli, pace: 'slow' }, 'pace'],
    [{ ...replayCli, port: '70000' }, 'httpPort'],
    [{ ...replayCli, port: 'abc' }, 'httpPort'],
    [{ ...replayCli, mode: 'yolo' }, 'mode'],
    [{ ...replayCli, model: undefined }, 'modelVersionId'],
    [{ ...replayCli, dbUrl: 'mysql://x' }, 'databaseUrl'],
    [{ ...replayCli, flushIntervalMs: '1' }, 'flushIntervalMs'],
    [{ ...replayCli, orderLatencyUs: '-5' }, 'orderLatencyUs'],
    [{ ...replayCli, session: undefined }, 'session'],
    [{ mode: 'paper', model: '1', dbUrl: DB, symbol: 'BTCUSDT' }, 'venue'],
    [{ mode: 'paper', model: '1', dbUrl: DB, venue: 'binance-spot' }, 'symbol'],
    [{ mode: 'paper', model: '1', dbUrl: DB, venue: 'kraken', symbol: 'BTCUSDT' }, 'venue'],
  ] satisfies Array<[EngineCliOptions, string]>)('names the bad field (%j → %s)', (cli, field) => {
    const err = configError(() => parseEngineConfig(cli, {}));
    expect(err.details?.['field']).toBe(field);
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain(`"${field}"`);
  });

  it('reads MMFLOW_FAST_TOUCH (default off) and names it when invalid', () => {
    expect(parseEngineConfig(replayCli, {}).fastTouch).toBe(false);
    expect(parseEngineConfig(replayCli, { MMFLOW_FAST_TOUCH: '1' }).fastTouch).toBe(true);
    expect(parseEngineConfig(replayCli, { MMFLOW_FAST_TOUCH: 'false' }).fastTouch).toBe(false);
    const err = configError(() => parseEngineConfig(replayCli, { MMFLOW_FAST_TOUCH: 'yes' }));
    expect(err.details?.['field']).toBe('fastTouch');
    expect(err.message).toContain('MMFLOW_FAST_TOUCH');
  });

  it('reads MMFLOW_FEE_TIER (default: the venue default) and names it when malformed', () => {
    expect(parseEngineConfig(replayCli, {}).feeTier).toBeUndefined();
    expect(parseEngineConfig(replayCli, { MMFLOW_FEE_TIER: 'mm3' }).feeTier).toBe('mm3');
    const err = configError(() => parseEngineConfig(replayCli, { MMFLOW_FEE_TIER: 'VIP 3' }));
    expect(err.details?.['field']).toBe('feeTier');
    expect(err.message).toContain('MMFLOW_FEE_TIER');
  });

  describe('live mode credentials', () => {
    const liveCli: EngineCliOptions = {
      mode: 'live',
      model: '1',
      dbUrl: DB,
      venue: 'binance-spot',
      symbol: 'BTCUSDT',
    };
    const KEY = 'AKIAkey-0123456789';
    const SECRET = 'zzTopSecretValue987';

    it('refuses live without credentials', () => {
      const err = configError(() => parseEngineConfig(liveCli, {}));
      expect(err.details?.['field']).toBe('apiKey');
      expect(err.message).toContain('MMFLOW_API_KEY');
    });

    it('refuses live with a key but no secret, without quoting the key', () => {
      const err = configError(() => parseEngineConfig(liveCli, { MMFLOW_API_KEY: KEY }));
      expect(err.details?.['field']).toBe('apiSecret');
      expect(JSON.stringify({ m: err.message, d: err.details, s: err.stack })).not.toContain(KEY);
    });

    it('refuses both a variable and a file for one credential', () => {
      const env = { MMFLOW_API_KEY: KEY, MMFLOW_API_KEY_FILE: '/run/secrets/k', MMFLOW_API_SECRET: SECRET };
      const err = configError(() => parseEngineConfig(liveCli, env, () => KEY));
      expect(err.details?.['field']).toBe('apiKey');
      expect(err.message).not.toContain(KEY);
      expect(err.message).not.toContain(SECRET);
    });

    it('reports an unreadable credential file by path and errno, never content', () => {
      const env = { MMFLOW_API_KEY: KEY, MMFLOW_API_SECRET_FILE: '/nonexistent/secret' };
      const err = configError(() => parseEngineConfig(liveCli, env));
      expect(err.details?.['field']).toBe('apiSecret');
      expect(err.message).toContain('/nonexistent/secret');
      expect(err.message).toContain('ENOENT');
      expect(err.message).not.toContain(KEY);
    });

    it('reads credentials from env and files and never prints them', () => {
      const env = { MMFLOW_API_KEY: KEY, MMFLOW_API_SECRET_FILE: '/run/secrets/s' };
      const c = parseEngineConfig(liveCli, env, (path) => (path === '/run/secrets/s' ? `${SECRET}\n` : ''));
      expect(c.credentials?.apiKey.reveal()).toBe(KEY);
      expect(c.credentials?.apiSecret.reveal()).toBe(SECRET);
      const printed = [JSON.stringify(c), inspect(c, { depth: 10 }), `${String(c.credentials?.apiKey)}`].join(
        '\n',
      );
      expect(printed).not.toContain(KEY);
      expect(printed).not.toContain(SECRET);
      expect(printed).toContain('[redacted]');
    });

    it('refuses an empty credential file', () => {
      const env = { MMFLOW_API_KEY_FILE: '/k', MMFLOW_API_SECRET: SECRET };
      const err = configError(() => parseEngineConfig(liveCli, env, () => '  \n'));
      expect(err.details?.['field']).toBe('apiKey');
      expect(err.message).not.toContain(SECRET);
    });
  });
});

describe('redactSecrets', () => {
  it('scrubs secrets and request signatures', () => {
    const s = new Secret('s3cr3t');
    const text = 'GET https://api.example/order?x=1&signature=abcdef0123 failed for s3cr3t';
    expect(redactSecrets(text, [s])).toBe(
      'GET https://api.example/order?x=1&signature=[redacted] failed for [redacted]',
    );
  });
});
