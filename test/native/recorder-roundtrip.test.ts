// Round trip of `mmflow record` against the exchange simulator: the recorder (the live feed over the
// simulator's combined raw stream and REST depth, through ccxt) records a replayed session, with its
// clock jumped past a UTC hour half-way so the files rotate; each recorded file is then replayed on its
// own by the ordinary readers, and at every recorded bookTicker update the recorded book's top must
// equal the source session's book at the same update id: 0 mismatches.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BinanceBookSync } from '../../core/book/binance-sync.ts';
import { OrderBook } from '../../core/book/order-book.ts';
import type { Instrument } from '../../core/instrument.ts';
import type { MarketEvent } from '../../core/market-events.ts';
import type { ExchangeSim } from '../../exchange-sim/simulator.ts';
import { silentLog } from '../../infra/log.ts';
import { createLiveRecorder } from '../../native/recorder/live.ts';
import type { RecorderRecord } from '../../native/recorder/file-sink.ts';
import { systemClock, systemSleep } from '../../native/system-clock.ts';
import { readGapMarkers } from '../../venues/binance/gap-markers.ts';
import { listSessions, loadSessionEvents, type RecordedSession } from '../../venues/binance/recorded.ts';
import { instrumentForSession } from '../../venues/instruments.ts';
import { skipWithout } from '../setup/require.ts';
import {
  DATA,
  missingSession,
  SPOT_SESSION,
  startManualSim,
  USDM_SESSION,
  yieldIo,
} from '../exchange-sim/helpers.ts';

/** Lines of the source session streamed (the first half before the hour jump, the rest after). */
const STEPS = 24_000;

type Top = string; // `bid@lots/ask@lots` in ticks and lots
const topOf = (book: OrderBook): Top =>
  `${book.bestBidTicks()}@${book.bestBidLots()}/${book.bestAskTicks()}@${book.bestAskLots()}`;

/** The source session's top of book after each applied snapshot or diff, by update id. */
async function sourceTops(session: RecordedSession, instrument: Instrument): Promise<Map<number, Top>> {
  const book = new OrderBook();
  const sync = new BinanceBookSync(session.market, book);
  const tops = new Map<number, Top>();
  for (const ev of await loadSessionEvents(session, instrument)) {
    if (ev.kind !== 'depth' && ev.kind !== 'snapshot') continue;
    const r = ev.kind === 'depth' ? sync.onDiff(ev) : sync.onSnapshot(ev);
    if (r === 'applied' && sync.updateId !== undefined) tops.set(sync.updateId, topOf(book));
  }
  return tops;
}

const tickerKey = (ev: MarketEvent): string =>
  ev.kind === 'bookTicker' ? `${ev.updateId} ${ev.bidTicks}@${ev.bidLots}/${ev.askTicks}@${ev.askLots}` : '';

