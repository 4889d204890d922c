/**
 * Pure parts of the live Binance feed (./binance-stream-feed.ts): raw stream messages and REST
 * snapshots → lines in the recorded-data format of /work/shared/data/README.md (the original payload
 * with Binance's field names, plus `recv_ns` and `stream`), so the live feed, the recorder and the
 * replay of recorded files all go through one parser (venues/binance/parse.ts); the snapshot timing
 * rules of Binance's "How to manage a local order book correctly"; and the bookkeeping that decides
 * whether a resync request needs a new REST snapshot.
 */
import { PermanentError } from '../../core/errors.ts';
import type { DepthDiff, MarketKind } from '../../core/market-events.ts';

/** What a raw record carries. `gap`: the diff chain of the received stream broke (module doc of the feed). */
export type RawFeedKind = 'depth' | 'trade' | 'bookTicker' | 'snapshot' | 'gap';

/** Why a `gap` record was written. */
export type RawGapReason = 'reconnect' | 'sequence';

/**
 * One raw message as received, for the recorder (`mmflow record`) and for parsing.
 * - `line`: the recorded-format object: payload fields as Binance sent them, plus `recv_ns` (a
 *   number: ns above 2^53 lose their last bits in a JS number) and `stream` (absent on snapshots).
 *   A `gap` line is `{recv_ns, e: 'mmflowGap', reason, lastUpdateId, nextUpdateId}` (ids may be null).
 * - `text`: `line` as one JSON line with `recv_ns` written exactly (write this to files).
 */
export interface RawFeedRecord {
  readonly kind: RawFeedKind;
  /** Our receive time, Unix epoch ns (exact: ns exceed 2^53). */
  readonly recvNs: bigint;
  readonly line: Readonly<Record<string, unknown>>;
  readonly text: string;
}

/** A combined-stream message split: stream name, payload text and payload object. */
export interface StreamMessage {
  readonly kind: 'depth' | 'trade' | 'bookTicker';
  readonly stream: string;
  readonly data: Readonly<Record<string, unknown>>;
}

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Splits one combined-stream message `{"stream": "<sym>@<kind>", "data": {...}}` (Binance
 * "WebSocket Streams", combined streams). Subscription answers (`{"result": null, "id": n}`) give
 * undefined.
 * @throws PermanentError `PARSE_JSON` for text that is not JSON, `PARSE_FIELD` for a message without
 *   `stream`/`data`, `PARSE_UNKNOWN_EVENT` for a stream that is not depth, trade or bookTicker.
 */
export function splitCombined(text: string): StreamMessage | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new PermanentError('PARSE_JSON', `stream message is not valid JSON: ${reason}`, { reason });
  }
  if (isObj(raw) && 'id' in raw && !('stream' in raw)) return undefined;
  if (!isObj(raw) || typeof raw.stream !== 'string' || !isObj(raw.data)) {
    throw new PermanentError('PARSE_FIELD', 'stream message: expected {"stream": string, "data": object}', {
      field: 'stream',
    });
  }
  const stream = raw.stream;
  const at = stream.indexOf('@');
  const ev = at < 0 ? '' : stream.slice(at + 1).toLowerCase();
  const kind = ev.startsWith('depth')
    ? 'depth'
    : ev === 'trade'
      ? 'trade'
      : ev === 'bookticker'
        ? 'bookTicker'
        : undefined;
  if (kind === undefined) {
    throw new PermanentError('PARSE_UNKNOWN_EVENT', `stream "${stream}" is not depth, trade or bookTicker`, {
      field: 'stream',
    });
  }
  return { kind, stream, data: raw.data };
}

/** `recvUs` (Unix µs) → exact ns as bigint. */
export function recvNsOf(recvUs: number): bigint {
  return BigInt(Math.trunc(recvUs)) * 1000n;
}

/**
 * A recorded-format line: `{"recv_ns": <exact digits>, "stream"?: ..., ...fields}`.
 * @param fields the payload (its keys kept in order; a `recv_ns` or `stream` in it is overwritten).
 */
