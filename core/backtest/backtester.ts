/**
 * Event-driven backtest of one recorded session: the recorded depth + trades (merged in recorded
 * order, e.g. by `loadSessionEvents`) replayed through the QuotingEngine against the SimulatedVenue
 * (core/backtest/replay.ts), then the KPIs (core/metrics/kpis.ts; docs/adr/0003-fill-model-and-kpis.md)
 * and the trade-quality analysis (mark-outs, PnL attribution, fill kinds, series: ./run-analysis-report.ts).
 *
 * Two entry points: `runBacktest` (synchronous; any model without an alpha term) and
 * `runBacktestAsync` (also models with an alpha term: each prediction the engine requests is awaited
 * before the next event, so the prediction for grid time t applies from the event after the one that
 * crossed t — deterministic whatever the model's latency).
 *
 * Pure: no I/O, no wall clock; the same events and options give a deep-equal report.
 */
import type { Fill } from '../quoting/intent.ts';
import { alphaParamsOf, type ModelParams } from '../quoting/model-params.ts';
import type { MarketEvent, MarketKind } from '../market-events.ts';
import type { EngineCounters } from '../engine/quoting-engine.ts';
import type { Kpis } from '../metrics/kpis.ts';
import type { RunAnalysis } from '../metrics/run-analysis.ts';
import { replayAnalysis } from './run-analysis-report.ts';
import { ALPHA_FEATURE_COUNT, ALPHA_FEATURE_NAMES } from '../alpha/features.ts';
import { requireFeatureNames, type AlphaModel } from '../alpha/alpha-model.ts';
import { ReplaySession, type ReplayOptions, type ReplayWindow } from './replay.ts';

/** Options of {@link runBacktest}: the replay options plus a label for the report. */
export interface BacktestOptions extends ReplayOptions {
  /** Session label for the report, e.g. the recording prefix; default `unnamed`. */
  readonly sessionId?: string;
}

/** Options of {@link runBacktestAsync}: those of `runBacktest` plus the alpha model, if the params need one. */
export interface AsyncBacktestOptions extends BacktestOptions {
  /** Required when the params have an alpha block; ignored otherwise. */
  readonly alphaModel?: AlphaModel;
}

/** What a backtest returns. JSON-safe (no NaN, no undefined-only fields: absent times are null). */
export interface BacktestReport {
  readonly session: {
    readonly id: string;
    readonly venue: string;
    readonly symbol: string;
    readonly market: MarketKind;
    /** First / last exchange time replayed (inside the window), Unix epoch µs; null if no event carried one. */
    readonly firstEventUs: number | null;
    readonly lastEventUs: number | null;
    /** lastEventUs − firstEventUs in seconds (0 if unknown). */
    readonly durationSec: number;
    /** The replay window, when one was given (the KPIs cover it only). */
    readonly window?: ReplayWindow;
  };
  readonly params: ModelParams;
  readonly execution: {
    readonly entryLatencyUs: number;
    readonly cancelLatencyUs: number;
    readonly makerFeeBps: number;
    /** Whether the touch came from bookTicker events ahead of the book (ReplayOptions `fastTouch`). */
    readonly fastTouch: boolean;
  };
  readonly kpis: Kpis;
  /** Engine counters at the end (events, decisions, quotes, cancels, fills, pulls…), warm-up included. */
  readonly counters: Readonly<EngineCounters>;
  /** Every fill, oldest first (empty when `recordFills` is false). */
  readonly fills: readonly Fill[];
  /**
   * Mark-outs at the curve horizons, PnL attribution, fill kinds, the 1-s series (equity, inventory,
   * mid) and the fills as a report draws them (`fills` empty when `recordFills` is false).
   */
  readonly analysis: RunAnalysis;
}

/**
 * Replays `events` and returns the report.
 * @param events market events in recorded order (bookTicker events are accepted and ignored).
 * @param opts instrument, market, model parameters, latencies (µs), optional fee override (bps),
 *   window, feature tap.
 * @throws Error if the params have an alpha block (use {@link runBacktestAsync} with an alpha model);
 *   RangeError on invalid latencies or window; ZodError if `params` are invalid; InvariantViolation on
 *   an inconsistent event stream (e.g. a non-integer level).
 */
export function runBacktest(events: Iterable<MarketEvent>, opts: BacktestOptions): BacktestReport {
  const alpha = alphaParamsOf(opts.params);
  if (alpha !== undefined) {
    throw new Error(
      `runBacktest: model '${opts.params.model}' has an alpha term (${alpha.artifactPath}); ` +
        'use runBacktestAsync with an alphaModel',
    );
  }
  const replay = new ReplaySession(opts);
  for (const ev of events) {
    replay.step(ev);
    if (replay.ended) break;
  }
  return report(replay, opts);
}

/**
 * Replays `events`, awaiting every alpha prediction the engine requests before the next event, and
 * returns the report (deep-equal to `runBacktest`'s for a model without alpha).
 * @param events market events in recorded order, sync or async iterable.
 * @param opts as `runBacktest`, plus `alphaModel` (required iff the params have an alpha block).
 * @throws Error when the params need an alpha model and none is given; RangeError when the model's
 *   feature names differ from ALPHA_FEATURE_NAMES or a prediction is not finite; whatever
 *   `predict` rejects with; and what `runBacktest` throws.
 */
export async function runBacktestAsync(
  events: Iterable<MarketEvent> | AsyncIterable<MarketEvent>,
  opts: AsyncBacktestOptions,
): Promise<BacktestReport> {
  const alpha = alphaParamsOf(opts.params);
  const model = alpha === undefined ? undefined : opts.alphaModel;
  if (alpha !== undefined && model === undefined) {
    throw new Error(
      `runBacktestAsync: model '${opts.params.model}' has an alpha term (${alpha.artifactPath}) but no alphaModel was given`,
    );
  }
  if (model !== undefined) requireFeatureNames(model, ALPHA_FEATURE_NAMES);
  const pending = new Float32Array(ALPHA_FEATURE_COUNT);
  let pendingAtUs = Number.NaN;
  const replay = new ReplaySession(
    opts,
    model === undefined
      ? {}
      : {
          onAlphaRequest: (features, nowUs) => {
            pending.set(features);
            pendingAtUs = nowUs;
          },
        },
  );
  for await (const ev of events) {
    replay.step(ev);
    if (model !== undefined && !Number.isNaN(pendingAtUs)) {
      const requestedAtUs = pendingAtUs;
      pendingAtUs = Number.NaN;
      replay.engine.setAlphaTicks(await model.predict(pending), requestedAtUs);
    }
    if (replay.ended) break;
  }
  return report(replay, opts);
}

function report(replay: ReplaySession, opts: BacktestOptions): BacktestReport {
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
      ...(opts.window === undefined
        ? {}
        : { window: { startUs: opts.window.startUs, endUs: opts.window.endUs } }),
    },
    params: opts.params,
    execution: {
      entryLatencyUs: opts.entryLatencyUs,
      cancelLatencyUs: opts.cancelLatencyUs,
      makerFeeBps: replay.makerFeeBps,
      fastTouch: opts.fastTouch === true,
    },
    kpis: replay.kpis(),
    counters: { ...e.counters },
    fills: e.fills.slice(),
    analysis: replayAnalysis(replay, opts.instrument),
  };
}
