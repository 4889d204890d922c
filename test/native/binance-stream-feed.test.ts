/**
 * `BinanceStreamFeed` against the exchange simulator (real WebSocket streams, REST snapshots through a
 * real ccxt pro client built by `createCcxtClient` with the simulator's URL). The consumer does what
 * the engine does: a `BinanceBookSync` that asks the feed for a snapshot when it goes out of sync, and
 * the bookTicker cross-check. Its book must equal the simulator's replay book whenever it has caught
 * up with the replay's update id; a resync request, a dropped depth diff and a dropped socket must each
 * end in a NEW REST snapshot and the same book again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BinanceBookSync, type ResyncReason } from '../../core/book/binance-sync.ts';
import { BookTickerCheck } from '../../core/book/book-ticker-check.ts';
import { OrderBook } from '../../core/book/order-book.ts';
import type { ExchangeSim } from '../../exchange-sim/simulator.ts';
import type { SymbolReplay } from '../../exchange-sim/symbol-replay.ts';
import { silentLog } from '../../infra/log.ts';
import {
  BinanceStreamFeed,
  ccxtSnapshotFetcher,
  type RawFeedRecord,
} from '../../native/feeds/binance-stream-feed.ts';
import { systemClock, systemSleep } from '../../native/system-clock.ts';
import { createCcxtClient, type CcxtClient } from '../../native/venues/ccxt-client.ts';
import { venueEndpoints } from '../../native/venues/endpoints.ts';
import { parseRecordedLine } from '../../venues/binance/parse.ts';
import {
  missingSession,
  missingSpotData,
  pollUntil,
  pumpUntil,
  startManualSim,
  USDM_SESSION,
} from '../exchange-sim/helpers.ts';
import { skipWithout } from '../setup/require.ts';

/** The engine's side of the feed: sync + cross-check, resync requests back to the feed. */
class Consumer {
  readonly book = new OrderBook();
  readonly sync: BinanceBookSync;
  readonly check = new BookTickerCheck();
  readonly snapshots: number[] = [];
  readonly resyncs: ResyncReason[] = [];
  readonly done: Promise<void>;

  constructor(private readonly feed: BinanceStreamFeed) {
    const market = feed.market;
    this.sync = new BinanceBookSync(market, this.book, {
      onResyncRequested: (r) => {
        this.resyncs.push(r);
        feed.requestSnapshot();
      },
    });
    this.done = this.run();
  }

  private async run(): Promise<void> {
    for await (const ev of this.feed) {
      if (ev.kind === 'snapshot') {
        this.snapshots.push(ev.lastUpdateId);
        if (this.sync.onSnapshot(ev) === 'applied') this.check.onBookAt(ev.lastUpdateId, this.book);
      } else if (ev.kind === 'depth') {
        if (this.sync.onDiff(ev) === 'applied') this.check.onBookAt(ev.finalUpdateId, this.book);
      } else if (ev.kind === 'bookTicker') {
        this.check.onTicker(ev, this.sync.updateId, this.book);
      }
    }
  }
}

/** Feed + consumer on one replay, with a counted snapshot fetcher and the raw records. */
function startFeed(
  sim: ExchangeSim,
  replay: SymbolReplay,
  reconnectMinMs = 20,
  opts: { resnapshotMs?: number; wrap?: (fetch: () => Promise<unknown>) => () => Promise<unknown> } = {},
) {
  const instrument = replay.instrument;
  const client: CcxtClient = createCcxtClient(instrument, undefined, sim.urls.http);
  const real = ccxtSnapshotFetcher(client, instrument);
  const fetchDepth = opts.wrap === undefined ? real : opts.wrap(real);
  const counts = { fetches: 0 };
  const raw: RawFeedRecord[] = [];
  const feed = new BinanceStreamFeed({
    instrument,
    streamBaseUrl: venueEndpoints(instrument.venue, sim.urls.http).streamBaseUrl,
    fetchSnapshot: () => {
      counts.fetches++;
      return fetchDepth();
    },
    clock: systemClock,
    sleep: systemSleep,
    log: silentLog,
    onRaw: (r) => raw.push(r),
    resnapshotMs: opts.resnapshotMs ?? 0,
    reconnectMinMs,
    snapshotRetryMs: 50,
  });
  const consumer = new Consumer(feed);
  const close = async (): Promise<void> => {
    feed.stop();
    await consumer.done;
    await client.close();
  };
  return { feed, consumer, counts, raw, close, instrument };
}

/** Steps `n` lines, then waits until the consumer's book stands at the replay's update id. */
async function advance(replay: SymbolReplay, consumer: Consumer, n: number): Promise<void> {
  await pumpUntil(replay, () => false, n, 10);
  expect(await pollUntil(() => consumer.sync.updateId === replay.updateId)).toBe(true);
}

