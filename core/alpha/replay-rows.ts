/**
 * Labelled alpha rows from one recorded session: the session is replayed once through the same
 * engine the backtests and the live engine run (core/backtest/replay.ts), its feature tap collects the
 * feature vectors on the feature grid, and the samples falling in each requested window are labelled
 * within that window (core/alpha/dataset.ts). Adjacent or overlapping windows are merged first, so a
 * window boundary inside a contiguous span drops no row.
 *
 * The features depend on the signal settings of `params` (σ EWMA span and sampling, OFI window, DI
 * levels): train with the settings of the model version the alpha will run in. The replay quotes
 * inside the span as any backtest does; that does not change the features (they read the market
 * book, not our orders).
 *
 * Pure: events in, rows out.
 */
import { ReplaySession } from '../backtest/replay.ts';
import type { Instrument } from '../instrument.ts';
import type { MarketEvent, MarketKind } from '../market-events.ts';
import type { ModelParams } from '../quoting/model-params.ts';
import { ALPHA_FEATURE_COUNT } from './features.ts';
import { concatRows, FeatureSampleBuffer, labelSamples, type AlphaRows } from './dataset.ts';

/** A span of exchange time, [startUs, endUs), Unix epoch µs. */
export interface TimeSpanUs {
  readonly startUs: number;
  readonly endUs: number;
}

/** Options of {@link rowsFromSession}. */
export interface SessionRowsOptions {
  readonly instrument: Instrument;
  readonly market: MarketKind;
  /** Model parameters whose signal settings produce the features (an alpha block is ignored). */
  readonly params: ModelParams;
  /** Windows of this session to take rows from (any order; merged when adjacent or overlapping). */
  readonly windows: readonly TimeSpanUs[];
  /** Label horizon, ms. */
  readonly horizonMs: number;
  /** Label lateness allowed past t + h, ms (core/alpha/dataset.ts LabelOptions). */
  readonly maxLabelLagMs?: number;
  /** Feature grid, ms (divides 1000). Default 100. */
  readonly featureGridMs?: number;
}

/** Rows of one session, and what was sampled. */
export interface SessionRows {
  /** Labelled rows of all spans, in time order. */
  readonly rows: AlphaRows;
  /** The merged spans, in time order. */
  readonly spans: readonly TimeSpanUs[];
  /** Feature vectors sampled inside the spans (before labelling). */
  readonly samples: number;
}

/**
 * Sorts windows and merges those that touch or overlap.
 * @throws RangeError on an empty or inverted window.
 */
export function mergeSpans(windows: readonly TimeSpanUs[]): TimeSpanUs[] {
  for (const w of windows)
    if (!(w.startUs < w.endUs))
      throw new RangeError(`window [${w.startUs}, ${w.endUs}) µs is empty or inverted`);
  const sorted = [...windows].sort((a, b) => a.startUs - b.startUs);
  const out: { startUs: number; endUs: number }[] = [];
  for (const w of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && w.startUs <= last.endUs) last.endUs = Math.max(last.endUs, w.endUs);
    else out.push({ startUs: w.startUs, endUs: w.endUs });
  }
  return out;
}

/**
 * Replays `events` (recorded order) from the start to the end of the last span, taps the features
 * and labels each span's samples.
 * @throws RangeError on invalid windows or horizon; errors of the replay (InvariantViolation on an
 *   inconsistent stream, ZodError on invalid params).
 */
export function rowsFromSession(events: Iterable<MarketEvent>, opts: SessionRowsOptions): SessionRows {
  const spans = mergeSpans(opts.windows);
  const first = spans[0];
  const last = spans[spans.length - 1];
  if (first === undefined || last === undefined)
    throw new RangeError('rowsFromSession needs at least one window');
  const buffers = spans.map(() => new FeatureSampleBuffer(ALPHA_FEATURE_COUNT));
  let span = 0;
  let samples = 0;
  const tap = (nowUs: number, features: Float32Array, midTicks: number): void => {
    while (span < spans.length && nowUs >= spans[span]!.endUs) span++;
    const s = spans[span];
    if (s === undefined || nowUs < s.startUs) return;
    buffers[span]!.push(nowUs, features, midTicks);
    samples++;
  };
  const params = withoutAlpha(opts.params);
  const replay = new ReplaySession({
    instrument: opts.instrument,
    market: opts.market,
    params,
    entryLatencyUs: 0,
    cancelLatencyUs: 0,
    recordFills: false,
    window: { startUs: first.startUs, endUs: last.endUs },
    featureTap: tap,
    ...(opts.featureGridMs === undefined ? {} : { featureGridMs: opts.featureGridMs }),
  });
  for (const ev of events) {
    replay.step(ev);
    if (replay.ended) break;
  }
  const labelOpts = {
    horizonMs: opts.horizonMs,
    ...(opts.maxLabelLagMs === undefined ? {} : { maxLabelLagMs: opts.maxLabelLagMs }),
  };
  const rows = concatRows(buffers.map((b) => labelSamples(b, labelOpts)));
  return { rows, spans, samples };
}

/** The params without an alpha block (the replay would otherwise need an alpha model to answer). */
function withoutAlpha(params: ModelParams): ModelParams {
  if (params.model !== 'as-v1.5' || params.alpha === undefined) return params;
  const { alpha: _alpha, ...rest } = params;
  return rest;
}
