import { describe, expect, it } from 'vitest';
import { depthLevel, takerArrivals } from '../../../core/calibration/arrivals.ts';
import { BookTimeline } from '../../../core/calibration/book-timeline.ts';
import { StreamBuilder } from '../dataset/stream-builder.ts';

const T0 = 1_700_000_000_000;

describe('depthLevel (half-ticks rounded up to whole ticks)', () => {
  it('bins the touch of one- and two-tick spreads at level 1', () => {
    expect([1, 2, 3, 4, 5, 0, -1, -2].map(depthLevel)).toEqual([1, 1, 2, 2, 3, 0, 0, -1]);
    expect(Object.is(depthLevel(-1), 0)).toBe(true); // −0 normalised
  });
});

describe('BookTimeline', () => {
  const b = new StreamBuilder()
    .snapshot(T0, 1000, 1001) // mid 1000.5
    .diff(
      T0 + 10,
      [],
      [
        [1001, 0],
        [1003, 5],
      ],
    ) // ask 1003: mid 1001.5
    .diff(T0 + 20, [[1002, 1]], []); // bid 1002: mid 1002.5
  const timeline = BookTimeline.fromEvents(b.events, 'usdm');

  it('reads the mid strictly before, or at, a time', () => {
    expect(timeline.length).toBe(3);
    expect(timeline.mid2Before(T0)).toBeUndefined();
    expect(timeline.mid2At(T0)).toBe(2001);
    expect(timeline.mid2Before(T0 + 10)).toBe(2001);
    expect(timeline.mid2At(T0 + 10)).toBe(2003);
    expect(timeline.mid2Before(T0 + 15)).toBe(2003);
    expect(timeline.mid2Before(T0 + 10_000)).toBe(2005);
  });

  it('has no mid while the book is not synced', () => {
    const out = new StreamBuilder().diff(T0, [[1000, 1]], []).snapshot(T0 + 5, 1000, 1001);
    const tl = BookTimeline.fromEvents(out.events, 'usdm');
    expect(tl.mid2At(T0)).toBeUndefined();
    expect(tl.mid2At(T0 + 5)).toBe(2001);
  });
});

describe('takerArrivals', () => {
  it('groups prints of one side and millisecond, measuring the deepest against the mid before', () => {
    const b = new StreamBuilder().snapshot(T0, 1000, 1001); // mid 1000.5
    b.trade(T0 + 1, 1001, 'buy')
      .trade(T0 + 1, 1002, 'buy')
      .trade(T0 + 1, 1003, 'buy'); // one sweep to +2.5
    b.trade(T0 + 1, 1000, 'sell'); // same ms, other side: a new arrival at 0.5
    b.diff(
      T0 + 2,
      [
        [1000, 0],
        [999, 1],
      ],
      [],
    ); // bid 999, mid 1000: not "before" trades of its millisecond
    b.trade(T0 + 2, 999, 'sell').trade(T0 + 2, 998, 'sell'); // sells 1.5 and 2.5 below the mid
    b.trade(T0 + 3, 1001, 'buy').trade(T0 + 3, 1001, 'buy'); // now against mid 1000: 1 tick
    const arrivals = takerArrivals(b.events, BookTimeline.fromEvents(b.events, 'usdm'));
    expect(arrivals).toEqual([
      { timeMs: T0 + 1, aggressor: 'buy', prints: 3, depthHalfTicks: 5 },
      { timeMs: T0 + 1, aggressor: 'sell', prints: 1, depthHalfTicks: 1 },
      { timeMs: T0 + 2, aggressor: 'sell', prints: 2, depthHalfTicks: 5 },
      { timeMs: T0 + 3, aggressor: 'buy', prints: 2, depthHalfTicks: 2 },
    ]);
  });

  it('leaves the depth undefined without a synced book before the trade', () => {
    const b = new StreamBuilder()
      .trade(T0, 1000, 'sell')
      .snapshot(T0 + 1, 1000, 1001)
      .trade(T0 + 1, 1000, 'sell');
    const arrivals = takerArrivals(b.events, BookTimeline.fromEvents(b.events, 'usdm'));
    expect(arrivals.map((a) => a.depthHalfTicks)).toEqual([undefined, undefined]);
  });

  it('gives a negative depth to a print through the mid of a stale book', () => {
    const b = new StreamBuilder().snapshot(T0, 1000, 1001).trade(T0 + 1, 995, 'buy');
    const [arrival] = takerArrivals(b.events, BookTimeline.fromEvents(b.events, 'usdm'));
    expect(arrival?.depthHalfTicks).toBe(2 * 995 - 2001);
  });
});
