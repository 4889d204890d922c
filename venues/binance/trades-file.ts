/**
 * Reader of recorded `trades/*.trades.jsonl.gz` files into exact raw rows for DB ingestion (prices and
 * quantities stay decimal STRINGS for NUMERIC columns; no instrument needed). Validation uses the zod
 * wire schemas: ingestion is not a hot path.
 */

import { PermanentError } from '../../core/errors.ts';
import type { AggressorSide, MarketKind } from '../../core/market-events.ts';
import { readGzipLines } from '../gz-lines.ts';
import { parseJsonLine, parseWire, readRecvTimeUs } from './parse.ts';
import { spotTradeWire, usdmTradeWire } from './wire.ts';

/** One public trade as recorded, exact. */
export interface TradeFileRow {
  /** Binance trade id `t` (consecutive per symbol in the recordings). */
  readonly tradeId: number;
  readonly symbol: string;
  /** Price in quote currency, exact decimal string as sent (e.g. `"61837.63000000"`). */
  readonly price: string;
  /** Quantity in base asset, exact decimal string as sent. */
  readonly qty: string;
  /** Taker side: `m` (buyer is maker) true → `sell`. */
  readonly aggressor: AggressorSide;
  /** Trade time `T`, Unix ms. */
  readonly timeMs: number;
  /** Event time `E`, Unix ms. */
  readonly eventTimeMs: number;
  /** Recorder receive time, Unix µs (exact: ⌊recv_ns / 1000⌋). */
  readonly recvTimeUs: number;
}

/**
 * Parses one recorded trade line.
 * @returns undefined for USDⓈ-M trades whose `X` is not `MARKET` (insurance fund, ADL): not market prints.
 * @throws PermanentError `PARSE_FIELD` naming the field.
 */
export function parseTradeLine(line: string, market: MarketKind): TradeFileRow | undefined {
  const raw = parseJsonLine(line);
  const recvTimeUs = readRecvTimeUs(line);
  let w;
  if (market === 'usdm') {
    const u = parseWire(usdmTradeWire, raw);
    if (u.X !== 'MARKET') return undefined;
    w = u;
  } else {
    w = parseWire(spotTradeWire, raw);
  }
  return {
    tradeId: w.t,
    symbol: w.s,
    price: w.p,
    qty: w.q,
    aggressor: w.m ? 'sell' : 'buy',
    timeMs: w.T,
    eventTimeMs: w.E,
    recvTimeUs,
  };
}

/**
 * Streams the trade rows of one recorded trades file, in file order.
 * @throws PermanentError naming `file:line` and the field; `DATA_READ` for I/O or gzip errors.
 */
export async function* readTradeRows(path: string, market: MarketKind): AsyncGenerator<TradeFileRow> {
  let lineNo = 0;
  for await (const line of readGzipLines(path)) {
    lineNo++;
    if (line.length === 0) continue;
    let row: TradeFileRow | undefined;
    try {
      row = parseTradeLine(line, market);
    } catch (err) {
      if (!(err instanceof PermanentError)) throw err;
      throw new PermanentError(
        err.code,
        `${path}:${lineNo}: ${err.message}`,
        { ...err.details, file: path, line: lineNo },
        { cause: err },
      );
    }
    if (row !== undefined) yield row;
  }
}
