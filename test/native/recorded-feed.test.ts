import { describe, expect, it } from 'vitest';
import type { MarketEvent, Trade } from '../../core/market-events.ts';
import { ManualClock } from '../../core/ports.ts';
import { paceEvents, ReplaySchedule, type Sleeper } from '../../native/feeds/recorded-feed.ts';

function trade(exchTimeMs: number, recvTimeUs: number, tradeId = 1): Trade {
  return { kind: 'trade', tradeId, priceTicks: 100, sizeLots: 1, aggressor: 'buy', exchTimeMs, recvTimeUs };
}

function ticker(recvTimeUs: number): MarketEvent {
  return {
    kind: 'bookTicker',
    updateId: 1,
    bidTicks: 99,
    bidLots: 1,
    askTicks: 101,
    askLots: 1,
    exchTimeMs: undefined,
    recvTimeUs,
  };
}

/** A fake sleeper that advances a manual wall clock instead of waiting, and records each sleep. */
function fakeSleeper(clock: ManualClock, sleptMs: number[]): Sleeper {
  return async (ms) => {
    sleptMs.push(ms);
    clock.advanceTo(clock.nowUs() + Math.round(ms * 1000));
  };
}

async function collect(it: AsyncIterable<MarketEvent>): Promise<MarketEvent[]> {
  const out: MarketEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

describe('ReplaySchedule', () => {
  it('uses exchange time, and receive time shifted by the last offset when there is none', () => {
    const s = new ReplaySchedule();
    // Offset recv − exch = 40 ms; a ticker received 60 ms after that trade is scheduled 20 ms after its exch time.
    expect(s.next(trade(1_000, 1_040_000))).toBe(1_000_000);
    expect(s.next(ticker(1_100_000))).toBe(1_060_000);
    expect(s.next(trade(1_080, 1_130_000))).toBe(1_080_000);
  });

  it('never goes backwards', () => {
    const s = new ReplaySchedule();
    expect(s.next(trade(2_000, 2_000_000))).toBe(2_000_000);
    expect(s.next(trade(1_990, 2_001_000))).toBe(2_000_000);
  });

  it('uses raw receive time before any exchange time is seen', () => {
    expect(new ReplaySchedule().next(ticker(5_000_000))).toBe(5_000_000);
  });
});

describe('paceEvents', () => {
  const events = [
    trade(1_000, 1_000_500, 1),
    trade(1_250, 1_250_500, 2),
    trade(1_250, 1_251_000, 3),
    trade(2_000, 2_000_100, 4),
  ];

  it('fast pace yields every event without sleeping', async () => {
    const clock = new ManualClock(0);
    const slept: number[] = [];
    const out = await collect(paceEvents(events, { pace: 'fast', clock, sleep: fakeSleeper(clock, slept) }));
    expect(out).toEqual(events);
    expect(slept).toEqual([]);
  });

  it('recorded pace reproduces the exchange-time gaps', async () => {
    const clock = new ManualClock(50_000_000);
    const slept: number[] = [];
    const out = await collect(
      paceEvents(events, { pace: 'recorded', clock, sleep: fakeSleeper(clock, slept) }),
    );
    expect(out).toEqual(events);
    expect(slept).toEqual([250, 750]); // 1000→1250 ms, the equal stamp needs none, 1250→2000 ms
    expect(clock.nowUs()).toBe(51_000_000);
  });

  it('recorded pace subtracts the time the consumer already spent', async () => {
    const clock = new ManualClock(0);
    const slept: number[] = [];
    const paced = paceEvents(events.slice(0, 2), {
      pace: 'recorded',
      clock,
      sleep: fakeSleeper(clock, slept),
    });
    for await (const _ of paced) clock.advanceTo(clock.nowUs() + 100_000); // consumer takes 100 ms per event
    expect(slept).toEqual([150]);
  });

  it('stops when the signal aborts', async () => {
    const clock = new ManualClock(0);
    const ac = new AbortController();
    const out: MarketEvent[] = [];
    for await (const e of paceEvents(events, {
      pace: 'fast',
      clock,
      sleep: fakeSleeper(clock, []),
      signal: ac.signal,
    })) {
      out.push(e);
      if (out.length === 2) ac.abort();
    }
    expect(out).toEqual(events.slice(0, 2));
  });
});
