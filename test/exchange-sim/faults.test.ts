// The fault injector and the admin endpoint offline: fault specs parsed (bad fields named), depth
// drop / duplicate / reorder on a message sequence, stale-feed expiry on an injected clock, REST
// failures, rejects, ack delays, clock skew, disconnect selection, and the admin handler (403 off
// loopback, 400 naming the field).
import { describe, expect, it } from 'vitest';
import { handleAdminRequest, isLoopback, type AdminContext } from '../../exchange-sim/admin-api.ts';
import { FaultSpecError, parseFaultJson } from '../../exchange-sim/fault-spec.ts';
import { FaultInjector, type TrackedConnection } from '../../exchange-sim/faults.ts';
import type { ApiRequest } from '../../exchange-sim/http-types.ts';
import type { StreamMessage } from '../../exchange-sim/symbol-replay.ts';

/** Depth diffs with contiguous ids: message i has U = 10i + 1, u = 10i + 10. */
function diff(i: number): StreamMessage {
  return { stream: 'btcusdt@depth', payload: { e: 'depthUpdate', U: 10 * i + 1, u: 10 * i + 10 } };
}
const trade = (t: number): StreamMessage => ({ stream: 'btcusdt@trade', payload: { e: 'trade', t } });

/** Publishes messages 0..n-1 through the injector's spot BTCUSDT sink; @returns the `u` (or `t`) sent. */
function run(f: FaultInjector, msgs: readonly StreamMessage[], symbol = 'BTCUSDT'): number[] {
  const out: number[] = [];
  const sink = f.marketSink('spot', symbol, (m) => out.push(Number(m.payload['u'] ?? m.payload['t'])));
  for (const m of msgs) sink(m);
  return out;
}
const diffs = (n: number): StreamMessage[] => Array.from({ length: n }, (_, i) => diff(i));

describe('fault specs', () => {
  it('parses each fault and names the bad field', () => {
    expect(parseFaultJson('{"fault":"depth","drop":3}', 't')).toEqual({ fault: 'depth', drop: 3 });
    expect(parseFaultJson('{"fault":"clockSkew","ms":-2500}', 't')).toEqual({
      fault: 'clockSkew',
      ms: -2500,
    });
    const field = (text: string): string => {
      try {
        parseFaultJson(text, 't');
      } catch (err) {
        if (err instanceof FaultSpecError) return err.field;
      }
      return '(no error)';
    };
    expect(field('{"fault":"depth","drop":"x"}')).toBe('drop');
    expect(field('{"fault":"depth"}')).toBe('drop');
    expect(field('{"fault":"nope"}')).toBe('fault');
    expect(field('{"fault":"failRest","status":404,"count":1}')).toBe('status');
    expect(field('{"fault":"failRest","status":500}')).toBe('count');
    expect(field('{"fault":"staleFeed","ms":10,"speed":2}')).toBe('speed');
    expect(field('not json')).toBe('body');
  });
});

