// The recorder's file sink (native/recorder/): hourly rotation by receive time, gzip files in the data
// directory's format under final names only once closed, a snapshot first in every later depth file,
// gap markers in gaps/ that the data-quality gate excludes, and feed restarts with a gap of their own.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Pool } from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dataQualityGate } from '../../activities/data-quality-gate.ts';
import { clearSessionCache } from '../../activities/session-cache.ts';
import { createLogger } from '../../app/logger.ts';
import { ManualClock } from '../../core/ports.ts';
import { createPool } from '../../db/pool.ts';
import { rawRecord, gapRecord, type RawFeedRecord } from '../../native/feeds/binance-stream-lines.ts';
import { RecordingFileSink } from '../../native/recorder/file-sink.ts';
import { PgTradeSink } from '../../native/recorder/pg-sink.ts';
import { listTrades } from '../../db/repositories/trades.ts';
import { Recorder, type RecorderFeed } from '../../native/recorder/recorder.ts';
import { silentLog } from '../../infra/log.ts';
import { readGapMarkers } from '../../venues/binance/gap-markers.ts';
import { listSessions, loadSessionEvents } from '../../venues/binance/recorded.ts';
import { instrumentForSession } from '../../venues/instruments.ts';
import { testServices } from '../setup/services.ts';

/** 2024-08-08T10:59:00Z, Unix epoch ms. */
const T0 = Date.UTC(2024, 7, 8, 10, 59, 0);
const us = (ms: number): number => ms * 1000;
const STREAM = 'btcusdt@depth@100ms';

const snapshot = (recvMs: number, lastUpdateId: number): RawFeedRecord =>
  rawRecord('snapshot', us(recvMs), undefined, {
    lastUpdateId,
    bids: [
      ['61837.63', '1.00000'],
      ['61837.00', '2.00000'],
    ],
    asks: [
      ['61837.64', '0.50000'],
      ['61838.00', '1.00000'],
    ],
  });
const diff = (
  recvMs: number,
  U: number,
  u: number,
  b: Array<[string, string]>,
  a: Array<[string, string]>,
): RawFeedRecord =>
  rawRecord('depth', us(recvMs), STREAM, { e: 'depthUpdate', E: recvMs, s: 'BTCUSDT', U, u, b, a });
const trade = (recvMs: number, t: number): RawFeedRecord =>
  rawRecord('trade', us(recvMs), 'btcusdt@trade', {
    e: 'trade',
    E: recvMs,
    s: 'BTCUSDT',
    t,
    p: '61837.64',
    q: '0.01000',
    T: recvMs,
    m: false,
    M: true,
  });
const ticker = (recvMs: number, u: number): RawFeedRecord =>
  rawRecord('bookTicker', us(recvMs), 'btcusdt@bookTicker', {
    u,
    s: 'BTCUSDT',
    b: '61837.00',
    B: '2.00000',
    a: '61837.64',
    A: '0.50000',
  });

const gzLines = (path: string): string[] =>
  gunzipSync(readFileSync(path))
    .toString('utf8')
    .split('\n')
    .filter((l) => l.length > 0);

let dir: string;
beforeAll(() => clearSessionCache());
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});
const freshDir = (): string => {
  dir = mkdtempSync(join(tmpdir(), 'mmflow-recorder-'));
  return dir;
};

