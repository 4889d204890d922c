import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  FeatureSampleBuffer,
  concatRows,
  labelSamples,
  splitTimeOrdered,
} from '../../../core/alpha/dataset.ts';
import { InvariantViolation, PermanentError } from '../../../core/errors.ts';

const MS = 1000;

/** A buffer of 1-feature samples (feature = sample index) at the given times (ms) and mids (ticks). */
function series(timesMs: readonly number[], mids: readonly number[]): FeatureSampleBuffer {
  const b = new FeatureSampleBuffer(1);
  timesMs.forEach((t, i) => b.push(t * MS, Float32Array.of(i), mids[i] ?? 0));
  return b;
}

describe('labelSamples', () => {
  // 100-ms grid, mids by hand; horizon 200 ms → label_i = mid[i+2] − mid[i]; the last two rows have
  // no grid point 200 ms later in the window and are dropped.
  const times = [0, 100, 200, 300, 400, 500, 600, 700, 800, 900];
  const mids = [10, 10.5, 11, 11, 12, 11.5, 11, 13, 13, 12];

  it('labels each row with the mid move to the first grid point at or after t + h', () => {
    const rows = labelSamples(series(times, mids), { horizonMs: 200 });
    expect(rows.count).toBe(8);
    expect(Array.from(rows.yTicks)).toEqual([1, 0.5, 1, 0.5, -1, 1.5, 2, -1]);
    expect(Array.from(rows.timeUs)).toEqual(times.slice(0, 8).map((t) => t * MS));
    expect(Array.from(rows.labelTimeUs)).toEqual(times.slice(2).map((t) => t * MS));
    expect(Array.from(rows.x)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]); // features travel with their row
  });

  it('takes the first point AT OR AFTER t + h when h is off the grid', () => {
    const rows = labelSamples(series(times, mids), { horizonMs: 150 });
    // t + 150 → the point 200 ms later: same labels as h = 200.
    expect(Array.from(rows.yTicks)).toEqual([1, 0.5, 1, 0.5, -1, 1.5, 2, -1]);
  });

  it('bridges a small hole in the grid but drops a row whose label point is too late', () => {
    const t2 = times.filter((t) => t !== 400);
    const m2 = mids.filter((_, i) => i !== 4);
    const rows = labelSamples(series(t2, m2), { horizonMs: 200 });
    // Row t=200 (mid 11): first point ≥ 400 is 500 (mid 11.5), 100 ms late → label 0.5.
    expect(rows.labelTimeUs[2]).toBe(500 * MS);
    expect(rows.yTicks[2]).toBe(0.5);
    const strict = labelSamples(series(t2, m2), { horizonMs: 200, maxLabelLagMs: 50 });
    expect(Array.from(strict.timeUs)).not.toContain(200 * MS);
    expect(strict.count).toBe(rows.count - 1);
  });

  it('matches a brute-force labelling on random series (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 400 }), fc.integer({ min: -50, max: 50 })), {
          minLength: 1,
          maxLength: 60,
        }),
        fc.integer({ min: 1, max: 1500 }),
        fc.integer({ min: 0, max: 800 }),
        (steps, horizonMs, lagMs) => {
          const ts: number[] = [];
          const ms: number[] = [];
          let t = 0;
          for (const [dt, m] of steps) {
            t += dt;
            ts.push(t);
            ms.push(m / 2);
          }
          const rows = labelSamples(series(ts, ms), { horizonMs, maxLabelLagMs: lagMs });
          const expected: number[] = [];
          for (let i = 0; i < ts.length; i++) {
            const j = ts.findIndex((u) => u >= ts[i]! + horizonMs);
            if (j >= 0 && ts[j]! - (ts[i]! + horizonMs) <= lagMs) expected.push(ms[j]! - ms[i]!);
          }
          expect(Array.from(rows.yTicks)).toEqual(expected);
        },
      ),
    );
  });

  it('rejects a bad horizon', () => {
    expect(() => labelSamples(series(times, mids), { horizonMs: 0 })).toThrow(RangeError);
    expect(() => labelSamples(series(times, mids), { horizonMs: 1.5 })).toThrow(RangeError);
  });
});

