/**
 * A recorded session as the simulator replays it: every line of the depth, trades and bookTicker files,
 * merged by receive time, each kept twice: the raw Binance payload (what the streams send, original
 * field names and decimal strings, without the recorder's `recv_ns` / `stream`) and the parsed
 * MarketEvent (what the book and the fill model consume). Data layout: /work/shared/data/README.md.
 */
import { PermanentError } from '../core/errors.ts';
import type { Instrument } from '../core/instrument.ts';
import type { MarketEvent } from '../core/market-events.ts';
import { readGzipLines } from '../venues/gz-lines.ts';
import { createLineParser, readRecvTimeUs } from '../venues/binance/parse.ts';
import type { RecordedSession } from '../venues/binance/recorded.ts';

/** A raw Binance payload object (JSON). */
export type Payload = Record<string, unknown>;

/** One recorded line. */
export interface FeedEvent {
  /** Recorder receive time, Unix µs (orders the replay and sets its pace). */
  readonly recvUs: number;
  /** Recorded stream name, e.g. `btcusdt@depth@100ms`; undefined for the REST snapshot line. */
  readonly stream: string | undefined;
  /** The exchange payload as recorded (never mutated: the replay copies before it rewrites ids). */
  readonly payload: Payload;
  /** The parsed event; undefined for lines the core does not model (e.g. futures non-MARKET trades). */
  readonly event: MarketEvent | undefined;
}

/**
 * Reads one session's files (depth, then trades and bookTicker when present) and merges them by receive
 * time, stable (ties keep that file order).
 * @throws PermanentError naming `file:line` for a malformed line.
 */
export async function loadFeed(session: RecordedSession, instrument: Instrument): Promise<FeedEvent[]> {
  const paths = [session.depthPath, session.tradesPath, session.bookTickerPath].filter(
    (p): p is string => p !== undefined,
  );
  const files = await Promise.all(paths.map((p) => readFeedFile(p, instrument)));
  return mergeByRecv(files);
}

async function readFeedFile(path: string, instrument: Instrument): Promise<FeedEvent[]> {
  const parse = createLineParser(instrument);
  const out: FeedEvent[] = [];
  let lineNo = 0;
  for await (const line of readGzipLines(path)) {
    lineNo++;
    if (line.length === 0) continue;
    try {
      const raw: unknown = JSON.parse(line);
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
        throw new PermanentError('PARSE_JSON', 'line is not a JSON object', {});
      }
      const { recv_ns: _recv, stream, ...payload } = raw as Payload;
      out.push({
        recvUs: readRecvTimeUs(line),
        stream: typeof stream === 'string' ? stream : undefined,
        payload,
        event: parse(line),
      });
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new PermanentError('DATA_READ', `${path}:${lineNo}: ${why}`, { file: path, line: lineNo });
    }
  }
  return out;
}

/** Stable k-way merge by `recvUs` (each input non-decreasing, as the recordings are). */
export function mergeByRecv(lists: ReadonlyArray<readonly FeedEvent[]>): FeedEvent[] {
  const out: FeedEvent[] = [];
  const pos = lists.map(() => 0);
  for (;;) {
    let best = -1;
    let bestUs = Infinity;
    for (let i = 0; i < lists.length; i++) {
      const ev = lists[i]?.[pos[i] ?? 0];
      if (ev !== undefined && ev.recvUs < bestUs) {
        best = i;
        bestUs = ev.recvUs;
      }
    }
    const ev = lists[best]?.[pos[best] ?? 0];
    if (ev === undefined) return out;
    out.push(ev);
    pos[best] = (pos[best] ?? 0) + 1;
  }
}
