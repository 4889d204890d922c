/**
 * The recorded sessions of the trading-quality benchmark (bench/quality.ts) and the models it compares
 * on each: V1-α with its defaults, the join-the-touch baseline, and fair-value parameter sets, all at
 * one quote size and inventory limit per instrument so that only the quoting differs.
 */
import type { Instrument } from '../core/instrument.ts';
import type { MarketEvent, MarketKind } from '../core/market-events.ts';
import { runBacktest } from '../core/backtest/backtester.ts';
import type { Kpis } from '../core/metrics/kpis.ts';
import {
  DEFAULT_AS_V15_BTCUSDT_USDM,
  DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT,
  type AsV1AlphaParams,
  type ModelParams,
} from '../core/quoting/model-params.ts';
import { DEFAULT_FAIR_VALUE_BTCUSDT_USDM, type FairValueParams } from '../core/quoting/fair-value-params.ts';
import { listSessions, loadSessionEvents } from '../venues/binance/recorded.ts';
import { instrumentAtFeeTier, instrumentForSession } from '../venues/instruments.ts';

/** Quote size and inventory limit per instrument, lots: about 60–70 USDT a quote at the recorded prices. */
const SIZES: Readonly<Record<string, { readonly quoteSizeLots: number; readonly maxInventoryLots: number }>> =
  {
    // 0.001 BTC a quote, q_max 0.005 BTC: V1-α's spot defaults.
    'binance-spot BTCUSDT': { quoteSizeLots: 100, maxInventoryLots: 500 },
    // 0.001 BTC a quote, q_max 0.01 BTC: V1.5's USDⓈ-M defaults.
    'binance-usdm BTCUSDT': { quoteSizeLots: 1, maxInventoryLots: 10 },
    // 0.02 ETH a quote (≈ 70 USDT at 3,400), q_max 0.2 ETH.
    'binance-usdm ETHUSDT': { quoteSizeLots: 20, maxInventoryLots: 200 },
  };

/** One session loaded for the benchmark. */
export interface QualitySession {
  readonly prefix: string;
  readonly market: MarketKind;
  /** At the benchmark's fee tier for its venue. */
  readonly instrument: Instrument;
  readonly events: readonly MarketEvent[];
  readonly quoteSizeLots: number;
  readonly maxInventoryLots: number;
  /** Quote against the fastest top of book: bookTicker events loaded and used (core/book/fast-touch.ts). */
  readonly fastTouch: boolean;
}

/** A session the benchmark cannot replay, and why. */
export interface SkippedSession {
  readonly prefix: string;
  readonly reason: string;
}

/**
 * Loads every depth session of `dataDir` that can be backtested (snapshot and trades present).
 * @param feeTiers fee tier per venue (`binance-spot`, `binance-usdm`); a venue not listed: its default.
 * @param fastTouch also load the bookTicker files and quote against the fastest top of book.
 * @throws PermanentError for an unknown fee tier or instrument; Error for an instrument with no size.
 */
export async function loadQualitySessions(
  dataDir: string,
  feeTiers: Readonly<Record<string, string>>,
  fastTouch = false,
): Promise<{ sessions: QualitySession[]; skipped: SkippedSession[] }> {
  const sessions: QualitySession[] = [];
  const skipped: SkippedSession[] = [];
  for (const s of listSessions(dataDir)) {
    if (!s.hasSnapshot) {
      skipped.push({ prefix: s.prefix, reason: 'no depth snapshot: the book cannot be built' });
      continue;
    }
    if (s.tradesPath === undefined) {
      skipped.push({ prefix: s.prefix, reason: 'no trades file: fills cannot be simulated' });
      continue;
    }
    const plain = instrumentForSession(s);
    const tier = feeTiers[plain.venue];
    const instrument = tier === undefined ? plain : instrumentAtFeeTier(plain, tier);
    const size = SIZES[`${instrument.venue} ${instrument.symbol}`];
    if (size === undefined)
      throw new Error(`bench:quality: no quote size for ${instrument.venue} ${instrument.symbol}`);
    const events = await loadSessionEvents(s, instrument, { includeBookTicker: fastTouch });
    sessions.push({ prefix: s.prefix, market: s.market, instrument, events, ...size, fastTouch });
  }
  return { sessions, skipped };
}

/** V1-α with its defaults on this session's instrument (the USDⓈ-M values for a perpetual), at its size. */
export function v1AlphaFor(s: QualitySession): AsV1AlphaParams {
  if (s.market === 'spot') return { ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT, ...sizes(s) };
  const u = DEFAULT_AS_V15_BTCUSDT_USDM;
  return {
    model: 'as-v1-alpha',
    gamma: u.gamma,
    kPerTick: u.kPerTick,
    horizonSec: u.horizonSec,
    betaOfiTicks: u.betaOfiTicks,
    minSpreadTicks: 2,
    volObservations: u.volObservations,
    volSampleIntervalMs: u.volSampleIntervalMs,
    ofiWindowMs: u.ofiWindowMs,
    diLevels: u.diLevels,
    ...sizes(s),
  };
}

/** The join-the-touch baseline at this session's size. */
export function baselineFor(s: QualitySession): ModelParams {
  return { model: 'join-touch', ...sizes(s) };
}

/** Fair-value params (default: the shipped defaults) at this session's size. */
export function fairValueFor(
  s: QualitySession,
  p: FairValueParams = DEFAULT_FAIR_VALUE_BTCUSDT_USDM,
): FairValueParams {
  return { ...p, ...sizes(s) };
}

function sizes(s: QualitySession): { quoteSizeLots: number; maxInventoryLots: number } {
  return { quoteSizeLots: s.quoteSizeLots, maxInventoryLots: s.maxInventoryLots };
}

/** Entry and cancel latency of every benchmark backtest, µs (the `mmflow backtest` default). */
export const LATENCY_US = 5_000;

/** Backtests `params` on `s` (the core backtester: the code `mmflow backtest` runs). */
export function kpisOf(s: QualitySession, params: ModelParams): Kpis {
  return runBacktest(s.events, {
    instrument: s.instrument,
    market: s.market,
    params,
    entryLatencyUs: LATENCY_US,
    cancelLatencyUs: LATENCY_US,
    sessionId: s.prefix,
    recordFills: false,
    fastTouch: s.fastTouch,
  }).kpis;
}