describe('FeatureSampleBuffer', () => {
  it('copies the tapped vector (the replay may reuse its array) and grows past its first capacity', () => {
    const b = new FeatureSampleBuffer(2);
    const v = new Float32Array(2);
    for (let i = 0; i < 3000; i++) {
      v[0] = i;
      v[1] = -i;
      b.tap((i + 1) * 100 * MS, v, 1000 + i);
    }
    expect(b.length).toBe(3000);
    expect(Array.from(b.featuresAt(1234))).toEqual([1234, -1234]);
    expect(b.midTicksAt(2999)).toBe(3999);
  });

  it('refuses wrong lengths, non-increasing times and non-finite values', () => {
    const b = new FeatureSampleBuffer(2);
    b.push(1000, Float32Array.of(1, 2), 5);
    const code = (f: () => void): string | undefined => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(InvariantViolation);
        return (e as InvariantViolation).code;
      }
      return undefined;
    };
    expect(code(() => b.push(2000, Float32Array.of(1), 5))).toBe('ALPHA_FEATURE_COUNT');
    expect(code(() => b.push(1000, Float32Array.of(1, 2), 5))).toBe('ALPHA_SAMPLE_ORDER');
    expect(code(() => b.push(2000, Float32Array.of(1, Number.NaN), 5))).toBe('ALPHA_NON_FINITE');
    expect(code(() => b.push(2000, Float32Array.of(1, 2), Infinity))).toBe('ALPHA_NON_FINITE');
    expect(b.length).toBe(1);
  });
});

describe('splitTimeOrdered', () => {
  // 100 rows on a 100-ms grid, horizon 500 ms: row i at t = 100·i ms, label time t + 500 ms.
  const grid = series(
    Array.from({ length: 105 }, (_, i) => i * 100),
    Array.from({ length: 105 }, (_, i) => i % 7),
  );
  const rows = labelSamples(grid, { horizonMs: 500 });

  it('holds out the latest rows and purges training rows within horizon + embargo of them', () => {
    expect(rows.count).toBe(100);
    const { train, validation, purgedRows } = splitTimeOrdered(rows, {
      validationFraction: 0.2,
      embargoMs: 1000,
    });
    // k = 100 − 20 = 80 → validation starts at 8000 ms; a training row needs t + 500 + 1000 ≤ 8000,
    // i.e. t ≤ 6500 ms: rows 0…65.
    expect(validation.count).toBe(20);
    expect(validation.timeUs[0]).toBe(8000 * MS);
    expect(train.count).toBe(66);
    expect(purgedRows).toBe(14);
    const firstVal = validation.timeUs[0]!;
    for (let i = 0; i < train.count; i++) {
      expect(train.labelTimeUs[i]! + 1000 * MS).toBeLessThanOrEqual(firstVal);
      expect(train.timeUs[i]! + 500 * MS).toBeLessThanOrEqual(firstVal); // gap ≥ horizon
    }
    // Never shuffled across the split: every training time precedes every validation time.
    expect(train.timeUs[train.count - 1]!).toBeLessThan(firstVal);
  });

  it('fails clearly when too few rows survive', () => {
    expect(() => splitTimeOrdered(rows, { validationFraction: 0.2, embargoMs: 8000 })).toThrow(
      PermanentError,
    );
    expect(() => splitTimeOrdered(rows, { validationFraction: 0.001, embargoMs: 0 })).toThrow(
      /validation rows/,
    );
    expect(() => splitTimeOrdered(rows, { validationFraction: 1, embargoMs: 0 })).toThrow(RangeError);
  });
});

describe('concatRows', () => {
  it('joins windows in time order and refuses overlapping ones', () => {
    const a = labelSamples(series([0, 100, 200, 300], [1, 2, 3, 4]), { horizonMs: 100 });
    const b = labelSamples(series([1000, 1100, 1200], [5, 7, 4]), { horizonMs: 100 });
    const ab = concatRows([a, b]);
    expect(Array.from(ab.yTicks)).toEqual([1, 1, 1, 2, -3]);
    expect(ab.count).toBe(5);
    expect(() => concatRows([b, a])).toThrow(PermanentError);
  });
});
