// Windows touched by a recorder gap are excluded with `recorder-gap` (core/dataset/recorder-gaps.ts).
import { describe, expect, it } from 'vitest';
import { excludeRecorderGaps } from '../../../core/dataset/recorder-gaps.ts';
import type { WindowQuality } from '../../../core/dataset/windows.ts';

const win = (startMs: number, reasons: string[] = []): WindowQuality => ({
  sessionId: 's',
  startUs: startMs * 1000,
  endUs: (startMs + 60_000) * 1000,
  depthEvents: 1,
  trades: 1,
  gaps: 0,
  resyncs: 0,
  crossed: 0,
  maxTradeGapMs: 0,
  included: reasons.length === 0,
  reasons,
});

describe('excludeRecorderGaps', () => {
  const windows = [win(0), win(60_000), win(120_000, ['missing-trades']), win(180_000)];
  const verdicts = (gaps: Parameters<typeof excludeRecorderGaps>[1]) =>
    excludeRecorderGaps(windows, gaps).map((w) => w.reasons.join('+') || 'in');

  it('excludes the windows overlapping [fromMs, toMs], bounds inclusive, keeping other reasons', () => {
    expect(verdicts([{ reason: 'reconnect', fromMs: 59_999, toMs: 60_000 }])).toEqual([
      'recorder-gap',
      'recorder-gap',
      'missing-trades',
      'in',
    ]);
    // A gap ending exactly where a window ends (exclusive end) does not touch the next one.
    expect(verdicts([{ reason: 'sequence', fromMs: 130_000, toMs: 179_999 }])).toEqual([
      'in',
      'in',
      'missing-trades+recorder-gap',
      'in',
    ]);
  });

  it('treats null bounds as open to the start or the end of the session', () => {
    expect(verdicts([{ reason: 'r', fromMs: null, toMs: 0 }])).toEqual([
      'recorder-gap',
      'in',
      'missing-trades',
      'in',
    ]);
    expect(verdicts([{ reason: 'r', fromMs: 180_000, toMs: null }])).toEqual([
      'in',
      'in',
      'missing-trades',
      'recorder-gap',
    ]);
    expect(
      excludeRecorderGaps(windows, [{ reason: 'r', fromMs: null, toMs: null }]).every((w) => !w.included),
    ).toBe(true);
  });

  it('leaves the windows unchanged without gaps', () => {
    expect(excludeRecorderGaps(windows, [])).toEqual(windows);
  });
});
