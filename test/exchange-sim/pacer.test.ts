// The pacer streams each recorded line at start + (recv − recv_first) / speed on the wall clock, and
// with `loop` starts a new pass at the end (fake timers and an injected clock: no real waiting).
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { instrumentForSession } from '../../venues/instruments.ts';
import { listSessions } from '../../venues/binance/recorded.ts';
import { Pacer } from '../../exchange-sim/pacer.ts';
import { loadFeed, type FeedEvent } from '../../exchange-sim/recorded-feed.ts';
import { SymbolReplay } from '../../exchange-sim/symbol-replay.ts';
import { skipWithout } from '../setup/require.ts';
import { DATA, missingSpotData, SPOT_SESSION } from './helpers.ts';

const skip = skipWithout(missingSpotData, 'exchange-sim pacer');

describe.skipIf(skip)('pacer', () => {
  let feed: FeedEvent[];
  let replay: () => SymbolReplay;

  beforeAll(async () => {
    const session = listSessions(DATA).find((s) => s.prefix === SPOT_SESSION);
    if (session === undefined) throw new Error('session missing');
    const instrument = instrumentForSession(session);
    feed = await loadFeed(session, instrument);
    replay = () => new SymbolReplay(instrument, 'spot', feed);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('at speed 10, one wall second streams the next ten recorded seconds, no more', () => {
    vi.useFakeTimers();
    let now = 5_000;
    const r = replay();
    const origin = r.liveStartRecvUs;
    const pacer = new Pacer([r], { speed: 10, loop: false, nowMs: () => now });
    pacer.start();
    expect(r.nextRecvUs).toBeGreaterThan(origin); // the lines stamped at the origin went at once
    now += 1000;
    vi.advanceTimersByTime(1000);
    const next = r.nextRecvUs ?? 0;
    expect(next).toBeGreaterThan(origin + 10_000_000);
    // Every line still pending is due later than the wall clock: nothing held back.
    const pendingStepped = feed.filter((f) => f.recvUs > origin + 10_000_000 && f.recvUs < next);
    expect(pendingStepped).toEqual([]);
    pacer.stop();
  });

  it('with loop, a pass that ends starts again (ids shifted); without, the pacer finishes', () => {
    vi.useFakeTimers();
    let now = 0;
    const looping = replay();
    const once = replay();
    const a = new Pacer([looping], { speed: 1e6, loop: true, nowMs: () => now });
    const b = new Pacer([once], { speed: 1e6, loop: false, nowMs: () => now });
    a.start();
    b.start();
    for (let i = 0; i < 200 && (looping.loops === 0 || !b.finished); i++) {
      now += 100;
      vi.advanceTimersByTime(100);
    }
    expect(looping.loops).toBeGreaterThanOrEqual(1);
    expect(b.finished).toBe(true);
    expect(once.nextRecvUs).toBeUndefined();
    a.stop();
    b.stop();
  });
});
