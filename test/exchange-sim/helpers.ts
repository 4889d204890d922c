/**
 * Shared set-up of the exchange-simulator tests: the recorded spot session, a simulator in manual
 * mode (the test steps the replay; nothing moves on its own), and a pump that steps the replay while
 * yielding to the event loop so sockets flow.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { dataDir } from '../../app/paths.ts';
import type { AccountSpec } from '../../exchange-sim/accounts-config.ts';
import type { RateLimitOptions } from '../../exchange-sim/rate-limits.ts';
import { startExchangeSimulator, type ExchangeSim } from '../../exchange-sim/simulator.ts';
import type { SymbolReplay } from '../../exchange-sim/symbol-replay.ts';

export const DATA = dataDir();
export const SPOT_SESSION = 'binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z';
/** The USDⓈ-M session whose first kept diff does not straddle the snapshot id (data README). */
export const USDM_SESSION = 'binance-usdm_ETHUSDT_20240718T2357Z-20240719T0005Z';
/** Missing-data reason for `skipWithout`, undefined when the session is present. */
export function missingSession(prefix: string): string | undefined {
  return existsSync(join(DATA, 'depth', `${prefix}.depth.jsonl.gz`))
    ? undefined
    : `recorded session ${prefix} in ${DATA} (MMFLOW_DATA_DIR)`;
}
export const missingSpotData = missingSession(SPOT_SESSION);

export const ACCOUNT_A: AccountSpec = {
  apiKey: 'keyA',
  secret: 'secretA',
  balances: { BTC: 1, USDT: 100_000 },
};
export const ACCOUNT_B: AccountSpec = { apiKey: 'keyB', secret: 'secretB', balances: { USDT: 500 } };

/** A simulator of the spot session in manual mode on a free port. */
export function startManualSim(
  accounts: readonly AccountSpec[] = [ACCOUNT_A, ACCOUNT_B],
  limits?: RateLimitOptions,
  sessions: readonly string[] = [SPOT_SESSION],
): Promise<ExchangeSim> {
  return startExchangeSimulator({
    ...(limits === undefined ? {} : { limits }),
    dataDir: DATA,
    sessions,
    speed: 1,
    loop: false,
    port: 0,
    host: '127.0.0.1',
    accounts,
    manual: true,
  });
}

/** Yields to the event loop (I/O callbacks run). */
export function yieldIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Steps `replay` in chunks of `chunk` lines, yielding between chunks, until `done()` or `maxSteps`.
 * @returns whether `done()` became true.
 */
export async function pumpUntil(
  replay: SymbolReplay,
  done: () => boolean,
  maxSteps: number,
  chunk = 20,
): Promise<boolean> {
  for (let n = 0; n < maxSteps; n += chunk) {
    if (done()) return true;
    for (let i = 0; i < chunk; i++) if (!replay.step()) return done();
    await yieldIo();
  }
  return done();
}

/** Resolves `p` while pumping the replay (for ccxt calls that wait for stream messages). */
export async function whilePumping<T>(replay: SymbolReplay, p: Promise<T>, maxSteps = 20_000): Promise<T> {
  let settled = false;
  const guarded = p.finally(() => {
    settled = true;
  });
  await pumpUntil(replay, () => settled, maxSteps, 5);
  return guarded;
}

/** Polls `cond` every few ms until true or `deadlineMs` passes; @returns its last value. */
export async function pollUntil(cond: () => boolean, deadlineMs = 10_000): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  while (!cond() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 5));
  return cond();
}
