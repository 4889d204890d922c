/**
 * Reader of the recorded klines files (`klines/*.csv.gz`, see /work/shared/data/README.md §2):
 * CSV with header `open_time,open,high,low,close,volume`; open_time in Unix ms (UTC), prices in quote
 * currency and volume in base asset, written in shortest exact decimal form. Prices and volume stay
 * exact decimal STRINGS (the DB stores NUMERIC); nothing goes through a float.
 */

import { PermanentError } from '../../core/errors.ts';
import { readGzipLines } from '../gz-lines.ts';

/** One OHLCV candle, exact. */
export interface KlineRow {
  /** Candle open time, Unix epoch ms (UTC). */
  readonly openTimeMs: number;
  /** Prices in quote currency, exact decimal strings (e.g. `"24899.18"`). */
  readonly open: string;
  readonly high: string;
  readonly low: string;
  readonly close: string;
  /** Traded volume in base asset, exact decimal string. */
  readonly volume: string;
}

export const KLINES_HEADER = 'open_time,open,high,low,close,volume';
const COLUMNS = ['open_time', 'open', 'high', 'low', 'close', 'volume'] as const;
const DECIMAL_RE = /^\d+(\.\d+)?$/;
const INTEGER_RE = /^\d+$/;

/**
 * Parses one data row of a klines CSV.
 * @param where `file:line` used in error messages.
 * @throws PermanentError `KLINES_ROW` naming `where` and the column (wrong column count, non-integer
 *   open_time, non-decimal price/volume, or low > high).
 */
export function parseKlineRow(row: string, where: string): KlineRow {
  const cells = row.split(',');
  if (cells.length !== COLUMNS.length) {
    throw rowError(where, '(row)', `expected ${COLUMNS.length} columns, found ${cells.length}: "${row}"`);
  }
  const [openTime = '', open = '', high = '', low = '', close = '', volume = ''] = cells;
  if (!INTEGER_RE.test(openTime) || !Number.isSafeInteger(Number(openTime))) {
    throw rowError(where, 'open_time', `"${openTime}" is not an integer Unix ms time`);
  }
  const values = [open, high, low, close, volume];
  for (let c = 0; c < values.length; c++) {
    const v = values[c] ?? '';
    if (!DECIMAL_RE.test(v))
      throw rowError(where, COLUMNS[c + 1] ?? '?', `"${v}" is not a plain non-negative decimal`);
  }
  if (compareDecimal(low, high) > 0) throw rowError(where, 'low', `low ${low} is above high ${high}`);
  return { openTimeMs: Number(openTime), open, high, low, close, volume };
}

/**
 * Streams the candles of one klines `.csv.gz` file in file order (header checked first).
 * @throws PermanentError `KLINES_HEADER` or `KLINES_ROW` naming `file:line` and the column;
 *   `DATA_READ` for I/O or gzip errors.
 */
export async function* readKlines(path: string): AsyncGenerator<KlineRow> {
  let lineNo = 0;
  for await (const line of readGzipLines(path)) {
    lineNo++;
    if (lineNo === 1) {
      if (line.trim() !== KLINES_HEADER) {
        throw new PermanentError(
          'KLINES_HEADER',
          `${path}:1: expected header "${KLINES_HEADER}", found "${line}"`,
          {
            file: path,
            line: 1,
          },
        );
      }
      continue;
    }
    if (line.length === 0) continue;
    yield parseKlineRow(line, `${path}:${lineNo}`);
  }
  if (lineNo === 0)
    throw new PermanentError('KLINES_HEADER', `${path}: empty file, no header`, { file: path });
}

function rowError(where: string, column: string, problem: string): PermanentError {
  return new PermanentError('KLINES_ROW', `${where}: column ${column}: ${problem}`, { where, column });
}

/** Compares two plain non-negative decimal strings exactly: −1, 0 or 1. */
export function compareDecimal(a: string, b: string): number {
  const [ai = '', af = ''] = a.split('.');
  const [bi = '', bf = ''] = b.split('.');
  const aInt = ai.replace(/^0+(?=\d)/, '');
  const bInt = bi.replace(/^0+(?=\d)/, '');
  if (aInt.length !== bInt.length) return aInt.length < bInt.length ? -1 : 1;
  if (aInt !== bInt) return aInt < bInt ? -1 : 1;
  const n = Math.max(af.length, bf.length);
  const aFrac = af.padEnd(n, '0');
  const bFrac = bf.padEnd(n, '0');
  return aFrac === bFrac ? 0 : aFrac < bFrac ? -1 : 1;
}
