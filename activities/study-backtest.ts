/**
 * Windowed backtests for the study and the candidate's evaluation. `backtestSpan`: a recorded session
 * (parsed once per process, shared LRU) is replayed from its start so the book and signals warm up, but
 * quoted and measured only inside the span (core/backtest `window`); a model with an alpha term runs
 * through `runBacktestAsync`, each prediction awaited (deterministic). `backtestWindows`: a set of
 * windows as the study values it (k refitted first when asked, one replay per contiguous span, the
 * spans' KPIs combined).
 */
import type { AlphaModel } from '../core/alpha/alpha-model.ts';
import { runBacktest, runBacktestAsync } from '../core/backtest/backtester.ts';
import type { SessionWindow } from '../core/dataset/windows.ts';
import { isMmflowError, PermanentError, type ErrorDetails } from '../core/errors.ts';
import type { Kpis } from '../core/metrics/kpis.ts';
import { parseModelParams, type ModelParams } from '../core/quoting/model-params.ts';
import {
  combineSpanKpis,
  contiguousSpans,
  type ReplaySpan,
  type SpanKpis,
} from '../core/validation/spans.ts';
import { kPerTickOn } from './fold-calibration.ts';
import { loadSessionCached } from './session-cache.ts';

/** What a span's backtest needs besides the span. */
export interface SpanBacktestOptions {
  readonly params: ModelParams;
  /** Order-entry latency, µs (rounded to an integer). */
  readonly entryLatencyUs: number;
  /** Cancel latency, µs (rounded to an integer). */
  readonly cancelLatencyUs: number;
  /** The loaded alpha model; required when `params` have an alpha block. */
  readonly alphaModel?: AlphaModel;
}

/**
 * KPIs of the span [startUs, endUs) of one session.
 * @throws PermanentError from the session cache (unknown session, no snapshot); errors of the
 *   backtester (e.g. params with an alpha block and no `alphaModel`).
 */
export async function backtestSpan(
  dataDir: string,
  span: ReplaySpan,
  opts: SpanBacktestOptions,
): Promise<Kpis> {
  const session = await loadSessionCached(dataDir, span.sessionId);
  const backtestOpts = {
    instrument: session.instrument,
    market: session.market,
    params: opts.params,
    entryLatencyUs: Math.round(opts.entryLatencyUs),
    cancelLatencyUs: Math.round(opts.cancelLatencyUs),
    sessionId: span.sessionId,
    recordFills: false,
    window: { startUs: span.startUs, endUs: span.endUs },
  };
  const report =
    opts.alphaModel === undefined
      ? runBacktest(session.events, backtestOpts)
      : await runBacktestAsync(session.events, { ...backtestOpts, alphaModel: opts.alphaModel });
  return report.kpis;
}

/** Options of {@link backtestWindows}: a span's options, plus the windows k is refitted on first. */
export interface WindowsBacktestOptions extends SpanBacktestOptions {
  /** Windows k is calibrated on before the backtests (./fold-calibration.ts); absent or empty: none. */
  readonly refitKPerTickOn?: readonly SessionWindow[];
}

/** How a failed span is reported: the error code and what names the caller (study fold, evaluation). */
export interface SpanFailure {
  readonly code: string;
  /** Head of the message, e.g. `study s1 trial 3 fold 2`. */
  readonly where: string;
  readonly details: ErrorDetails;
}

/** KPIs of windows, combined over their spans (and the refitted k, when there was a refit). */
export interface WindowsBacktest {
  readonly kpis: Kpis;
  /** Contiguous spans replayed (one replay each). */
  readonly spans: number;
  /** k fitted on `refitKPerTickOn`, 1/tick; absent without a refit. */
  readonly refittedKPerTick?: number;
}

/**
 * The study's evaluation of one set of windows, shared by its folds, its holdout and the candidate's
 * evaluation: k refitted first when asked (it then replaces the params' kPerTick), one windowed replay
 * per contiguous span, the spans' KPIs combined (core/validation/spans.ts).
 * @param windows time-ordered windows of one instrument (contiguous ones of a session form one span).
 * @param heartbeat called before the refit and before each span.
 * @throws the refit's and the session cache's PermanentErrors as they are; any other error of a replay
 *   as PermanentError `failure.code` naming the span.
 */
export async function backtestWindows(
  dataDir: string,
  windows: readonly SessionWindow[],
  opts: WindowsBacktestOptions,
  failure: SpanFailure,
  heartbeat: (details: Record<string, unknown>) => void = () => {},
): Promise<WindowsBacktest> {
  let params = opts.params;
  let refittedKPerTick: number | undefined;
  const refitOn = opts.refitKPerTickOn ?? [];
  if (refitOn.length > 0) {
    heartbeat({ phase: 'refit k', windows: refitOn.length });
    refittedKPerTick = await kPerTickOn(dataDir, refitOn);
    params = parseModelParams({ ...params, kPerTick: refittedKPerTick }, `${failure.where} refit`);
  }
  const spans = contiguousSpans(windows);
  const results: SpanKpis[] = [];
  for (const [i, span] of spans.entries()) {
    heartbeat({ phase: 'backtest', span: i, of: spans.length });
    try {
      const kpis = await backtestSpan(dataDir, span, { ...opts, params });
      results.push({ kpis, durationUs: span.endUs - span.startUs });
    } catch (err) {
      if (isMmflowError(err)) throw err;
      throw new PermanentError(
        failure.code,
        `${failure.where}: backtest of ${span.sessionId} [${span.startUs}, ${span.endUs}) µs failed: ${err instanceof Error ? err.message : String(err)}`,
        { ...failure.details, sessionId: span.sessionId, startUs: span.startUs },
        { cause: err },
      );
    }
  }
  return {
    kpis: combineSpanKpis(results),
    spans: spans.length,
    ...(refittedKPerTick === undefined ? {} : { refittedKPerTick }),
  };
}
