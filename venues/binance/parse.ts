/**
 * Pure parser of recorded Binance lines (/work/shared/data format) into core `MarketEvent`s.
 *
 * Two paths, same output:
 * - fast (default): `JSON.parse`, then hand-written type checks of exactly the fields used, and a
 *   char-by-char decimal → ticks/lots scan (`decimalToSteps`). No zod on the happy path.
 * - strict: the zod wire schemas of `wire.ts`. The fast path falls back to it whenever its cheap
 *   structural check fails, so every malformed line gets zod's precise field path in the error.
 *   `parseRecordedLineStrict` always takes it (reference for tests and benchmarks).
 *
 * `recv_ns` (Unix ns ≈ 1.7e18 > 2^53) loses precision through JSON.parse, so its digits are read from
 * the raw text and `recvTimeUs` = ⌊recv_ns / 1000⌋ is exact (the last three digits are dropped).
 * Exchange time: `E` (event ms) for depth and bookTicker, `T` (trade ms) for trades.
 */

import { InvariantViolation, PermanentError } from '../../core/errors.ts';
import {
  decimalToSteps,
  decimalToStepsRounded,
  instrumentSteps,
  type DecimalStep,
  type Instrument,
} from '../../core/instrument.ts';
import type {
  BookTicker,
  DepthDiff,
  DepthSnapshot,
  Level,
  MarketEvent,
  MarketKind,
  Trade,
} from '../../core/market-events.ts';
import {
  snapshotWire,
  spotBookTickerWire,
  spotDiffWire,
  spotTradeWire,
  usdmBookTickerWire,
  usdmDiffWire,
  usdmTradeWire,
} from './wire.ts';

/** Parses one recorded line; undefined for lines that carry no market event we model. */
export type LineParser = (line: string) => MarketEvent | undefined;

type Obj = Record<string, unknown>;
/** Internal: the line is well-formed but deliberately not modelled (e.g. a non-MARKET futures trade). */
const SKIP = 'skip';
type Built<T> = T | typeof SKIP | undefined; // undefined = fast structural check failed

const RECV_KEY = '"recv_ns":';
const EXCERPT_CHARS = 160;

/** `binance-spot` → `spot`, `binance-usdm` → `usdm`. */
export function marketOf(instrument: Instrument): MarketKind {
  return instrument.venue === 'binance-spot' ? 'spot' : 'usdm';
}

/**
 * Parser of one instrument's recorded lines (steps and market precompiled). Prefer `createLineParser`
 * / `parseRecordedLine`; use the class directly to read the `roundedBookSizes` counter.
 */
export class RecordedLineParser {
  private readonly price: DecimalStep;
  private readonly size: DecimalStep;
  private readonly market: MarketKind;
  private readonly symbol: string;
  private readonly strict: boolean;
  private roundedCount = 0;

  /** @param strict true: always validate with zod (reference path); false: fast path, zod on failure. */
  constructor(instrument: Instrument, strict: boolean) {
    const steps = instrumentSteps(instrument);
    this.price = steps.price;
    this.size = steps.size;
    this.market = marketOf(instrument);
    this.symbol = instrument.symbol;
    this.strict = strict;
  }

  /** Book sizes (depth levels, bookTicker B/A) rounded up to a whole lot so far (see `bookSize`). */
  get roundedBookSizes(): number {
    return this.roundedCount;
  }

  /** Parses one line; see `parseRecordedLine`. */
  parse(line: string): MarketEvent | undefined {
    try {
      const ev = this.parseUnwrapped(line);
      return ev === SKIP ? undefined : ev;
    } catch (err) {
      if (!(err instanceof PermanentError)) throw err;
      const excerpt = line.length > EXCERPT_CHARS ? `${line.slice(0, EXCERPT_CHARS)}…` : line;
      throw new PermanentError(
        err.code,
        `${err.message}; line: ${excerpt}`,
        { ...err.details, line: excerpt },
        { cause: err },
      );
    }
  }

