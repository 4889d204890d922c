import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../core/errors.ts';
import { assessWindows, includedWindows, type WindowQuality } from '../../../core/dataset/windows.ts';
import { StreamBuilder } from './stream-builder.ts';

const T0 = 1_700_000_000_000; // ms, a multiple of every window length used here
const RULES = { windowMs: 1000, maxTradeGapMs: 500, minTrades: 3 };

/** Diffs every 100 ms from `fromMs` to `toMs` (inclusive) that only resize the touch. */
function quietDiffs(b: StreamBuilder, fromMs: number, toMs: number): void {
  for (let t = fromMs; t <= toMs; t += 100) b.diff(T0 + t, [[1000, 10 + (t % 7)]], []);
}
/** Trades every 100 ms from `fromMs` to `toMs` (inclusive), alternating sides at the touch. */
function steadyTrades(b: StreamBuilder, fromMs: number, toMs: number): void {
  for (let t = fromMs; t <= toMs; t += 100)
    b.trade(T0 + t, t % 200 === 0 ? 1001 : 1000, t % 200 === 0 ? 'buy' : 'sell');
}

/**
 * Twelve 1-s windows, one defect each (see the expectations): the stream is built in recorded order,
 * depth and trades interleaved by time within each window.
 */
function defectStream(): StreamBuilder {
  const b = new StreamBuilder();
  // w0: the first snapshot arrives at the window's first instant: not synced before it.
  b.snapshot(T0, 1000, 1001);
  quietDiffs(b, 100, 900);
  steadyTrades(b, 50, 950);
  // w1: clean.
  quietDiffs(b, 1000, 1900);
  steadyTrades(b, 1050, 1950);
  // w2: a chain break at +2500, then everything is buffered; a late trade print of w1 (T = +1990)
  // arrives after w2's first diff and still counts in w1.
  quietDiffs(b, 2000, 2000);
  b.trade(T0 + 1990, 1000, 'sell');
  quietDiffs(b, 2100, 2400);
  b.diff(T0 + 2500, [[1000, 3]], [], true);
  quietDiffs(b, 2600, 2900);
  steadyTrades(b, 2050, 2950);
  // w3: still out of sync.
  quietDiffs(b, 3000, 3900);
  steadyTrades(b, 3050, 3950);
  // w4: rebuilt from a new snapshot at +4000.
  b.snapshot(T0 + 4000, 1000, 1001);
  quietDiffs(b, 4100, 4900);
  steadyTrades(b, 4050, 4950);
  // w5: clean.
  quietDiffs(b, 5000, 5900);
  steadyTrades(b, 5050, 5950);
  // w6: a diff crosses the book at +6500 (bid 1002 ≥ ask 1001).
  quietDiffs(b, 6000, 6400);
  b.diff(T0 + 6500, [[1002, 4]], []);
  quietDiffs(b, 6600, 6900);
  steadyTrades(b, 6050, 6950);
  // w7: rebuilt at +7000.
  b.snapshot(T0 + 7000, 1000, 1001);
  quietDiffs(b, 7100, 7900);
  steadyTrades(b, 7050, 7950);
  // w8: trades stop at +8350: a 650 ms silence to the window's end.
  quietDiffs(b, 8000, 8900);
  steadyTrades(b, 8050, 8350);
  // w9: two trades only (fewer than minTrades = 3), no silence over 500 ms.
  quietDiffs(b, 9000, 9900);
  b.trade(T0 + 9300, 1001, 'buy').trade(T0 + 9700, 1000, 'sell');
  // w10: no depth event at all (a hole in the depth recording), trades go on.
  steadyTrades(b, 10_050, 10_950);
  // w11: clean; the session ends at +11 950, so the window is clipped to [+11 000, +11 951).
  quietDiffs(b, 11_000, 11_900);
  steadyTrades(b, 11_050, 11_950);
  return b;
}

