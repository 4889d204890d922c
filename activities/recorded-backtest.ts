/**
 * Backtest of a recorded session: loads the session's depth + trades files, merges them in recorded
 * order and runs the pure core backtester. The one path used by the backtest activity, the
 * `mmflow backtest` command and the tests, so every caller gets the same numbers for the same inputs.
 */
import { basename } from 'node:path';
import { runBacktest, runBacktestAsync, type BacktestReport } from '../core/backtest/backtester.ts';
import type { ReplayWindow } from '../core/backtest/replay.ts';
import type { AlphaModel } from '../core/alpha/alpha-model.ts';
import type { FeatureTap } from '../core/engine/feature-schedule.ts';
import { PermanentError } from '../core/errors.ts';
import { alphaParamsOf, type ModelParams } from '../core/quoting/model-params.ts';
import { listSessions, loadSessionEvents, type RecordedSession } from '../venues/binance/recorded.ts';
import { feeScheduleOf, instrumentAtFeeTier, instrumentForSession } from '../venues/instruments.ts';
import { loadAlphaModel } from '../ml/load-alpha.ts';

export interface RecordedBacktestInput {
  readonly session: RecordedSession;
  readonly params: ModelParams;
  /** Order-entry latency, µs. */
  readonly entryLatencyUs: number;
  /** Cancel latency, µs. */
  readonly cancelLatencyUs: number;
  /** Quote and measure only in [startUs, endUs) of exchange time (warm-up before it). */
  readonly window?: ReplayWindow;
  /** Receives the alpha features on the feature grid (data-set building). */
  readonly featureTap?: FeatureTap;
  /** Feature grid, ms; default 100. */
  readonly featureGridMs?: number;
  /**
   * The alpha model of params with an alpha block; default: the block's ONNX file loaded from the
   * model store (sha256 checked; ml/load-alpha.ts) and closed after the run.
   */
  readonly alphaModel?: AlphaModel;
  /**
   * Fee tier of the session's venue the fills are charged at (`regular`, `vip1`…`vip9`, `mm1`…; see
   * config/instruments.json); absent = the venue's default tier.
   */
  readonly feeTier?: string;
  /** Keep every fill in the report (`fills`, `analysis.fills`: `mmflow report` draws them); default false. */
  readonly recordFills?: boolean;
  /**
   * Quote against the fastest top of book: merge the session's bookTicker file and let tickers ahead of
   * the book set the touch (core/book/fast-touch.ts, docs/adr/0020-fair-value-quoter.md); default false.
   */
  readonly fastTouch?: boolean;
}

/** A recorded session's backtest report, with the fee tier its KPIs were computed at. */
export interface RecordedBacktestReport extends BacktestReport {
  /** Name of the venue fee tier the fills were charged at (e.g. `regular`, `mm3`). */
  readonly feeTier: string;
}

/**
 * Runs the backtest at the selected fee tier (fills are kept in the report only with `recordFills`:
 * counts are in the KPIs); models with an alpha term go through `runBacktestAsync` (each prediction
 * awaited: deterministic).
 * @throws PermanentError when the session has no snapshot or no trades file (or no bookTicker file
 *   with `fastTouch`), an unknown instrument,
 *   `UNKNOWN_FEE_TIER` (before any file is read) listing the venue's tiers; the alpha loader's
 *   PermanentError (missing file, digest mismatch, corrupt model…).
 */
export async function backtestRecordedSession(input: RecordedBacktestInput): Promise<RecordedBacktestReport> {
  const { session } = input;
  const atDefaultTier = instrumentForSession(session);
  const feeTier = input.feeTier ?? feeScheduleOf(atDefaultTier.venue).defaultTier;
  const instrument = instrumentAtFeeTier(atDefaultTier, feeTier);
  if (!session.hasSnapshot)
    throw new PermanentError(
      'NO_SNAPSHOT',
      `session ${session.prefix} has no depth snapshot: the book cannot be built`,
      { session: session.prefix },
    );
  if (session.tradesPath === undefined)
    throw new PermanentError(
      'NO_TRADES',
      `session ${session.prefix} has no trades file: fills cannot be simulated`,
      { session: session.prefix },
    );
  const fastTouch = input.fastTouch === true;
  if (fastTouch && session.bookTickerPath === undefined)
    throw new PermanentError(
      'NO_BOOK_TICKER',
      `session ${session.prefix} has no bookTicker file: the fastest top of book cannot be replayed`,
      { session: session.prefix },
    );
  const events = await loadSessionEvents(session, instrument, { includeBookTicker: fastTouch });
  const opts = {
    instrument,
    market: session.market,
    params: input.params,
    entryLatencyUs: Math.round(input.entryLatencyUs),
    cancelLatencyUs: Math.round(input.cancelLatencyUs),
    sessionId: session.prefix,
    recordFills: input.recordFills ?? false,
    fastTouch,
    ...(input.window === undefined ? {} : { window: input.window }),
    ...(input.featureTap === undefined ? {} : { featureTap: input.featureTap }),
    ...(input.featureGridMs === undefined ? {} : { featureGridMs: input.featureGridMs }),
  };
  const alpha = alphaParamsOf(input.params);
  if (alpha === undefined) return { ...runBacktest(events, opts), feeTier };
  if (input.alphaModel !== undefined)
    return { ...(await runBacktestAsync(events, { ...opts, alphaModel: input.alphaModel })), feeTier };
  const alphaModel = await loadAlphaModel(alpha);
  try {
    return { ...(await runBacktestAsync(events, { ...opts, alphaModel })), feeTier };
  } finally {
    await alphaModel.close();
  }
}

/**
 * The recorded session with this prefix in `dataDir`.
 * @throws PermanentError `UNKNOWN_SESSION` listing the sessions that exist.
 */
export function findSession(dataDir: string, prefix: string): RecordedSession {
  const sessions = listSessions(dataDir);
  const found = sessions.find((s) => s.prefix === prefix);
  if (found === undefined) {
    throw new PermanentError(
      'UNKNOWN_SESSION',
      `no recorded session "${prefix}" in ${dataDir}; known: ${sessions.map((s) => s.prefix).join(', ')}`,
      { prefix },
    );
  }
  return found;
}

const DEPTH_NAME =
  /^(binance-(spot|usdm)_([A-Z0-9]+)_(\d{8}T\d{4}Z)-(\d{8}T\d{4}Z)(_nosnapshot)?)\.depth\.jsonl\.gz$/;

/**
 * A session from explicit depth and trades file paths (any directory). The market and symbol come
 * from the depth file's name, which must follow the recording convention
 * `binance-<spot|usdm>_<SYMBOL>_<first>-<last>.depth.jsonl.gz`.
 * @throws PermanentError `BAD_FILE_NAME` naming the file.
 */
export function sessionFromFiles(depthPath: string, tradesPath: string): RecordedSession {
  const m = DEPTH_NAME.exec(basename(depthPath));
  if (m === null) {
    throw new PermanentError(
      'BAD_FILE_NAME',
      `${depthPath}: expected a name like binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z.depth.jsonl.gz`,
      { depthPath },
    );
  }
  const [, prefix, market, symbol, firstUtc, lastUtc, nosnapshot] = m;
  return {
    prefix: prefix ?? '',
    market: market === 'spot' ? 'spot' : 'usdm',
    symbol: symbol ?? '',
    firstUtc: firstUtc ?? '',
    lastUtc: lastUtc ?? '',
    depthPath,
    tradesPath,
    bookTickerPath: undefined,
    hasSnapshot: nosnapshot === undefined,
  };
}
