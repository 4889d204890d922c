/**
 * The market-data recorder behind `mmflow record`: one live feed per symbol (the same feed code the
 * engine quotes from, native/feeds/binance-stream-feed.ts), whose raw records go to a
 * `RecordingFileSink` per symbol (hourly gzip files in the data directory's format, ./file-sink.ts).
 *
 * The feed reconnects by itself after a drop and reports each reconnect as a `gap` record. When a feed
 * ends with an error instead (e.g. a REST snapshot that keeps failing), the recorder writes a gap of
 * its own (`feed-restart`) and starts a new feed after a backoff (1 s doubling to 60 s, reset after a
 * feed has run for 60 s), so one symbol's failure never stops the others.
 */
import type { Clock } from '../../core/ports.ts';
import { errorFields, type Log } from '../../infra/log.ts';
import { rawRecord } from '../feeds/binance-stream-lines.ts';
import type { Sleeper } from '../feeds/recorded-feed.ts';
import type { ClosedFileSet } from './file-set.ts';
import { RecordingFileSink, type RecorderRecord, type SinkCounters } from './file-sink.ts';

/** A running feed as the recorder drives it: `run` resolves when the feed is closed, rejects when it fails. */
export interface RecorderFeed {
  run(): Promise<void>;
  close(): Promise<void>;
}

/** Builds the feed of one symbol, delivering its raw records to `onRaw`. */
export type RecorderFeedFactory = (symbol: string, onRaw: (record: RecorderRecord) => void) => RecorderFeed;

/** Options of `Recorder`. */
export interface RecorderOptions {
  readonly dataDir: string;
  readonly market: 'spot' | 'usdm';
  /** Exchange symbols, e.g. `BTCUSDT`. */
  readonly symbols: readonly string[];
  readonly feedFactory: RecorderFeedFactory;
  /** Wall clock (stamps the recorder's own gap markers), Unix epoch µs. */
  readonly clock: Clock;
  readonly sleep: Sleeper;
  readonly log: Log;
  /** First restart backoff, ms (default 1000); doubles up to `maxBackoffMs` (default 60 000). */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Sees every record after it was written (observability, tests). */
  readonly onRecord?: (symbol: string, record: RecorderRecord) => void;
}

/** Counters of one symbol (lines, files, gaps…) plus feed restarts. */
export interface SymbolCounters extends SinkCounters {
  restarts: number;
}

/** Records a list of symbols until `stop`. */
export class Recorder {
  private readonly abort = new AbortController();
  private readonly sinks = new Map<string, RecordingFileSink>();
  private readonly restarts = new Map<string, number>();
  private readonly feeds = new Map<string, RecorderFeed>();
  private loops: Promise<void>[] = [];

  constructor(private readonly opts: RecorderOptions) {}

  /** Starts one feed per symbol (returns at once; the feeds run until `stop`). */
  start(): void {
    for (const symbol of this.opts.symbols) {
      const sink = new RecordingFileSink(
        this.opts.dataDir,
        this.opts.market,
        symbol,
        (closed: ClosedFileSet) =>
          this.opts.log.info({ symbol, prefix: closed.prefix, lines: closed.lines }, 'recording file closed'),
        (err) => this.opts.log.error({ symbol, err: errorFields(err) }, 'recording file close failed'),
      );
      this.sinks.set(symbol, sink);
      this.restarts.set(symbol, 0);
      this.loops.push(this.loop(symbol, sink));
    }
  }

  private async loop(symbol: string, sink: RecordingFileSink): Promise<void> {
    const first = this.opts.backoffMs ?? 1000;
    const max = this.opts.maxBackoffMs ?? 60_000;
    let backoff = first;
    while (!this.abort.signal.aborted) {
      const feed = this.opts.feedFactory(symbol, (r) => {
        sink.accept(r);
        this.opts.onRecord?.(symbol, r);
      });
      this.feeds.set(symbol, feed);
      const startedUs = this.opts.clock.nowUs();
      try {
        await feed.run();
        if (this.abort.signal.aborted) return;
        this.opts.log.warn({ symbol }, 'recorder feed ended');
      } catch (err) {
        if (this.abort.signal.aborted) return;
        this.opts.log.warn({ symbol, err: errorFields(err), backoffMs: backoff }, 'recorder feed failed');
      }
      this.restarts.set(symbol, (this.restarts.get(symbol) ?? 0) + 1);
      sink.accept(
        rawRecord('gap', this.opts.clock.nowUs(), undefined, {
          e: 'mmflowGap',
          reason: 'feed-restart',
          lastUpdateId: null,
          nextUpdateId: null,
        }),
      );
      if (this.opts.clock.nowUs() - startedUs > max * 1000) backoff = first;
      await this.opts.sleep(backoff, this.abort.signal);
      backoff = Math.min(backoff * 2, max);
    }
  }

  /** Counters per symbol (a copy). */
  counters(): Record<string, SymbolCounters> {
    const out: Record<string, SymbolCounters> = {};
    for (const [symbol, sink] of this.sinks)
      out[symbol] = { ...sink.counters, restarts: this.restarts.get(symbol) ?? 0 };
    return out;
  }

  /** Closes every feed, waits for the loops, and closes the open files (renamed to their final names). */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all([...this.feeds.values()].map((f) => f.close().catch(() => undefined)));
    await Promise.all(this.loops);
    await Promise.all([...this.sinks.values()].map((s) => s.close()));
  }
}
