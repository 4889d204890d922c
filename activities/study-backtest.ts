/**
 * One windowed backtest for the study: a recorded session (parsed once per process, shared LRU) is
 * replayed from its start so the book and signals warm up, but quoted and measured only inside the
 * span (core/backtest `window`).
 */
import { runBacktest } from '../core/backtest/backtester.ts';
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
}

/**
 * KPIs of the span [startUs, endUs) of one session.
 * @throws PermanentError from the session cache (unknown session, no snapshot); errors of the
 *   backtester (e.g. params needing an alpha model the synchronous replay cannot run).
 */
export async function backtestSpan(
  dataDir: string,
  span: ReplaySpan,
  opts: SpanBacktestOptions,
): Promise<Kpis> {
  const session = await loadSessionCached(dataDir, span.sessionId);
  const report = runBacktest(session.events, {
    instrument: session.instrument,
    market: session.market,
    params: opts.params,
    entryLatencyUs: Math.round(opts.entryLatencyUs),
    cancelLatencyUs: Math.round(opts.cancelLatencyUs),
    sessionId: span.sessionId,
    recordFills: false,
    window: { startUs: span.startUs, endUs: span.endUs },
  });
  return report.kpis;
}
