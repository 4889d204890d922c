/**
 * Wires the recorder to the live feed: one `BinanceStreamFeed` per symbol (Binance's raw combined
 * streams + REST depth snapshots through the ccxt client's rate limiter, native/feeds/), the same feed
 * the engine quotes from, with its `onRaw` lines going to the recorder's file sinks. The stream base
 * and REST URLs come from native/venues/endpoints.ts, so `exchangeUrl` points it at a Binance-protocol
 * server (`mmflow exchange-sim`) instead of Binance.
 */
import type { Clock } from '../../core/ports.ts';
import type { Log } from '../../infra/log.ts';
import { getInstrument } from '../../venues/instruments.ts';
import { BinanceStreamFeed, ccxtSnapshotFetcher } from '../feeds/binance-stream-feed.ts';
import type { Sleeper } from '../feeds/recorded-feed.ts';
import { createCcxtClient } from '../venues/ccxt-client.ts';
import { venueEndpoints, type VenueId } from '../venues/endpoints.ts';
import { Recorder, type RecorderFeed, type RecorderOptions } from './recorder.ts';

/** What `createLiveRecorder` needs. */
export interface LiveRecorderOptions {
  readonly dataDir: string;
  readonly venue: VenueId;
  /** Exchange symbols known to venues/instruments.ts, e.g. `BTCUSDT`. */
  readonly symbols: readonly string[];
  /** `http://host:port` of a Binance-protocol server; undefined = Binance. */
  readonly exchangeUrl?: string | undefined;
  readonly clock: Clock;
  readonly sleep: Sleeper;
  readonly log: Log;
  /** Periodic re-snapshot of the feed, wall ms (feed default 15 min; 0 = never). */
  readonly resnapshotMs?: number;
  /** See `RecorderOptions.onRecord`. */
  readonly onRecord?: RecorderOptions['onRecord'];
}

/**
 * A recorder (not started) over live feeds.
 * @throws PermanentError `UNKNOWN_INSTRUMENT` for a symbol the instrument list does not hold;
 *   TypeError for a malformed `exchangeUrl`.
 */
export function createLiveRecorder(opts: LiveRecorderOptions): Recorder {
  const instruments = new Map(opts.symbols.map((s) => [s, getInstrument(opts.venue, s)] as const));
  const { streamBaseUrl } = venueEndpoints(opts.venue, opts.exchangeUrl);
  return new Recorder({
    dataDir: opts.dataDir,
    market: opts.venue === 'binance-spot' ? 'spot' : 'usdm',
    symbols: opts.symbols,
    clock: opts.clock,
    sleep: opts.sleep,
    log: opts.log,
    ...(opts.onRecord === undefined ? {} : { onRecord: opts.onRecord }),
    feedFactory: (symbol, onRaw): RecorderFeed => {
      const instrument = instruments.get(symbol);
      if (instrument === undefined) throw new Error(`no instrument for ${symbol}`); // checked above
      const client = createCcxtClient(instrument, undefined, opts.exchangeUrl);
      const feed = new BinanceStreamFeed({
        instrument,
        streamBaseUrl,
        fetchSnapshot: ccxtSnapshotFetcher(client, instrument),
        clock: opts.clock,
        sleep: opts.sleep,
        log: opts.log,
        onRaw,
        ...(opts.resnapshotMs === undefined ? {} : { resnapshotMs: opts.resnapshotMs }),
      });
      return {
        run: async () => {
          try {
            // The events themselves are not used: the lines reach the sink through `onRaw`.
            for await (const _ev of feed) void _ev;
          } finally {
            await client.close().catch(() => undefined);
          }
        },
        close: async () => feed.stop(),
      };
    },
  });
}