describe('RecordingFileSink', () => {
  it('rotates at the UTC hour, names files by first/last minute, and opens the next depth file with the kept book', async () => {
    const data = freshDir();
    const sink = new RecordingFileSink(data, 'spot', 'BTCUSDT');
    sink.accept(diff(T0 + 1_000, 95, 100, [], [])); // before the snapshot: buffered, covered by it
    sink.accept(snapshot(T0 + 1_100, 100));
    sink.accept(diff(T0 + 1_200, 101, 103, [['61837.63', '0.00000000']], [['61837.70', '0.30000']]));
    sink.accept(trade(T0 + 1_300, 1));
    sink.accept(ticker(T0 + 1_400, 103));
    sink.accept(diff(T0 + 59_900, 104, 104, [['61837.50', '3.00000']], []));
    // While open, only .partial files exist and no reader lists them.
    expect(readdirSync(join(data, 'depth'))).toEqual([
      'binance-spot_BTCUSDT_20240808T1059Z-20240808T1059Z.depth.jsonl.gz.partial',
    ]);
    expect(listSessions(data)).toEqual([]);
    // 11:00:00.100: a new hour.
    sink.accept(diff(T0 + 60_100, 105, 106, [], [['61837.64', '0']]));
    sink.accept(trade(T0 + 61_000, 2));
    await sink.close();

    const sessions = listSessions(data);
    expect(sessions.map((s) => s.prefix)).toEqual([
      'binance-spot_BTCUSDT_20240808T1059Z-20240808T1059Z',
      'binance-spot_BTCUSDT_20240808T1100Z-20240808T1100Z',
    ]);
    expect(readdirSync(join(data, 'depth')).some((n) => n.endsWith('.partial'))).toBe(false);
    const [first, second] = sessions;
    if (first === undefined || second === undefined) throw new Error('two sessions expected');
    expect(first.tradesPath).toBeDefined();
    expect(first.bookTickerPath).toBeDefined();
    expect(second.bookTickerPath).toBeUndefined(); // no bookTicker arrived in that hour
    expect(gzLines(first.depthPath)).toHaveLength(4); // as received: diff, snapshot, 2 diffs

    // Second depth file: the kept book at u = 104 first (bid 61837.63 removed at 103, 61837.50 added
    // at 104, ask 61837.70 added at 103), then the diff as received.
    const lines = gzLines(second.depthPath);
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0] ?? '')).toEqual({
      recv_ns: (T0 + 60_100) * 1e6,
      lastUpdateId: 104,
      bids: [
        ['61837.50', '3.00000'],
        ['61837.00', '2.00000'],
      ],
      asks: [
        ['61837.64', '0.50000'],
        ['61837.70', '0.30000'],
        ['61838.00', '1.00000'],
      ],
      source: 'recorder',
    });
    expect(lines[0]).toMatch(/^\{"recv_ns":1723114800100000000,"lastUpdateId":104,/); // exact ns digits
    expect(JSON.parse(lines[1] ?? '')).toMatchObject({ U: 105, u: 106 });
    expect(sink.counters).toEqual({ lines: 8, files: 2, gaps: 0, synthesisedSnapshots: 1, snapshots: 1 });

    // The existing reader replays the second hour on its own: snapshot, then the diff, in order.
    const events = await loadSessionEvents(second, instrumentForSession(second));
    expect(events.map((e) => e.kind)).toEqual(['snapshot', 'depth', 'trade']);
    expect(events[0]).toMatchObject({ kind: 'snapshot', lastUpdateId: 104 });
  });

  it('writes a gap as a marker bounded by the exchange times around it, open-ended across a rotation', async () => {
    const data = freshDir();
    const sink = new RecordingFileSink(data, 'spot', 'BTCUSDT');
    sink.accept(snapshot(T0 + 1_000, 100));
    sink.accept(diff(T0 + 2_000, 101, 101, [], []));
    sink.accept(gapRecord(us(T0 + 3_000), 'reconnect', 101, null));
    sink.accept(snapshot(T0 + 5_000, 200)); // a snapshot carries no exchange time: the gap stays open
    sink.accept(diff(T0 + 5_500, 199, 201, [], []));
    sink.accept(diff(T0 + 6_000, 202, 202, [], []));
    sink.accept(gapRecord(us(T0 + 59_000), 'sequence', 202, 300));
    sink.accept(diff(T0 + 61_000, 300, 301, [], [])); // next hour, stream back
    await sink.close();

    const [first, second] = listSessions(data);
    if (first === undefined || second === undefined) throw new Error('two sessions expected');
    expect(await readGapMarkers(first.depthPath, first.prefix)).toEqual([
      { reason: 'reconnect', fromMs: T0 + 2_000, toMs: T0 + 5_500 },
      { reason: 'sequence', fromMs: T0 + 6_000, toMs: null },
    ]);
    expect(await readGapMarkers(second.depthPath, second.prefix)).toEqual([
      { reason: 'sequence', fromMs: null, toMs: T0 + 61_000 },
    ]);
    const raw = gzLines(join(data, 'gaps', `${first.prefix}.gaps.jsonl.gz`));
    expect(JSON.parse(raw[0] ?? '')).toEqual({
      recv_ns: (T0 + 3_000) * 1e6,
      gap: { reason: 'reconnect', fromMs: T0 + 2_000, toMs: T0 + 5_500, lastUpdateId: 101 },
    });
    // Out of sync at the rotation: the second depth file has no synthesised snapshot.
    expect(gzLines(second.depthPath).map((l) => 'lastUpdateId' in JSON.parse(l))).toEqual([false]);
    expect(sink.counters.gaps).toBe(2);
    expect(sink.counters.synthesisedSnapshots).toBe(0);
  });
});

