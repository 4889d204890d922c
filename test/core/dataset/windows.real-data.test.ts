// The data-quality windows of every recorded session (/work/shared/data; MMFLOW_DATA_DIR), with counts
// hand-checked against the files: the README's verification (update-id chains intact, books never
// crossed) means no window may show a gap, a crossing or a resync; the `_nosnapshot` session never
// syncs; and the trade silences were recomputed from the trades files with a separate script.
import { describe, expect, it } from 'vitest';
import { assessWindows, type WindowQuality } from '../../../core/dataset/windows.ts';
import { listSessions, loadSessionEvents } from '../../../venues/binance/recorded.ts';
import { instrumentForSession } from '../../../venues/instruments.ts';
import { DATA_DIR } from '../../venues/binance/data.ts';

const RULES = { windowMs: 60_000, maxTradeGapMs: 3_000, minTrades: 100 };

async function windowsOf(prefix: string): Promise<WindowQuality[]> {
  const session = listSessions(DATA_DIR).find((s) => s.prefix === prefix);
  if (session === undefined) throw new Error(`session ${prefix} not found in ${DATA_DIR}`);
  const events = await loadSessionEvents(session, instrumentForSession(session));
  return assessWindows(events, prefix, session.market, RULES);
}

/** Expected (windows, included) per session, and the reasons of the excluded windows in time order. */
const EXPECTED: Record<string, { windows: number; included: number; excluded: string[][] }> = {
  // Never synced: the snapshot was in the previous day's file. The first window is 1 ms long (the
  // first trade, 23:59:59.999, precedes the first diff).
  'binance-spot_BTCUSDT_20230405T0000Z-20230405T0007Z_nosnapshot': {
    windows: 8,
    included: 0,
    excluded: [['not-synced', 'no-depth-events', 'missing-trades'], ...Array(7).fill(['not-synced'])],
  },
  // The first window holds the diffs buffered before the snapshot.
  'binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z': {
    windows: 12,
    included: 11,
    excluded: [['not-synced']],
  },
  // 00:00:00–00:01:00: no trade between 23:59:59.965 and 00:00:04.962 (around the 00:00 UTC funding
  // time), so the window starts with a 4,962 ms silence, over the 3,000 ms rule.
  'binance-usdm_BTCUSDT_20230404T2358Z-20230405T0007Z': {
    windows: 9,
    included: 7,
    excluded: [['not-synced'], ['missing-trades']],
  },
  'binance-usdm_BTCUSDT_20240718T2357Z-20240719T0005Z': {
    windows: 9,
    included: 8,
    excluded: [['not-synced']],
  },
  // The last window is the 1.1 s after the last trade (23:59:59.643) up to the last diff (00:00:01.105).
  'binance-usdm_BTCUSDT_20240808T2354Z-20240809T0000Z': {
    windows: 7,
    included: 5,
    excluded: [['not-synced'], ['missing-trades']],
  },
  'binance-usdm_ETHUSDT_20240718T2357Z-20240719T0005Z': {
    windows: 9,
    included: 8,
    excluded: [['not-synced']],
  },
};

describe('data-quality windows of the recorded sessions (1-min windows, 3 s silence, 100 trades)', () => {
  it('covers every recorded session', () => {
    expect(listSessions(DATA_DIR).map((s) => s.prefix)).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [prefix, expected] of Object.entries(EXPECTED)) {
    it(`grades ${prefix}`, async () => {
      const windows = await windowsOf(prefix);
      const included = windows.filter((w) => w.included).length;
      console.log(
        `${prefix}: ${windows.length} windows, ${included} included, ${windows.length - included} excluded`,
      );
      expect(windows).toHaveLength(expected.windows);
      expect(included).toBe(expected.included);
      expect(windows.filter((w) => !w.included).map((w) => w.reasons)).toEqual(expected.excluded);
      expect(windows.every((w) => w.gaps === 0 && w.crossed === 0 && w.resyncs === 0)).toBe(true);
    });
  }

  it('finds the hand-checked trade counts and silences', async () => {
    const spot = await windowsOf('binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z');
    // 23:55–23:56: 1,255 trades, longest silence 1,078 ms (recomputed from the trades file).
    expect(spot[1]).toMatchObject({ trades: 1255, maxTradeGapMs: 1078, included: true });
    const usdm = await windowsOf('binance-usdm_BTCUSDT_20230404T2358Z-20230405T0007Z');
    expect(usdm[2]).toMatchObject({ trades: 2196, maxTradeGapMs: 4962, reasons: ['missing-trades'] });
    expect(usdm.reduce((n, w) => n + w.trades, 0)).toBe(12_934); // 12,935 minus the INSURANCE_FUND print
  });
});
