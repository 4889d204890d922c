/**
 * Event-driven backtest of one recorded session: the recorded depth + trades (merged in recorded
 * order, e.g. by `loadSessionEvents`) replayed through the QuotingEngine against the SimulatedVenue
 * (core/backtest/replay.ts), then the KPIs (core/metrics/kpis.ts; docs/adr/0003-fill-model-and-kpis.md).
 *
 * Pure: no I/O, no wall clock; the same events and options give a deep-equal report.
 */
import type { Fill } from '../quoting/intent.ts';
import type { AsV1AlphaParams } from '../quoting/model-params.ts';
import type { MarketEvent, MarketKind } from '../market-events.ts';
import type { EngineCounters } from '../engine/quoting-engine.ts';
import type { Kpis } from '../metrics/kpis.ts';
import { ReplaySession, type ReplayOptions } from './replay.ts';

/** Options of {@link runBacktest}: the replay options plus a label for the report. */
export interface BacktestOptions extends ReplayOptions {
  /** Session label for the report, e.g. the recording prefix; default `unnamed`. */
  readonly sessionId?: string;
}

/** What a backtest returns. JSON-safe (no NaN, no undefined-only fields: absent times are null). */
export interface BacktestReport {
  readonly session: {
    readonly id: string;
    readonly venue: string;
    readonly symbol: string;
    readonly market: MarketKind;
    /** First / last exchange time replayed, Unix epoch µs; null if no event carried one. */
    readonly firstEventUs: number | null;
    readonly lastEventUs: number | null;
    /** lastEventUs − firstEventUs in seconds (0 if unknown). */
    readonly durationSec: number;
  };
  readonly params: AsV1AlphaParams;
  readonly execution: {
    readonly entryLatencyUs: number;
    readonly cancelLatencyUs: number;
    readonly makerFeeBps: number;
  };
  readonly kpis: Kpis;
  /** Engine counters at the end (events, decisions, quotes, cancels, fills, pulls…). */
  readonly counters: Readonly<EngineCounters>;
  /** Every fill, oldest first (empty when `recordFills` is false). */
  readonly fills: readonly Fill[];
}

/**
 * Replays `events` and returns the report.
 * @param events market events in recorded order (bookTicker events are accepted and ignored).
 * @param opts instrument, market, model parameters, latencies (µs), optional fee override (bps).
 * @throws RangeError on invalid latencies; ZodError if `params` are invalid; InvariantViolation on an
 *   inconsistent event stream (e.g. a non-integer level).
 */
export function runBacktest(events: Iterable<MarketEvent>, opts: BacktestOptions): BacktestReport {
  const replay = new ReplaySession(opts);
  for (const ev of events) replay.step(ev);
  const { firstUs, lastUs } = replay.timeSpanUs();
  const e = replay.engine;
  return {
    session: {
      id: opts.sessionId ?? 'unnamed',
      venue: opts.instrument.venue,
      symbol: opts.instrument.symbol,
      market: opts.market,
      firstEventUs: firstUs ?? null,
      lastEventUs: lastUs ?? null,
      durationSec: firstUs !== undefined && lastUs !== undefined ? (lastUs - firstUs) / 1e6 : 0,
    },
    params: opts.params,
    execution: {
      entryLatencyUs: opts.entryLatencyUs,
      cancelLatencyUs: opts.cancelLatencyUs,
      makerFeeBps: replay.makerFeeBps,
    },
    kpis: replay.kpis(),
    counters: { ...e.counters },
    fills: e.fills.slice(),
  };
}