/** Top of book and 20-level depth of both books (ticks, lots). */
function top(b: OrderBook): number[] {
  return [
    b.bestBidTicks() ?? -1,
    b.bestBidLots() ?? -1,
    b.bestAskTicks() ?? -1,
    b.bestAskLots() ?? -1,
    b.depthLots('bid', 20),
    b.depthLots('ask', 20),
  ];
}

const skipSpot = skipWithout(missingSpotData, 'BinanceStreamFeed on the simulator (spot)');

describe.skipIf(skipSpot)('BinanceStreamFeed on the exchange simulator, spot BTCUSDT', () => {
  let sim: ExchangeSim;
  let replay: SymbolReplay;
  let f: ReturnType<typeof startFeed>;

  beforeAll(async () => {
    sim = await startManualSim([]);
    const r = sim.replays.get('BTCUSDT');
    if (r === undefined) throw new Error('no BTCUSDT replay');
    replay = r;
    f = startFeed(sim, replay, 300);
    expect(await pollUntil(() => f.feed.connected)).toBe(true);
  });

  afterAll(async () => {
    await f?.close();
    await sim?.close();
  });

  it('syncs from one REST snapshot plus the diff stream; the book equals the replay book at every check', async () => {
    expect(await pumpUntil(replay, () => f.consumer.sync.synced, 2000, 5)).toBe(true);
    expect(f.counts.fetches).toBe(1);
    for (let i = 0; i < 4; i++) {
      await advance(replay, f.consumer, 250);
      expect(top(f.consumer.book)).toEqual(top(replay.book));
    }
    expect(f.consumer.resyncs).toEqual([]);
    // the recorded bookTickers agree with the live book at every equal update id
    expect(f.consumer.check.counters.compared).toBeGreaterThan(10);
    expect(f.consumer.check.counters.mismatches).toBe(0);
    expect(f.feed.silenceMs(systemClock.nowUs())).toBeGreaterThanOrEqual(0);
  });

  it('offers every message as a recorded-format line that the recorded-file parser reads', () => {
    const kinds = new Set(f.raw.map((r) => r.kind));
    expect([...kinds].sort()).toEqual(['bookTicker', 'depth', 'snapshot', 'trade']);
    const snap = f.raw.find((r) => r.kind === 'snapshot');
    expect(snap?.line).toMatchObject({ lastUpdateId: f.consumer.snapshots[0] });
    expect(snap?.line['stream']).toBeUndefined();
    const depth = f.raw.find((r) => r.kind === 'depth');
    expect(depth?.line).toMatchObject({ stream: 'btcusdt@depth@100ms', e: 'depthUpdate', s: 'BTCUSDT' });
    expect(
      depth?.text.startsWith(`{"recv_ns":${depth.recvNs.toString()},"stream":"btcusdt@depth@100ms",`),
    ).toBe(true);
    for (const r of f.raw.slice(0, 200)) {
      const ev = parseRecordedLine(r.text, f.instrument);
      expect(ev?.recvTimeUs).toBe(Number(r.recvNs / 1000n));
    }
  });

  it('requestSnapshot fetches a NEW REST snapshot (the replay point now), never an old one', async () => {
    await advance(replay, f.consumer, 100);
    const fetches = f.counts.fetches;
    const snapshots = f.consumer.snapshots.length;
    const before = f.consumer.snapshots.at(-1) ?? 0;
    const expectedId = replay.updateId; // nothing is pumped until the snapshot is in
    f.feed.requestSnapshot();
    expect(await pollUntil(() => f.consumer.snapshots.length === snapshots + 1)).toBe(true);
    expect(f.counts.fetches).toBe(fetches + 1);
    expect(f.consumer.snapshots.at(-1)).toBe(expectedId);
    expect(expectedId).toBeGreaterThan(before);
    await advance(replay, f.consumer, 100);
    expect(top(f.consumer.book)).toEqual(top(replay.book));
  });

  it('a dropped depth diff is a gap: one new snapshot (the feed and the sync ask once together), same book again', async () => {
    const fetches = f.counts.fetches;
    const gaps = f.raw.filter((r) => r.kind === 'gap').length;
    sim.faults.depth({ market: 'spot', drop: 2 });
    await pumpUntil(replay, () => f.consumer.resyncs.length > 0, 400, 5);
    expect(f.consumer.resyncs).toEqual(['gap']);
    await advance(replay, f.consumer, 100);
    expect(f.counts.fetches).toBe(fetches + 1);
    expect(top(f.consumer.book)).toEqual(top(replay.book));
    const gap = f.raw.filter((r) => r.kind === 'gap');
    expect(gap.length).toBe(gaps + 1);
    expect(gap.at(-1)?.line).toMatchObject({ e: 'mmflowGap', reason: 'sequence' });
    expect(f.feed.counters.sequenceGaps).toBe(1);
  });

  it('a dropped socket: silence is infinite while down, then reconnect and a new snapshot resync the book', async () => {
    const fetches = f.counts.fetches;
    const lastU = replay.updateId ?? 0;
    expect(sim.faults.disconnect({ market: 'spot', streams: 'market' })).toBe(1);
    expect(await pollUntil(() => !f.feed.connected)).toBe(true);
    expect(f.feed.silenceMs(systemClock.nowUs())).toBe(Number.POSITIVE_INFINITY);
    await pumpUntil(replay, () => false, 30, 10); // published while down: lost to us
    expect(await pollUntil(() => f.feed.connected)).toBe(true);
    expect(f.feed.counters.connects).toBe(2);
    await advance(replay, f.consumer, 100);
    expect(f.counts.fetches).toBe(fetches + 1);
    expect(top(f.consumer.book)).toEqual(top(replay.book));
    const gap = f.raw.filter((r) => r.kind === 'gap').at(-1);
    expect(gap?.line).toMatchObject({ reason: 'reconnect', lastUpdateId: lastU });
    expect(f.consumer.check.counters.mismatches).toBe(0);
  });

  it('a snapshot older than the first diff of the connection is fetched again, never applied', async () => {
    const first = f.raw.find((r) => r.kind === 'snapshot')?.line; // from the start of the session
    let calls = 0;
    const g = startFeed(sim, replay, 20, {
      wrap: (fetch) => () => (++calls === 1 ? Promise.resolve(first) : fetch()),
    });
    try {
      expect(await pollUntil(() => g.feed.connected)).toBe(true);
      await pumpUntil(replay, () => g.consumer.sync.synced, 2000, 5);
      await advance(replay, g.consumer, 50);
      expect(g.feed.counters).toMatchObject({ snapshotsFetched: 2, snapshotsTooOld: 1 });
      expect(g.consumer.snapshots).toHaveLength(1);
      expect(g.consumer.snapshots[0]).toBeGreaterThan(Number(first?.['lastUpdateId']));
      expect(top(g.consumer.book)).toEqual(top(replay.book));
    } finally {
      await g.close();
    }
  });

  it('re-snapshots periodically through the normal path; the book stays equal to the replay book', async () => {
    const g = startFeed(sim, replay, 20, { resnapshotMs: 100 });
    try {
      expect(await pollUntil(() => g.feed.connected)).toBe(true);
      await pumpUntil(replay, () => g.consumer.sync.synced, 2000, 5);
      // no pumping: each periodic snapshot stands at the book's id (stale, dropped) — or later ones reload it
      expect(await pollUntil(() => g.consumer.snapshots.length >= 3)).toBe(true);
      await advance(replay, g.consumer, 50);
      expect(g.counts.fetches).toBeGreaterThanOrEqual(3);
      expect(g.consumer.resyncs).toEqual([]);
      expect(top(g.consumer.book)).toEqual(top(replay.book));
    } finally {
      await g.close();
    }
  });
});

