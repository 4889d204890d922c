/**
 * Recorded Binance sessions on disk (/work/shared/data layout, see its README): discovery, streaming
 * reads of the gzip JSON-lines files, and a stable merge of a session's files by receive time.
 *
 * File names: `<folder>/binance-<market>_<SYMBOL>_<first UTC>-<last UTC>[_nosnapshot].<kind>.jsonl.gz`
 * with folders depth/, trades/, bookticker/ and kinds depth, trades, bookTicker.
 */

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PermanentError } from '../../core/errors.ts';
import type { Instrument } from '../../core/instrument.ts';
import type { Level, MarketEvent, MarketKind } from '../../core/market-events.ts';
import { readGzipLines } from '../gz-lines.ts';
import { createLineParser } from './parse.ts';

/** One recording session: the files sharing one prefix. Paths are absolute if `dataDir` was. */
export interface RecordedSession {
  /** File prefix, e.g. `binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z`. */
  readonly prefix: string;
  readonly market: MarketKind;
  /** Exchange symbol, e.g. `BTCUSDT`. */
  readonly symbol: string;
  /** First and last UTC minute in the name, compact ISO (`20240808T2354Z`). */
  readonly firstUtc: string;
  readonly lastUtc: string;
  readonly depthPath: string;
  /** `trades/<prefix>.trades.jsonl.gz`; undefined if absent. */
  readonly tradesPath: string | undefined;
  /** `bookticker/<prefix>.bookTicker.jsonl.gz`; undefined if absent. */
  readonly bookTickerPath: string | undefined;
  /** False for `_nosnapshot` prefixes: the depth file holds diffs only (from the file-name convention). */
  readonly hasSnapshot: boolean;
}

const DEPTH_SUFFIX = '.depth.jsonl.gz';
const PREFIX_RE = /^binance-(spot|usdm)_([A-Z0-9]+)_(\d{8}T\d{4}Z)-(\d{8}T\d{4}Z)(_nosnapshot)?$/;

/**
 * One session per `depth/*.depth.jsonl.gz` file, sorted by prefix.
 * @throws PermanentError `DATA_LAYOUT` if depth/ is missing or a depth file name does not follow the
 *   convention (naming the file).
 */
export function listSessions(dataDir: string): RecordedSession[] {
  const depthDir = join(dataDir, 'depth');
  if (!existsSync(depthDir)) {
    throw new PermanentError('DATA_LAYOUT', `no depth/ folder in data dir ${dataDir}`, { dataDir });
  }
  const sessions: RecordedSession[] = [];
  for (const name of readdirSync(depthDir).sort()) {
    if (!name.endsWith(DEPTH_SUFFIX)) continue;
    const prefix = name.slice(0, -DEPTH_SUFFIX.length);
    const m = PREFIX_RE.exec(prefix);
    if (m === null || m[1] === undefined || m[2] === undefined || m[3] === undefined || m[4] === undefined) {
      throw new PermanentError(
        'DATA_LAYOUT',
        `depth file name ${name} does not match binance-<market>_<SYMBOL>_<from>-<to>`,
        {
          file: join(depthDir, name),
        },
      );
    }
    const optional = (folder: string, kind: string): string | undefined => {
      const p = join(dataDir, folder, `${prefix}.${kind}.jsonl.gz`);
      return existsSync(p) ? p : undefined;
    };
    sessions.push({
      prefix,
      market: m[1] === 'spot' ? 'spot' : 'usdm',
      symbol: m[2],
      firstUtc: m[3],
      lastUtc: m[4],
      depthPath: join(depthDir, name),
      tradesPath: optional('trades', 'trades'),
      bookTickerPath: optional('bookticker', 'bookTicker'),
      hasSnapshot: m[5] === undefined,
    });
  }
  return sessions;
}

/**
 * Streams the MarketEvents of one recorded `.jsonl.gz` file in file order (gunzip + readline).
 * Lines parsed to undefined (non-MARKET futures trades, markPrice) and blank lines are skipped.
 * @throws PermanentError naming `file:line` (code of the parse error, or `DATA_READ` for I/O and
 *   gzip errors).
 */
export async function* readRecordedFile(path: string, instrument: Instrument): AsyncGenerator<MarketEvent> {
  const parse = createLineParser(instrument);
  let lineNo = 0;
  for await (const line of readGzipLines(path)) {
    lineNo++;
    if (line.length === 0) continue;
    let ev: MarketEvent | undefined;
    try {
      ev = parse(line);
    } catch (err) {
      throw atLine(err, path, lineNo);
    }
    if (ev !== undefined) yield ev;
  }
}

function atLine(err: unknown, file: string, line: number): unknown {
  if (!(err instanceof PermanentError)) return err;
  return new PermanentError(
    err.code,
    `${file}:${line}: ${err.message}`,
    { ...err.details, file, line },
    { cause: err },
  );
}

/**
 * Stable k-way merge of event streams by `recvTimeUs` (each source must be non-decreasing in it, as
 * recorded files are). Equal times keep argument order across sources and file order within one.
 * Linear scan of the k heads per event: k is 2–3 here.
 */