  private parseUnwrapped(line: string): MarketEvent | typeof SKIP {
    // JSON first: a line that is not JSON at all is reported as such, not as a missing recv_ns.
    const raw = parseJsonLine(line);
    const recvTimeUs = readRecvTimeUs(line);
    if (!isObj(raw)) throw new PermanentError('PARSE_JSON', 'line is not a JSON object', {});
    const ns = raw.recv_ns;
    if (typeof ns === 'number' && Math.abs(ns / 1000 - recvTimeUs) > 2) {
      throw new PermanentError('PARSE_FIELD', 'field "recv_ns": text and value disagree', {
        field: 'recv_ns',
      });
    }
    if ('lastUpdateId' in raw) return this.snapshot(raw, recvTimeUs);
    const e = raw.e;
    if (e === 'depthUpdate') return this.diff(raw, recvTimeUs);
    if (e === 'trade') return this.trade(raw, recvTimeUs);
    if (e === 'bookTicker' || (e === undefined && 'u' in raw && 'B' in raw))
      return this.bookTicker(raw, recvTimeUs);
    if (e === 'markPriceUpdate') return SKIP;
    throw new PermanentError(
      'PARSE_UNKNOWN_EVENT',
      `field "e": unrecognised event type ${JSON.stringify(e) ?? 'undefined'}`,
      { field: 'e' },
    );
  }

  private snapshot(raw: Obj, recvTimeUs: number): DepthSnapshot {
    if (!this.strict) {
      const { lastUpdateId, E } = raw;
      if (nat(lastUpdateId) && (E === undefined || nat(E)) && typeof raw.recv_ns === 'number') {
        const ev = this.buildSnapshot(lastUpdateId, E, raw.bids, raw.asks, recvTimeUs);
        if (ev !== undefined) return ev;
      }
    }
    const w = parseWire(snapshotWire, raw);
    return this.buildSnapshot(w.lastUpdateId, w.E, w.bids, w.asks, recvTimeUs) ?? unreachable();
  }

  private buildSnapshot(
    lastUpdateId: number,
    E: number | undefined,
    b: unknown,
    a: unknown,
    recvTimeUs: number,
  ): DepthSnapshot | undefined {
    const bids = this.levels(b, 'bids');
    const asks = bids && this.levels(a, 'asks');
    if (bids === undefined || asks === undefined) return undefined;
    return { kind: 'snapshot', lastUpdateId, bids, asks, recvTimeUs, exchTimeMs: E };
  }

  private diff(raw: Obj, recvTimeUs: number): DepthDiff {
    if (!this.strict) {
      const { s, U, u, E, pu, T } = raw;
      const usdmOk = this.market === 'spot' || (nat(pu) && nat(T));
      if (typeof s === 'string' && nat(U) && nat(u) && nat(E) && usdmOk && typeof raw.recv_ns === 'number') {
        const ev = this.buildDiff(s, U, u, nat(pu) ? pu : undefined, E, raw.b, raw.a, recvTimeUs);
        if (ev !== undefined) return ev;
      }
    }
    if (this.market === 'spot') {
      const w = parseWire(spotDiffWire, raw);
      return this.buildDiff(w.s, w.U, w.u, undefined, w.E, w.b, w.a, recvTimeUs) ?? unreachable();
    }
    const w = parseWire(usdmDiffWire, raw);
    return this.buildDiff(w.s, w.U, w.u, w.pu, w.E, w.b, w.a, recvTimeUs) ?? unreachable();
  }

  private buildDiff(
    s: string,
    U: number,
    u: number,
    pu: number | undefined,
    E: number,
    b: unknown,
    a: unknown,
    recvTimeUs: number,
  ): DepthDiff | undefined {
    this.checkSymbol(s);
    const bids = this.levels(b, 'b');
    const asks = bids && this.levels(a, 'a');
    if (bids === undefined || asks === undefined) return undefined;
    return {
      kind: 'depth',
      firstUpdateId: U,
      finalUpdateId: u,
      prevFinalUpdateId: pu,
      bids,
      asks,
      exchTimeMs: E,
      recvTimeUs,
    };
  }

  private trade(raw: Obj, recvTimeUs: number): Trade | typeof SKIP {
    if (!this.strict) {
      const ev = this.fastTrade(raw, recvTimeUs);
      if (ev !== undefined) return ev;
    }
    if (this.market === 'spot') {
      const w = parseWire(spotTradeWire, raw);
      return this.buildTrade(w.s, w.t, w.p, w.q, w.m, w.T, recvTimeUs);
    }
    const w = parseWire(usdmTradeWire, raw);
    this.checkSymbol(w.s);
    if (w.X !== 'MARKET') return SKIP;
    return this.buildTrade(w.s, w.t, w.p, w.q, w.m, w.T, recvTimeUs);
  }

  private fastTrade(raw: Obj, recvTimeUs: number): Built<Trade> {
    const { s, t, p, q, m, T, E, X } = raw;
    if (!(typeof s === 'string' && nat(t) && typeof p === 'string' && typeof q === 'string'))
      return undefined;
    if (!(typeof m === 'boolean' && nat(T) && nat(E) && typeof raw.recv_ns === 'number')) return undefined;
    if (this.market === 'usdm') {
      if (typeof X !== 'string') return undefined;
      this.checkSymbol(s);
      if (X !== 'MARKET') return SKIP; // INSURANCE_FUND, ADL, ...: not market prints
    }
    return this.buildTrade(s, t, p, q, m, T, recvTimeUs);
  }