let dir: string | undefined;
let sim: ExchangeSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe.each([
  ['spot', SPOT_SESSION, 'binance-spot', false],
  ['usdm', USDM_SESSION, 'binance-usdm', false],
  ['spot, connection dropped', SPOT_SESSION, 'binance-spot', true],
] as const)('mmflow record round trip (%s)', (_name, prefix, venue, drop) => {
  const skip = skipWithout(missingSession(prefix), `recorder round trip over ${prefix}`);

  it.skipIf(skip)(
    'records files whose book matches the source top of book at every bookTicker update',
    async () => {
      const source = listSessions(DATA).find((s) => s.prefix === prefix);
      if (source === undefined) throw new Error(`${prefix} missing`);
      const instrument = instrumentForSession(source);
      sim = await startManualSim([], undefined, [prefix]);
      const replay = (source.market === 'spot' ? sim.replays : sim.usdmReplays).get(source.symbol);
      if (replay === undefined) throw new Error('no replay');
      let lastEmitted = '';
      replay.addListener((m) => {
        if (!m.stream.endsWith('@aggTrade')) lastEmitted = keyOf(m.payload);
      });
      const received: RecorderRecord[] = [];
      let offsetUs = 0;
      dir = mkdtempSync(join(tmpdir(), 'mmflow-record-rt-'));
      const recorder = createLiveRecorder({
        dataDir: dir,
        venue,
        symbols: [source.symbol],
        exchangeUrl: sim.urls.http,
        clock: { nowUs: () => systemClock.nowUs() + offsetUs },
        sleep: systemSleep,
        log: silentLog,
        resnapshotMs: 0,
        onRecord: (_s, r) => received.push(r),
      });
      recorder.start();
      try {
        // Step one line at a time until the recorder's stream is live, then the rest in chunks.
        const deadline = Date.now() + 60_000;
        let steps = 0;
        while (received.length === 0 && Date.now() < deadline) {
          replay.step();
          steps++;
          for (let i = 0; i < 5; i++) await yieldIo();
        }
        expect(received.length).toBeGreaterThan(0);
        for (; steps < STEPS; steps++) {
          if (drop && steps === STEPS / 4) {
            // The simulator drops the market-stream sockets; lines replayed until the feed is back are lost.
            sim.faults.apply({ fault: 'disconnect', market: source.market, streams: 'market' });
            // Pump slowly until the feed is back and has its new REST snapshot (after the gap record).
            const resynced = (): boolean => {
              const gapAt = received.findIndex((r) => r.kind === 'gap');
              return gapAt >= 0 && received.slice(gapAt).some((r) => r.kind === 'snapshot');
            };
            while (!resynced() && Date.now() < deadline) {
              replay.step();
              steps++;
              await new Promise((r) => setTimeout(r, 2));
            }
            expect(resynced()).toBe(true);
          }
          if (steps === STEPS / 2) {
            // Jump the receive clock to 1 s past the next UTC hour: the files rotate here.
            const nowMs = systemClock.nowUs() / 1000;
            offsetUs = (Math.ceil(nowMs / 3_600_000) * 3_600_000 + 1000 - nowMs) * 1000;
          }
          if (!replay.step()) break;
          if (steps % 20 === 0) await yieldIo();
        }
        const lastKey = (): string => {
          const r = received[received.length - 1];
          return r === undefined ? '' : keyOf(r.line);
        };
        while (lastKey() !== lastEmitted && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 10));
        expect(lastKey()).toBe(lastEmitted);
      } finally {
        await recorder.stop();
      }
      const counters = recorder.counters()[source.symbol];
      expect(counters).toMatchObject({ files: 2, gaps: drop ? 1 : 0, restarts: 0, synthesisedSnapshots: 1 });
      expect(counters?.snapshots).toBeGreaterThanOrEqual(drop ? 2 : 1); // a new one after the reconnect

      const tops = await sourceTops(source, instrument);
      const sourceTickers = (await loadSessionEvents(source, instrument, { includeBookTicker: true }))
        .filter((e) => e.kind === 'bookTicker')
        .map(tickerKey);
      const recorded = listSessions(dir);
      expect(recorded).toHaveLength(2);
      let compared = 0;
      let bookGaps = 0;
      let mismatches = 0;
      const recordedTickers: string[] = [];
      for (const session of recorded) {
        // Each hourly file on its own, as the data-quality gate and the backtests read it.
        const book = new OrderBook();
        const sync = new BinanceBookSync(session.market, book);
        for (const ev of await loadSessionEvents(session, instrument, { includeBookTicker: true })) {
          if (ev.kind === 'depth') {
            if (sync.onDiff(ev) === 'gap') bookGaps++;
          } else if (ev.kind === 'snapshot') sync.onSnapshot(ev);
          else if (ev.kind === 'bookTicker') {
            recordedTickers.push(tickerKey(ev));
            if (!sync.synced || sync.updateId === undefined) continue;
            compared++;
            if (tops.get(sync.updateId) !== topOf(book)) mismatches++;
          }
        }
      }
      expect(mismatches).toBe(0);
      // The drop shows in the first hour's file: a chain break, and the marker around it.
      expect(bookGaps).toBe(drop ? 1 : 0);
      const [first] = recorded;
      if (first === undefined) throw new Error('no first session');
      const markers = await readGapMarkers(first.depthPath, first.prefix);
      expect(markers).toHaveLength(drop ? 1 : 0);
      if (drop) {
        expect(markers[0]).toMatchObject({ reason: 'reconnect' });
        expect(markers[0]?.fromMs).toBeLessThan(markers[0]?.toMs ?? 0);
        return;
      }
      // Every bookTicker from the stream's start was compared but those before the first file's snapshot.
      expect(compared).toBeGreaterThan(recordedTickers.length * 0.9);
      // The recorded bookTickers are the source's, in order, without loss.
      const start = sourceTickers.indexOf(recordedTickers[0] ?? '');
      expect(start).toBeGreaterThanOrEqual(0);
      expect(recordedTickers).toEqual(sourceTickers.slice(start, start + recordedTickers.length));
    },
  );
});

/** What identifies a stream payload: its event kind and id (`u` of depth and bookTicker, `t` of trades). */
function keyOf(p: Readonly<Record<string, unknown>>): string {
  const id = p['e'] === 'trade' ? p['t'] : p['u'];
  return `${String(p['e'] ?? 'bookTicker')}:${String(id)}`;
}