export function rawRecord(
  kind: RawFeedKind,
  recvUs: number,
  stream: string | undefined,
  fields: Readonly<Record<string, unknown>>,
): RawFeedRecord {
  const recvNs = recvNsOf(recvUs);
  const { recv_ns: _n, stream: _s, ...rest } = fields;
  const body = JSON.stringify(rest);
  const head = stream === undefined ? '' : `"stream":${JSON.stringify(stream)},`;
  const text = `{"recv_ns":${recvNs.toString()},${head}${body.slice(1)}`;
  const line = { recv_ns: Number(recvNs), ...(stream === undefined ? {} : { stream }), ...rest };
  return { kind, recvNs, line, text: body === '{}' ? text.replace(/,}$/, '}') : text };
}

/**
 * The gap record: the received diff chain broke (`sequence`) or the socket was reopened (`reconnect`).
 * @param lastUpdateId `u` of the last diff before the break (null: none yet).
 * @param nextUpdateId `U` of the first diff after it (null: not known).
 */
export function gapRecord(
  recvUs: number,
  reason: RawGapReason,
  lastUpdateId: number | null,
  nextUpdateId: number | null,
): RawFeedRecord {
  return rawRecord('gap', recvUs, undefined, { e: 'mmflowGap', reason, lastUpdateId, nextUpdateId });
}

/**
 * Whether diff `d` does NOT continue the received chain ending at `prevU` (Binance procedure: spot
 * `U == previous u + 1`; USDⓈ-M `pu == previous u`). A diff already covered (u ≤ prevU) is no break.
 */
export function breaksChain(market: MarketKind, prevU: number, d: DepthDiff): boolean {
  if (d.finalUpdateId <= prevU) return false;
  if (market === 'spot') return d.firstUpdateId !== prevU + 1;
  return d.prevFinalUpdateId !== prevU;
}

/**
 * Binance "How to manage a local order book correctly", step 4: a snapshot older than the first
 * buffered diff of the connection cannot be chained and is fetched again. Spot: `lastUpdateId` < `U`
 * − 1 (the doc's "strictly less than the U", plus the id U − 1 itself, which the first diff continues).
 * USDⓈ-M: `lastUpdateId` < `pu` of the first diff (ids are shared across symbols: the diffs of this
 * symbol between `pu` and `U` do not exist, so `pu ≤ lastUpdateId < U` still chains).
 */
export function snapshotTooOld(market: MarketKind, lastUpdateId: number, firstDiff: DepthDiff): boolean {
  if (market === 'spot') return lastUpdateId < firstDiff.firstUpdateId - 1;
  return lastUpdateId < (firstDiff.prevFinalUpdateId ?? firstDiff.firstUpdateId);
}

/**
 * Decides whether a resync request needs a new REST snapshot. Depth messages are numbered as the
 * feed receives them (`seq`). A snapshot whose fetch STARTED after message n was received covers
 * every update of messages 1..n, so it answers any request made about them (the engine asks after
 * processing message n, a gap at n or earlier). A request is thus satisfied by a fetch in flight or
 * done on this connection that started at seq ≥ the request's seq; otherwise a new fetch is needed.
 * Never reuses an older snapshot.
 */
export class SnapshotLedger {
  /** seq of the newest fetch started on this connection (in flight or done); -1: none. */
  private startedSeq = -1;
  /** Highest seq a request asked to be covered; -1: none pending. */
  private wantedSeq = -1;

  /** A new connection: earlier snapshots no longer apply, and one is needed. */
  reset(): void {
    this.startedSeq = -1;
    this.wantedSeq = 0;
  }

  /** A resync was requested about the depth messages up to `seq`. */
  request(seq: number): void {
    if (seq > this.wantedSeq) this.wantedSeq = seq;
  }

  /** A fetch is wanted whatever was fetched before (the periodic re-snapshot). */
  force(): void {
    this.startedSeq = -1;
    if (this.wantedSeq < 0) this.wantedSeq = 0;
  }

  /** Whether a fetch must start now (a request not covered by a fetch started at or after its seq). */
  get needsFetch(): boolean {
    return this.wantedSeq >= 0 && this.startedSeq < this.wantedSeq;
  }

  /** A fetch starts after `seq` depth messages were received. */
  started(seq: number): void {
    this.startedSeq = seq;
  }

  /** The fetch failed or its snapshot was too old: the request stands again. */
  failed(): void {
    this.startedSeq = -1;
  }
}