  private buildTrade(
    s: string,
    t: number,
    p: string,
    q: string,
    m: boolean,
    T: number,
    recvTimeUs: number,
  ): Trade {
    this.checkSymbol(s);
    return {
      kind: 'trade',
      tradeId: t,
      priceTicks: this.steps(this.price, p, 'p', -1),
      sizeLots: this.steps(this.size, q, 'q', -1),
      aggressor: m ? 'sell' : 'buy', // m: buyer is maker → the seller took liquidity
      exchTimeMs: T,
      recvTimeUs,
    };
  }

  private bookTicker(raw: Obj, recvTimeUs: number): BookTicker {
    if (!this.strict) {
      const { u, s, b, B, a, A, e, E, T } = raw;
      const usdmOk = this.market === 'spot' ? e === undefined : e === 'bookTicker' && nat(E) && nat(T);
      if (nat(u) && typeof s === 'string' && typeof b === 'string' && typeof B === 'string' && usdmOk) {
        if (typeof a === 'string' && typeof A === 'string' && typeof raw.recv_ns === 'number') {
          return this.buildBookTicker(u, s, b, B, a, A, nat(E) ? E : undefined, recvTimeUs);
        }
      }
    }
    if (this.market === 'spot') {
      const w = parseWire(spotBookTickerWire, raw);
      return this.buildBookTicker(w.u, w.s, w.b, w.B, w.a, w.A, undefined, recvTimeUs);
    }
    const w = parseWire(usdmBookTickerWire, raw);
    return this.buildBookTicker(w.u, w.s, w.b, w.B, w.a, w.A, w.E, recvTimeUs);
  }

  private buildBookTicker(
    u: number,
    s: string,
    b: string,
    B: string,
    a: string,
    A: string,
    E: number | undefined,
    recvTimeUs: number,
  ): BookTicker {
    this.checkSymbol(s);
    return {
      kind: 'bookTicker',
      updateId: u,
      bidTicks: this.steps(this.price, b, 'b', -1),
      bidLots: this.bookSize(B, 'B', -1),
      askTicks: this.steps(this.price, a, 'a', -1),
      askLots: this.bookSize(A, 'A', -1),
      exchTimeMs: E,
      recvTimeUs,
    };
  }

  /** `[[price, qty], ...]` → Levels; undefined if the shape is wrong (caller falls back to zod). */
  private levels(arr: unknown, field: string): Level[] | undefined {
    if (!Array.isArray(arr)) return undefined;
    const n = arr.length;
    const out: Level[] = [];
    for (let i = 0; i < n; i++) {
      const lv: unknown = arr[i];
      if (!Array.isArray(lv) || lv.length !== 2) return undefined;
      const p: unknown = lv[0];
      const q: unknown = lv[1];
      if (typeof p !== 'string' || typeof q !== 'string') return undefined;
      out.push([this.steps(this.price, p, field, i), this.bookSize(q, field, i)]);
    }
    return out;
  }

  /**
   * Exact decimal → steps; on failure re-throws naming the field: `field` alone when `i` < 0, else
   * `field[i][col]` (built only on failure, so the hot path allocates no strings).
   */
  private steps(step: DecimalStep, text: string, field: string, i: number, col = 0): number {
    try {
      return decimalToSteps(step, text);
    } catch (err) {
      if (!(err instanceof PermanentError)) throw err;
      const name = i < 0 ? field : `${field}[${i}][${col}]`;
      throw new PermanentError(
        err.code,
        `field "${name}": ${err.message}`,
        { ...err.details, field: name },
        { cause: err },
      );
    }
  }

  /**
   * Exact level size in lots, with one venue-edge exception: a size off the current lot grid is
   * rounded UP to a whole lot and counted in `roundedBookSizes`. Binance keeps resting orders placed
   * under an older, finer step (spot BTCUSDT was 0.000001 before 0.00001), so the recorded books hold
   * a few such levels, all far from the touch (e.g. 4690.343896 BTC at 12,000 USDT); rounding up keeps
   * a non-empty level non-empty and changes its size by < 1 lot. Trades stay strict.
   */
  private bookSize(text: string, field: string, i: number): number {
    try {
      return decimalToSteps(this.size, text);
    } catch (err) {
      if (err instanceof PermanentError && err.code === 'DECIMAL_NOT_MULTIPLE') {
        this.roundedCount++;
        return decimalToStepsRounded(this.size, text, 'up');
      }
      return this.steps(this.size, text, field, i, 1); // re-throws naming the field
    }
  }