export async function* mergeByRecvTime(
  ...sources: AsyncIterable<MarketEvent>[]
): AsyncGenerator<MarketEvent> {
  const its = sources.map((s) => s[Symbol.asyncIterator]());
  const heads: Array<MarketEvent | undefined> = [];
  try {
    for (const it of its) heads.push(await nextOf(it));
    for (;;) {
      let best = -1;
      let bestUs = Infinity;
      for (let i = 0; i < heads.length; i++) {
        const h = heads[i];
        if (h !== undefined && (best < 0 || h.recvTimeUs < bestUs)) {
          best = i;
          bestUs = h.recvTimeUs;
        }
      }
      const it = its[best];
      const ev = heads[best];
      if (it === undefined || ev === undefined) return;
      yield ev;
      heads[best] = await nextOf(it);
    }
  } finally {
    for (let i = 0; i < its.length; i++) if (heads[i] !== undefined) await its[i]?.return?.();
  }
}

async function nextOf(it: AsyncIterator<MarketEvent>): Promise<MarketEvent | undefined> {
  const r = await it.next();
  return r.done === true ? undefined : r.value;
}

/**
 * Stable merge of in-memory event arrays by `recvTimeUs` (same tie rule as `mergeByRecvTime`).
 * Pure and synchronous; returns a new array.
 */
export function mergeArraysByRecvTime(...arrays: ReadonlyArray<readonly MarketEvent[]>): MarketEvent[] {
  const out: MarketEvent[] = [];
  const pos = arrays.map(() => 0);
  for (;;) {
    let best = -1;
    let bestUs = Infinity;
    for (let i = 0; i < arrays.length; i++) {
      const ev = arrays[i]?.[pos[i] ?? 0];
      if (ev !== undefined && (best < 0 || ev.recvTimeUs < bestUs)) {
        best = i;
        bestUs = ev.recvTimeUs;
      }
    }
    const ev = arrays[best]?.[pos[best] ?? 0];
    if (ev === undefined) return out;
    out.push(ev);
    pos[best] = (pos[best] ?? 0) + 1;
  }
}

/** Options of `loadSessionEvents`. */
export interface LoadSessionOptions {
  /** Also merge the bookTicker file (default false: depth + trades only). */
  readonly includeBookTicker?: boolean;
}

/**
 * Loads a whole session into memory as one array merged by receive time: depth (snapshot + diffs),
 * then trades, then bookTicker on time ties, laid out in memory in that order (`inReplayLayout`). For
 * benchmarks and backtests (sessions are minutes long: ~100k events).
 * @throws PermanentError from `readRecordedFile`.
 */
export async function loadSessionEvents(
  session: RecordedSession,
  instrument: Instrument,
  opts: LoadSessionOptions = {},
): Promise<MarketEvent[]> {
  const paths = [session.depthPath, session.tradesPath];
  if (opts.includeBookTicker === true) paths.push(session.bookTickerPath);
  const arrays = await Promise.all(
    paths
      .filter((p): p is string => p !== undefined)
      .map(async (p) => {
        const events: MarketEvent[] = [];
        for await (const ev of readRecordedFile(p, instrument)) events.push(ev);
        return events;
      }),
  );
  return inReplayLayout(mergeArraysByRecvTime(...arrays));
}

/**
 * A copy of `events` (in replay order) whose objects are allocated one after another in that order:
 * each event, then its level arrays. The parser leaves the events of the files it reads concurrently
 * interleaved with its own garbage, so a replay of the loaded array jumps around the heap; over the
 * copy it streams. Measured on the spot BTCUSDT benchmark session (26,400 events, 298k levels): the
 * copy takes ~20–50 ms once and every replay of the session then runs ~12 % faster (docs/adr/0004,
 * follow-up 3): it pays back after ~10 replays (a study replays each session once per trial and fold,
 * hundreds of times), and adds 3–7 % to the load time of a one-off backtest. Same events, same values.
 */
function inReplayLayout(events: readonly MarketEvent[]): MarketEvent[] {
  return events.map(copyEvent);
}

/**
 * A copy of one event, written field by field (one object literal per kind, so each kind keeps one
 * hidden class; a spread copy made extra ones and turned the replay's property reads megamorphic).
 * The compiler checks that every field of each kind is copied.
 */
function copyEvent(ev: MarketEvent): MarketEvent {
  switch (ev.kind) {
    case 'trade':
      return {
        kind: 'trade',
        tradeId: ev.tradeId,
        priceTicks: ev.priceTicks,
        sizeLots: ev.sizeLots,
        aggressor: ev.aggressor,
        exchTimeMs: ev.exchTimeMs,
        recvTimeUs: ev.recvTimeUs,
      };
    case 'depth':
      return {
        kind: 'depth',
        firstUpdateId: ev.firstUpdateId,
        finalUpdateId: ev.finalUpdateId,
        prevFinalUpdateId: ev.prevFinalUpdateId,
        bids: copyLevels(ev.bids),
        asks: copyLevels(ev.asks),
        exchTimeMs: ev.exchTimeMs,
        recvTimeUs: ev.recvTimeUs,
      };
    case 'snapshot':
      return {
        kind: 'snapshot',
        lastUpdateId: ev.lastUpdateId,
        bids: copyLevels(ev.bids),
        asks: copyLevels(ev.asks),
        recvTimeUs: ev.recvTimeUs,
        exchTimeMs: ev.exchTimeMs,
      };
    case 'bookTicker':
      return {
        kind: 'bookTicker',
        updateId: ev.updateId,
        bidTicks: ev.bidTicks,
        bidLots: ev.bidLots,
        askTicks: ev.askTicks,
        askLots: ev.askLots,
        exchTimeMs: ev.exchTimeMs,
        recvTimeUs: ev.recvTimeUs,
      };
  }
}

function copyLevels(levels: readonly Level[]): Level[] {
  return levels.map((lv) => [lv[0], lv[1]] as const);
}