describe('fault injector', () => {
  it('passes messages through untouched with no fault', () => {
    expect(run(new FaultInjector(), diffs(4))).toEqual([10, 20, 30, 40]);
  });

  it('drops the next n depth diffs, leaving a U/u gap; other streams pass', () => {
    const f = new FaultInjector();
    f.depth({ drop: 2 });
    expect(run(f, [diff(0), trade(7), diff(1), diff(2), diff(3)])).toEqual([7, 30, 40]);
    expect(f.status().applied.depthDropped).toBe(2);
    expect(f.status().pending.depthDrop).toBe(0);
  });

  it('duplicates, then swaps adjacent pairs, in that order within one request', () => {
    const f = new FaultInjector();
    f.depth({ duplicate: 1, reorder: 2 });
    // 0 twice; (1,2) → 2,1; (3,4) → 4,3; 5 untouched.
    expect(run(f, diffs(6))).toEqual([10, 10, 30, 20, 50, 40, 60]);
    expect(f.status().applied).toMatchObject({ depthDuplicated: 1, depthReordered: 2 });
  });

  it('a depth fault is not used up while nobody subscribes to the stream', () => {
    const f = new FaultInjector();
    f.depth({ drop: 1 });
    let subscribed = false;
    const out: number[] = [];
    const sink = f.marketSink(
      'spot',
      'BTCUSDT',
      (m) => out.push(Number(m.payload['u'])),
      () => subscribed,
    );
    sink(diff(0));
    expect(f.status().pending.depthDrop).toBe(1);
    subscribed = true;
    sink(diff(1));
    sink(diff(2));
    expect(out).toEqual([10, 30]);
  });

  it('a depth fault of another symbol or market does not apply', () => {
    const f = new FaultInjector();
    f.depth({ drop: 1, symbol: 'ethusdt' });
    f.depth({ drop: 1, market: 'usdm' });
    expect(run(f, diffs(2))).toEqual([10, 20]);
    expect(run(f, diffs(2), 'ETHUSDT')).toEqual([20]);
  });

  it('stale feed: nothing of the market is sent until the period ends (injected clock)', () => {
    let now = 1_000;
    const f = new FaultInjector(() => now);
    f.staleFeed({ ms: 500 });
    expect(run(f, [diff(0), trade(1)])).toEqual([]);
    now = 1_499;
    expect(run(f, [diff(1)])).toEqual([]);
    expect(f.status().pending.staleMsLeft).toBe(1);
    now = 1_500;
    expect(run(f, [diff(2), trade(3)])).toEqual([30, 3]);
    expect(f.status().applied.staleDropped).toBe(3);
  });

  it('REST failures: count, path prefix and the venue bodies', () => {
    const f = new FaultInjector();
    f.failRest({ status: 500, count: 1, pathPrefix: '/api/v3/order' });
    f.failRest({ status: 429, count: 1, retryAfterSec: 7 });
    expect(f.takeRestFailure('/api/v3/order')).toEqual({
      status: 500,
      body: { code: -1000, msg: 'An unknown error occured while processing the request.' },
    });
    const limited = f.takeRestFailure('/api/v3/time');
    expect(limited?.status).toBe(429);
    expect(limited?.headers).toEqual({ 'Retry-After': '7' });
    expect((limited?.body as { code: number }).code).toBe(-1003);
    expect(f.takeRestFailure('/api/v3/order')).toBeUndefined();
    f.failRest({ status: 502, count: 1, body: 'gateway' });
    expect(f.takeRestFailure('/fapi/v1/time')).toMatchObject({ status: 502, body: undefined });
    expect(f.status().applied.restFailed).toBe(3);
  });

  it('rejects the next orders with -2010 (spot) or -2019 (USDⓈ-M) or the given code', () => {
    const f = new FaultInjector();
    f.rejectOrders({ count: 2 });
    f.rejectOrders({ count: 1, code: -1013, msg: 'Filter failure: PRICE_FILTER' });
    expect(f.takeReject('spot')?.body()).toEqual({
      code: -2010,
      msg: 'Account has insufficient balance for requested action.',
    });
    expect(f.takeReject('usdm')?.body()).toEqual({ code: -2019, msg: 'Margin is insufficient.' });
    expect(f.takeReject('spot')?.body()).toEqual({ code: -1013, msg: 'Filter failure: PRICE_FILTER' });
    expect(f.takeReject('spot')).toBeUndefined();
  });

  it('delays order acknowledgements only, count-limited', () => {
    const f = new FaultInjector();
    f.delayAcks({ ms: 250, count: 2 });
    expect(f.ackDelay('GET', '/api/v3/order')).toBeUndefined();
    expect(f.ackDelay('POST', '/api/v3/order')).toEqual({ ms: 250, stage: 'answer' });
    expect(f.ackDelay('DELETE', '/fapi/v1/order')).toEqual({ ms: 250, stage: 'answer' });
    expect(f.ackDelay('POST', '/api/v3/order')).toBeUndefined();
  });

  it('clock skew shifts the server clock; clear removes every fault', () => {
    const f = new FaultInjector(() => 50_000);
    f.clockSkew({ ms: -3_000 });
    expect(f.serverNowMs()).toBe(47_000);
    f.depth({ drop: 5 });
    f.clear();
    expect(f.serverNowMs()).toBe(50_000);
    expect(run(f, diffs(1))).toEqual([10]);
    expect(f.status().pending).toMatchObject({ depthDrop: 0, restFailures: 0, rejects: 0 });
  });

  it('disconnect ends the connections of the chosen market and stream kind', () => {
    const f = new FaultInjector();
    const ended: string[] = [];
    const conn = (name: string, c: Omit<TrackedConnection, 'terminate'>): void => {
      f.trackConnection({ ...c, terminate: () => ended.push(name) });
    };
    conn('spot-market', { market: 'spot', marketStreams: true, userStreams: false });
    conn('spot-user', { market: 'spot', marketStreams: false, userStreams: true });
    conn('usdm-market', { market: 'usdm', marketStreams: true, userStreams: false });
    expect(f.disconnect({ market: 'spot', streams: 'user' })).toBe(1);
    expect(f.disconnect({ streams: 'market' })).toBe(2);
    expect(ended).toEqual(['spot-user', 'spot-market', 'usdm-market']);
    expect(f.status()).toMatchObject({ connections: 0, applied: { disconnects: 3 } });
  });
});