describe('data-quality gate over recorded files', () => {
  let db: Pool;
  beforeAll(() => {
    db = createPool(testServices().databaseUrl);
  });
  afterAll(async () => {
    await db?.end();
  });

  it('excludes exactly the windows a gap marker touches, with the reason recorder-gap', async () => {
    const data = freshDir();
    const sink = new RecordingFileSink(data, 'spot', 'BTCUSDT');
    // 11:00:00 → 11:04:00, one diff and one trade every second, u chained; a reconnect between
    // 11:01:30 and 11:01:40 (the stream resumes with a chained diff: the book alone shows no gap).
    const H = T0 + 60_000;
    sink.accept(snapshot(H, 1000));
    let u = 1000;
    for (let s = 0; s <= 240; s++) {
      const t = H + s * 1000;
      if (s > 90 && s < 100) continue;
      if (s === 100) sink.accept(gapRecord(us(t - 500), 'reconnect', u, null));
      sink.accept(diff(t + 1, u + 1, u + 1, [['61837.00', `${2 + (s % 3)}.00000`]], []));
      u += 1;
      sink.accept(trade(t + 2, s + 1));
    }
    await sink.close();
    const [session] = listSessions(data);
    if (session === undefined) throw new Error('one session expected');
    const result = await dataQualityGate(
      { db, dataDir: data, log: createLogger('test', 'error') },
      {
        gateId: `dqg:recorder-${Date.now()}`,
        sessions: ['latest:1d:spot_BTCUSDT'],
        rules: { windowMs: 60_000, maxTradeGapMs: 20_000, minTrades: 1 },
      },
    );
    // Windows 11:00, 11:01, 11:02, 11:03, 11:04 (the last one 3 ms long). Gap: [11:01:30.001, 11:01:40.001].
    expect(result.windowCount).toBe(5);
    // 11:00 is not synced before its first depth event (the gate's rule for every session's start);
    // 11:01 holds the gap, which the book alone does not show (no book-gap, no resync).
    expect(result.excludedByReason).toEqual({
      'book-gap': 0,
      resync: 0,
      'crossed-book': 0,
      'not-synced': 1,
      'no-depth-events': 0,
      'missing-trades': 0,
      'recorder-gap': 1,
    });
    expect(result.included.map((w) => Math.floor((w.startUs / 1000 - H) / 60_000))).toEqual([2, 3, 4]);
    expect(Object.keys(result.datasetDigests)).toEqual([session.prefix]);
  });
});

