// Test helpers for the recorded data in /work/shared/data (never copied into the repo).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** `MMFLOW_DATA_DIR` (relative to the repo root if relative), default `<repo>/../shared/data`. */
export const DATA_DIR = resolve(repoRoot, process.env.MMFLOW_DATA_DIR ?? '../shared/data');

/** Absolute path of a file under the data dir, e.g. `depth/<prefix>.depth.jsonl.gz`. */
export function dataPath(relative: string): string {
  return resolve(DATA_DIR, relative);
}

/** All lines of a gzip text file under the data dir (no trailing empty line). */
export function readLines(relative: string): string[] {
  const lines = gunzipSync(readFileSync(dataPath(relative)))
    .toString('utf8')
    .split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Line `n` (1-based) of a gzip text file under the data dir. */
export function readLine(relative: string, n: number): string {
  const line = readLines(relative)[n - 1];
  if (line === undefined) throw new Error(`${relative} has no line ${n}`);
  return line;
}

export const SPOT_2024 = 'binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z';
export const SPOT_2023_NOSNAP = 'binance-spot_BTCUSDT_20230405T0000Z-20230405T0007Z_nosnapshot';
export const USDM_BTC_2023 = 'binance-usdm_BTCUSDT_20230404T2358Z-20230405T0007Z';
export const USDM_BTC_2407 = 'binance-usdm_BTCUSDT_20240718T2357Z-20240719T0005Z';
export const USDM_ETH_2407 = 'binance-usdm_ETHUSDT_20240718T2357Z-20240719T0005Z';
export const USDM_BTC_2408 = 'binance-usdm_BTCUSDT_20240808T2354Z-20240809T0000Z';