describe('admin endpoint handler', () => {
  const ctx = (): AdminContext => ({ faults: new FaultInjector(), ledger: () => undefined });
  const req = (method: string, path: string, body = '', clientAddress = '127.0.0.1'): ApiRequest => {
    const q = path.indexOf('?');
    return {
      method,
      path: q < 0 ? path : path.slice(0, q),
      query: q < 0 ? '' : path.slice(q + 1),
      body,
      apiKeyHeader: undefined,
      clientAddress,
    };
  };

  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.9.8.7', '::1', '::ffff:127.0.0.1'].map(isLoopback)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(['10.0.0.5', '::ffff:192.168.1.2', '', '128.0.0.1'].map(isLoopback)).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(isLoopback(undefined)).toBe(false);
  });

  it('refuses (403) a request from a non-loopback address and applies nothing', () => {
    const c = ctx();
    const a = handleAdminRequest(c, req('POST', '/admin/faults', '{"fault":"depth","drop":1}', '10.0.0.5'));
    expect(a.status).toBe(403);
    expect(c.faults.status().pending.depthDrop).toBe(0);
    expect(handleAdminRequest(c, req('GET', '/admin/ledger?apiKey=k', '', '192.168.1.2')).status).toBe(403);
  });

  it('applies a fault, reports the status, clears; a bad body is a 400 naming the field', () => {
    const c = ctx();
    const ok = handleAdminRequest(c, req('POST', '/admin/faults', '{"fault":"depth","drop":3}'));
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ pending: { depthDrop: 3 } });
    expect(handleAdminRequest(c, req('GET', '/admin/faults')).body).toMatchObject({
      pending: { depthDrop: 3 },
    });
    const bad = handleAdminRequest(c, req('POST', '/admin/faults', '{"fault":"delayAcks","ms":-1}'));
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ field: 'ms' });
    expect(handleAdminRequest(c, req('POST', '/admin/faults', '{')).body).toMatchObject({ field: 'body' });
    expect(handleAdminRequest(c, req('POST', '/admin/faults/clear')).body).toMatchObject({
      pending: { depthDrop: 0 },
    });
    expect(handleAdminRequest(c, req('GET', '/admin/ledger?market=spot')).body).toMatchObject({
      field: 'apiKey',
    });
    expect(handleAdminRequest(c, req('GET', '/admin/ledger?apiKey=k&market=coin')).body).toMatchObject({
      field: 'market',
    });
    expect(handleAdminRequest(c, req('GET', '/admin/ledger?apiKey=k')).status).toBe(404);
    expect(handleAdminRequest(c, req('DELETE', '/admin/faults')).status).toBe(404);
  });
});