describe('assessWindows on a hand-built stream', () => {
  const windows = assessWindows(defectStream().events, 'sess', 'usdm', RULES);
  const at = (i: number): WindowQuality => {
    const w = windows[i];
    if (w === undefined) throw new Error(`no window ${i}`);
    return w;
  };

  it('cuts the span into epoch-aligned windows clipped to the last event', () => {
    expect(windows).toHaveLength(12);
    expect(windows.map((w) => (w.startUs - T0 * 1000) / 1000)).toEqual([
      0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10_000, 11_000,
    ]);
    expect(at(0).endUs).toBe((T0 + 1000) * 1000);
    expect(at(11).endUs).toBe((T0 + 11_951) * 1000);
    expect(windows.every((w) => w.sessionId === 'sess')).toBe(true);
  });

  it('gives each window the reasons of its defect', () => {
    expect(windows.map((w) => w.reasons)).toEqual([
      ['not-synced'],
      [],
      ['book-gap', 'not-synced'],
      ['not-synced'],
      ['resync', 'not-synced'],
      [],
      ['crossed-book', 'not-synced'],
      ['resync', 'not-synced'],
      ['missing-trades'],
      ['missing-trades'],
      ['no-depth-events'],
      [],
    ]);
    expect(windows.map((w) => w.included)).toEqual(windows.map((w) => w.reasons.length === 0));
    expect(includedWindows(windows)).toEqual([
      { sessionId: 'sess', startUs: (T0 + 1000) * 1000, endUs: (T0 + 2000) * 1000 },
      { sessionId: 'sess', startUs: (T0 + 5000) * 1000, endUs: (T0 + 6000) * 1000 },
      { sessionId: 'sess', startUs: (T0 + 11_000) * 1000, endUs: (T0 + 11_951) * 1000 },
    ]);
  });

  it('counts events, gaps, resyncs, crossings and trade silences per window', () => {
    // w0: snapshot + 9 diffs, 10 trades 50 ms from each edge.
    expect(at(0)).toMatchObject({ depthEvents: 10, trades: 10, maxTradeGapMs: 100, gaps: 0 });
    // w1: 10 diffs; 10 trades + the late print at +1990 (counted by its own time).
    expect(at(1)).toMatchObject({ depthEvents: 10, trades: 11, maxTradeGapMs: 100 });
    // w2: 10 quiet diffs + the chain break.
    expect(at(2)).toMatchObject({ depthEvents: 10, gaps: 1, resyncs: 0, crossed: 0 });
    expect(at(4)).toMatchObject({ depthEvents: 10, resyncs: 1, gaps: 0 });
    expect(at(6)).toMatchObject({ depthEvents: 10, crossed: 1, gaps: 0 });
    expect(at(8)).toMatchObject({ trades: 4, maxTradeGapMs: 650 });
    expect(at(9)).toMatchObject({ trades: 2, maxTradeGapMs: 400 });
    expect(at(10)).toMatchObject({ depthEvents: 0, trades: 10 });
    expect(at(11)).toMatchObject({ depthEvents: 10, trades: 10, maxTradeGapMs: 100 });
  });

  it('accepts a silence exactly at maxTradeGapMs and excludes one just over it', () => {
    const stream = (silenceMs: number): StreamBuilder => {
      const b = new StreamBuilder().snapshot(T0 - 1, 1000, 1001);
      quietDiffs(b, 0, 1900);
      b.trade(T0, 1000, 'sell').trade(T0 + 100, 1000, 'sell');
      b.trade(T0 + 100 + silenceMs, 1001, 'buy');
      steadyTrades(b, 1000, 1900);
      return b;
    };
    const verdict = (silenceMs: number): readonly string[] | undefined =>
      assessWindows(stream(silenceMs).events, 's', 'usdm', RULES)[1]?.reasons;
    expect(verdict(500)).toEqual([]);
    expect(verdict(501)).toEqual(['missing-trades']);
  });

  it('places an untimed spot snapshot in the window of the previous depth event', () => {
    const b = new StreamBuilder();
    b.diff(T0 + 900, [], []).snapshot(T0 + 1500, 1000, 1001, false);
    steadyTrades(b, 1000, 1900);
    const [w0, w1] = assessWindows(b.events, 's', 'usdm', RULES);
    expect(w0).toMatchObject({ depthEvents: 2, trades: 0 });
    expect(w1).toMatchObject({ depthEvents: 0, trades: 10 });
  });

  it('returns no window for a stream without exchange times', () => {
    const b = new StreamBuilder().snapshot(T0, 1000, 1001, false);
    expect(assessWindows(b.events, 's', 'usdm', RULES)).toEqual([]);
  });

  it('rejects invalid rules, naming the field', () => {
    const events = defectStream().events;
    for (const [rules, field] of [
      [{ ...RULES, windowMs: 0 }, 'windowMs'],
      [{ ...RULES, maxTradeGapMs: -1 }, 'maxTradeGapMs'],
      [{ ...RULES, minTrades: 1.5 }, 'minTrades'],
    ] as const) {
      expect(() => assessWindows(events, 's', 'usdm', rules)).toThrow(PermanentError);
      expect(() => assessWindows(events, 's', 'usdm', rules)).toThrow(field);
    }
  });

  it('tiles the span with contiguous windows holding every trade (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 20_000 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 7_000 }),
        (offsets, windowMs) => {
          const times = [...offsets].sort((a, b) => a - b);
          const b = new StreamBuilder().snapshot(T0 + (times[0] ?? 0), 1000, 1001);
          for (const t of times) b.trade(T0 + t, 1001, 'buy');
          const ws = assessWindows(b.events, 's', 'usdm', { windowMs, maxTradeGapMs: 0, minTrades: 0 });
          expect(ws[0]?.startUs).toBe((T0 + (times[0] ?? 0)) * 1000);
          expect(ws.at(-1)?.endUs).toBe((T0 + (times.at(-1) ?? 0) + 1) * 1000);
          for (let i = 1; i < ws.length; i++) expect(ws[i]?.startUs).toBe(ws[i - 1]?.endUs);
          for (const w of ws) expect(w.endUs - w.startUs).toBeLessThanOrEqual(windowMs * 1000);
          expect(ws.reduce((n, w) => n + w.trades, 0)).toBe(times.length);
        },
      ),
      { numRuns: 50 },
    );
  });
});