  private checkSymbol(s: string): void {
    if (s !== this.symbol) {
      throw new PermanentError(
        'SYMBOL_MISMATCH',
        `field "s": symbol ${s} is not the instrument's ${this.symbol}`,
        {
          field: 's',
          value: s,
        },
      );
    }
  }
}

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Non-negative safe integer. */
function nat(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function unreachable(): never {
  throw new InvariantViolation('PARSER_UNREACHABLE', 'schema-valid payload failed the structural check');
}

/** The part of a zod schema `parseWire` uses. */
export interface SafeParser<T> {
  safeParse(x: unknown):
    | { success: true; data: T }
    | {
        success: false;
        error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> };
      };
}

/**
 * Validates `raw` with a zod schema (any object with zod's `safeParse`).
 * @throws PermanentError `PARSE_FIELD` naming the first bad field path, e.g. `field "b[3][0]"`.
 */
export function parseWire<T>(schema: SafeParser<T>, raw: unknown): T {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  let field = '';
  for (const k of issue?.path ?? [])
    field += typeof k === 'number' ? `[${k}]` : field === '' ? String(k) : `.${String(k)}`;
  throw new PermanentError('PARSE_FIELD', `field "${field || '(root)'}": ${issue?.message ?? 'invalid'}`, {
    field,
  });
}

/**
 * `JSON.parse` of one recorded line.
 * @throws PermanentError `PARSE_JSON` "line is not valid JSON: <the parser's message>".
 */
export function parseJsonLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new PermanentError('PARSE_JSON', `line is not valid JSON: ${reason}`, { reason });
  }
}

/**
 * Exact recvTimeUs = ⌊recv_ns / 1000⌋ from the digits after `"recv_ns":` in the raw line.
 * @throws PermanentError `PARSE_FIELD` if the field is missing or not a plain integer.
 */
export function readRecvTimeUs(line: string): number {
  const k = line.indexOf(RECV_KEY);
  const bad = (): PermanentError =>
    new PermanentError('PARSE_FIELD', 'field "recv_ns": missing or not a non-negative integer', {
      field: 'recv_ns',
    });
  if (k < 0) throw bad();
  let i = k + RECV_KEY.length;
  while (line.charCodeAt(i) === 32) i++;
  const start = i;
  for (; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c < 48 || c > 57) break;
  }
  const end = i;
  const next = line.charCodeAt(end);
  // 4..19 digits, then ',' '}' or ' ': a plain integer (no fraction, exponent or sign).
  if (end - start < 4 || end - start > 19 || !(next === 44 || next === 125 || next === 32)) throw bad();
  let us = 0;
  for (let j = start; j < end - 3; j++) us = us * 10 + (line.charCodeAt(j) - 48); // ≤ 16 digits
  if (us > Number.MAX_SAFE_INTEGER) throw bad(); // every step above was exact iff the result is safe
  return us;
}

const parserCache = new WeakMap<Instrument, RecordedLineParser>();

/**
 * A line parser bound to one instrument (steps and market precompiled): fast path, zod fallback.
 * @returns parser throwing PermanentError (codes PARSE_JSON, PARSE_FIELD, PARSE_UNKNOWN_EVENT,
 *   SYMBOL_MISMATCH, DECIMAL_*) whose message names the field and quotes the line (first 160 chars).
 */
export function createLineParser(instrument: Instrument): LineParser {
  const p = new RecordedLineParser(instrument, false);
  return (line) => p.parse(line);
}

/**
 * Parses one recorded line of `instrument`'s stream into a MarketEvent.
 * @returns undefined for lines deliberately not modelled: USDⓈ-M trades with `X` other than `MARKET`
 *   (insurance-fund and ADL prints) and `markPriceUpdate` events.
 * @throws PermanentError on malformed input, naming the field (e.g. `field "b[3][0]"`) and the line.
 */
export function parseRecordedLine(line: string, instrument: Instrument): MarketEvent | undefined {
  let p = parserCache.get(instrument);
  if (p === undefined) {
    p = new RecordedLineParser(instrument, false);
    parserCache.set(instrument, p);
  }
  return p.parse(line);
}

/** As `parseRecordedLine`, but always validates with the zod wire schemas (reference path). */
export function parseRecordedLineStrict(line: string, instrument: Instrument): MarketEvent | undefined {
  return new RecordedLineParser(instrument, true).parse(line);
}
