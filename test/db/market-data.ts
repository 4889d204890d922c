/**
 * Reads the first rows of the recorded Binance data (/work/shared/data, README.md there) for database
 * tests. The folder comes from env MMFLOW_DATA_DIR (relative to the repo root), default
 * `<repo>/../shared/data`.
 */
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import { z } from 'zod';
import type { OhlcvRow } from '../../db/repositories/ohlcv.ts';
import type { TradeRow } from '../../db/repositories/trades.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The recorded-data folder. */
export const DATA_DIR = resolve(repoRoot, process.env['MMFLOW_DATA_DIR'] ?? '../shared/data');

/**
 * The first `n` lines of a gzip file.
 * @throws Error naming the file and MMFLOW_DATA_DIR when it cannot be read.
 */
async function firstLines(path: string, n: number): Promise<string[]> {
  await access(path).catch((err: unknown) => {
    throw new Error(`recorded data file ${path} is unreadable (set MMFLOW_DATA_DIR?)`, { cause: err });
  });
  const source = createReadStream(path);
  const gunzip = createGunzip();
  source.on('error', (err) => gunzip.destroy(err)); // surface read errors to the line iterator
  const reader = createInterface({ input: source.pipe(gunzip), crlfDelay: Infinity });
  const lines: string[] = [];
  try {
    for await (const line of reader) {
      lines.push(line);
      if (lines.length >= n) break;
    }
  } finally {
    reader.close();
    source.destroy();
  }
  return lines;
}

/** The first `n` candles of Binance spot BTCUSDT 1h (from 2017-08-17 04:00 UTC), as venue rows. */
export async function btcusdtHourlyCandles(n: number): Promise<OhlcvRow[]> {
  const path = resolve(DATA_DIR, 'klines/binance-spot_BTCUSDT_1h_20170817-20230630.csv.gz');
  const [header, ...rows] = await firstLines(path, n + 1);
  if (header !== 'open_time,open,high,low,close,volume')
    throw new Error(`${path}: unexpected header ${header}`);
  return rows.map((line, i) => {
    const [openTime, open, high, low, close, volume] = line.split(',');
    if (
      openTime === undefined ||
      open === undefined ||
      high === undefined ||
      low === undefined ||
      close === undefined ||
      volume === undefined
    ) {
      throw new Error(`${path}:${i + 2}: expected 6 fields`);
    }
    return {
      venue: 'binance-spot',
      symbol: 'BTCUSDT',
      interval: '1h',
      openTimeMs: Number(openTime),
      open,
      high,
      low,
      close,
      volume,
    };
  });
}

const TradeEvent = z.object({
  t: z.number().int(),
  p: z.string(),
  q: z.string(),
  T: z.number().int(),
  m: z.boolean(),
  s: z.string(),
});

/** The first `n` spot BTCUSDT trades of the 2024-08-08 23:54 session, as venue rows. */
export async function btcusdtSpotTrades(n: number): Promise<TradeRow[]> {
  const path = resolve(DATA_DIR, 'trades/binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z.trades.jsonl.gz');
  return (await firstLines(path, n)).map((line, i) => {
    const parsed = TradeEvent.safeParse(JSON.parse(line));
    if (!parsed.success) throw new Error(`${path}:${i + 1}: ${parsed.error.message}`);
    const e = parsed.data;
    // m == true: the buyer was the maker, so the aggressor sold (Binance trade stream docs).
    return {
      venue: 'binance-spot',
      symbol: e.s,
      tradeId: e.t,
      price: e.p,
      qty: e.q,
      aggressor: e.m ? 'sell' : 'buy',
      tradeTimeMs: e.T,
    };
  });
}
