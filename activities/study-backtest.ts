/**
 * One windowed backtest for the study and the candidate's evaluation: a recorded session (parsed once
 * per process, shared LRU) is replayed from its start so the book and signals warm up, but quoted and
 * measured only inside the span (core/backtest `window`). A model with an alpha term runs through
 * `runBacktestAsync`, each prediction awaited (deterministic).
 */
import type { AlphaModel } from '../core/alpha/alpha-model.ts';
import { runBacktest, runBacktestAsync } from '../core/backtest/backtester.ts';
import type { Kpis } from '../core/metrics/kpis.ts';
import type { ModelParams } from '../core/quoting/model-params.ts';
import type { ReplaySpan } from '../core/validation/spans.ts';
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
