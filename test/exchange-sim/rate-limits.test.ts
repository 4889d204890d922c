// Per-key request weights and order rates (exchange-sim/rate-limits.ts) and their 429 answers with
// Retry-After through the spot handlers.
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../exchange-sim/api-error.ts';
import { ListenKeys } from '../../exchange-sim/listen-keys.ts';
import { RateLimiter, spotWeight } from '../../exchange-sim/rate-limits.ts';
import { handleSpotRequest, type SpotContext } from '../../exchange-sim/spot-api.ts';

const T0 = 1_800_000_000_000; // a minute boundary (1.8e12 / 60000 is whole)

function thrown(f: () => unknown): ApiError {
  try {
    f();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('did not throw');
}

describe('rate limiter', () => {
  it('counts weight per key in fixed minute windows; over the limit: 429 -1003 with the seconds to the window end', () => {
    const rl = new RateLimiter({ weightPerMinute: 50, ordersPer10s: 3 });
    expect(rl.charge('a', 20, false, T0).usedWeight1m).toBe(20);
    expect(rl.charge('a', 30, false, T0 + 1000).usedWeight1m).toBe(50);
    const e = thrown(() => rl.charge('a', 1, false, T0 + 15_500));
    expect([e.status, e.code, e.retryAfterSec]).toEqual([429, -1003, 45]);
    expect(e.message).toMatch(/current limit is 50 request weight per 1 MINUTE/);
    expect(rl.charge('b', 50, false, T0 + 15_500).usedWeight1m).toBe(50); // another key: its own bucket
    expect(rl.charge('a', 1, false, T0 + 60_000).usedWeight1m).toBe(1); // next minute
  });

  it('counts new orders per 10 s: the fourth in one window is 429 -1015', () => {
    const rl = new RateLimiter({ weightPerMinute: 1000, ordersPer10s: 3 });
    for (let i = 1; i <= 3; i++) expect(rl.charge('a', 1, true, T0 + i).orderCount10s).toBe(i);
    const e = thrown(() => rl.charge('a', 1, true, T0 + 2500));
    expect([e.status, e.code, e.retryAfterSec]).toEqual([429, -1015, 8]);
    expect(rl.charge('a', 1, false, T0 + 2500).orderCount10s).toBeUndefined();
    expect(rl.charge('a', 1, true, T0 + 10_000).orderCount10s).toBe(1);
  });

  it("weighs endpoints as Binance's docs do", () => {
    const p = (q: string): URLSearchParams => new URLSearchParams(q);
    expect(spotWeight('GET', '/api/v3/depth', p('limit=100'))).toBe(5);
    expect(spotWeight('GET', '/api/v3/depth', p('limit=1000'))).toBe(50);
    expect(spotWeight('GET', '/api/v3/depth', p('limit=5000'))).toBe(250);
    expect(spotWeight('GET', '/api/v3/exchangeInfo', p(''))).toBe(20);
    expect(spotWeight('GET', '/api/v3/openOrders', p(''))).toBe(80);
    expect(spotWeight('GET', '/api/v3/openOrders', p('symbol=BTCUSDT'))).toBe(6);
    expect(spotWeight('POST', '/api/v3/order', p(''))).toBe(1);
  });

  it('the handlers answer 429 with Retry-After and report the used weight on every answer', () => {
    const ctx: SpotContext = {
      replays: new Map(),
      accounts: new Map(),
      listenKeys: new ListenKeys(),
      nowMs: () => T0 + 30_000,
      limiter: new RateLimiter({ weightPerMinute: 2, ordersPer10s: 1 }),
    };
    const ping = (key: string | undefined) =>
      handleSpotRequest(ctx, { method: 'GET', path: '/api/v3/ping', query: '', body: '', apiKeyHeader: key });
    expect(ping('k1').headers).toEqual({ 'X-MBX-USED-WEIGHT-1M': '1' });
    expect(ping('k1').headers).toEqual({ 'X-MBX-USED-WEIGHT-1M': '2' });
    const limited = ping('k1');
    expect(limited.status).toBe(429);
    expect(limited.headers).toEqual({ 'Retry-After': '30' });
    expect(limited.body).toMatchObject({ code: -1003 });
    expect(ping('k2').status).toBe(200);
    expect(ping(undefined).status).toBe(200);
  });
});