const skipUsdm = skipWithout(missingSession(USDM_SESSION), 'BinanceStreamFeed on the simulator (USDⓈ-M)');

describe.skipIf(skipUsdm)('BinanceStreamFeed on the exchange simulator, USDⓈ-M ETHUSDT', () => {
  let sim: ExchangeSim;
  let replay: SymbolReplay;
  let f: ReturnType<typeof startFeed>;

  beforeAll(async () => {
    sim = await startManualSim([], undefined, [USDM_SESSION]);
    const r = sim.usdmReplays.get('ETHUSDT');
    if (r === undefined) throw new Error('no ETHUSDT replay');
    replay = r;
    f = startFeed(sim, replay);
    expect(await pollUntil(() => f.feed.connected)).toBe(true);
  });

  afterAll(async () => {
    await f?.close();
    await sim?.close();
  });

  it('syncs on the pu chain from fapi/v1/depth; the book equals the replay book', async () => {
    expect(await pumpUntil(replay, () => f.consumer.sync.synced, 2000, 5)).toBe(true);
    for (let i = 0; i < 3; i++) {
      await advance(replay, f.consumer, 300);
      expect(top(f.consumer.book)).toEqual(top(replay.book));
    }
    expect(f.counts.fetches).toBe(1);
    expect(f.consumer.resyncs).toEqual([]);
    expect(f.consumer.check.counters.compared).toBeGreaterThan(0);
    expect(f.consumer.check.counters.mismatches).toBe(0);
    expect(f.raw.find((r) => r.kind === 'depth')?.line['stream']).toBe('ethusdt@depth@100ms');
  });
});