describe('PgTradeSink', () => {
  let db: Pool;
  beforeAll(() => {
    db = createPool(testServices().databaseUrl);
  });
  afterAll(async () => {
    await db?.end();
  });

  it('inserts the recorded trades once, skipping non-MARKET futures prints, and keeps rows when a flush fails', async () => {
    const symbol = `REC${Date.now() % 1_000_000}`; // a symbol of its own in the shared test database
    const line = (t: number, extra: Record<string, unknown> = {}): RawFeedRecord =>
      rawRecord('trade', us(T0 + t), 'x@trade', {
        e: 'trade',
        E: T0 + t,
        T: T0 + t,
        s: symbol,
        t,
        p: '61837.64',
        q: '0.010',
        m: t % 2 === 0,
        ...extra,
      });
    const sink = new PgTradeSink({ db, venue: 'binance-usdm', log: silentLog, maxBatchRows: 2 });
    for (const t of [1, 2, 3]) sink.accept(line(t, { X: 'MARKET' }));
    sink.accept(line(4, { X: 'INSURANCE_FUND' }));
    sink.accept(ticker(T0, 1)); // not a trade: ignored
    await sink.flush();
    sink.accept(line(3)); // again (a reconnect replays it): not inserted twice
    await sink.flush();
    expect(sink.counters).toEqual({ inserted: 3, skipped: 1, dropped: 0, failedFlushes: 0 });
    const rows = await listTrades(db, { venue: 'binance-usdm', symbol });
    expect(rows).toEqual(
      [1, 2, 3].map((t) => ({
        venue: 'binance-usdm',
        symbol,
        tradeId: t,
        price: '61837.64',
        qty: '0.010',
        aggressor: t % 2 === 0 ? 'sell' : 'buy',
        tradeTimeMs: T0 + t,
      })),
    );

    // A database that cannot be reached (nothing listens on port 1): the rows stay buffered, the
    // failure is counted, and the buffer keeps its newest rows.
    const unreachable = createPool('postgres://mmflow@127.0.0.1:1/mmflow');
    const broken = new PgTradeSink({
      db: unreachable,
      venue: 'binance-usdm',
      log: silentLog,
      maxBufferedRows: 2,
    });
    for (const t of [5, 6, 7]) broken.accept(line(t));
    await broken.flush();
    expect(broken.counters).toEqual({ inserted: 0, skipped: 0, dropped: 1, failedFlushes: 1 });
    expect(broken.pending).toBe(2);
    await unreachable.end();
  });
});

describe('Recorder', () => {
  it('restarts a failed feed after a backoff and records the restart as a gap', async () => {
    const data = freshDir();
    const clock = new ManualClock(us(T0 + 10_000));
    const sleeps: number[] = [];
    let runs = 0;
    let release: () => void = () => undefined;
    const recorder = new Recorder({
      dataDir: data,
      market: 'spot',
      symbols: ['BTCUSDT'],
      clock,
      log: silentLog,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock.advanceTo(clock.nowUs() + us(ms));
      },
      feedFactory: (_symbol, onRaw): RecorderFeed => ({
        run: async () => {
          runs++;
          if (runs === 1) {
            onRaw(snapshot(T0 + 1_000, 100));
            onRaw(diff(T0 + 2_000, 101, 101, [], []));
            throw new Error('snapshot fetch failed');
          }
          onRaw(snapshot(T0 + 12_000, 300));
          onRaw(diff(T0 + 12_500, 301, 301, [], []));
          await new Promise<void>((resolve) => {
            release = resolve;
          });
        },
        close: async () => release(),
      }),
    });
    recorder.start();
    const deadline = Date.now() + 10_000;
    while (recorder.counters()['BTCUSDT']?.lines !== 4 && Date.now() < deadline)
      await new Promise((r) => setImmediate(r));
    expect(recorder.counters()['BTCUSDT']).toEqual({
      lines: 4,
      files: 1,
      gaps: 1,
      synthesisedSnapshots: 0,
      snapshots: 2,
      restarts: 1,
    });
    expect(sleeps).toEqual([1000]);
    await recorder.stop();
    const [session] = listSessions(data);
    if (session === undefined) throw new Error('one session expected');
    expect(await readGapMarkers(session.depthPath, session.prefix)).toEqual([
      { reason: 'feed-restart', fromMs: T0 + 2_000, toMs: T0 + 12_500 },
    ]);
    expect(existsSync(join(data, 'gaps', `${session.prefix}.gaps.jsonl.gz`))).toBe(true);
  });
});
