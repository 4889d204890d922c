/**
 * Windowed backtests for the study and the candidate's evaluation. `backtestSpan`: a recorded session
 * (parsed once per process, shared LRU) is replayed from its start so the book and signals warm up, but
 * quoted and measured only inside the span (core/backtest `window`); a model with an alpha term runs
 * through `runBacktestAsync`, each prediction awaited (deterministic). `backtestWindows`: a set of
 * windows as the study values it (k refitted first when asked, one replay per contiguous span, the
 * spans' KPIs combined).
 *
 * Failures are told apart by what they are tied to (docs/study.md "Failed trials"):
 * - the evaluation of the parameters themselves — anything thrown while replaying loaded data with
 *   them (RangeError, InvariantViolation, PermanentError of core code) or while re-validating them
 *   after the refit — is an {@link EvaluationFailure}: the study stores the trial as failed and goes on;
 * - the data (unknown session, a refit that cannot be estimated) fails the same way for every trial:
 *   thrown as it is (PermanentError), it stops the study;
 * - infrastructure (network, database, file system: {@link isInfrastructureError}) is thrown as it is
 *   and retried by the activity's retry policy.
 */
import { ZodError } from 'zod';
import type { AlphaModel } from '../core/alpha/alpha-model.ts';
import { runBacktest, runBacktestAsync } from '../core/backtest/backtester.ts';
import type { SessionWindow } from '../core/dataset/windows.ts';
import { InvariantViolation, isMmflowError, PermanentError, type ErrorDetails } from '../core/errors.ts';
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
 *   backtester (e.g. params with an alpha block and no `alphaModel`); InvariantViolation
 *   `QUOTER_INVARIANT` when the quoter failed during the replay (the engine pulled quotes and went on).
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
  // The engine survives a quoter failure (pulls quotes, counts it, goes on), but KPIs of a replay with
  // pulled stretches do not score these parameters: the evaluation fails (the study stores the trial
  // as failed with this reason).
  const violations = report.counters.invariantViolations;
  if (violations > 0)
    throw new InvariantViolation(
      'QUOTER_INVARIANT',
      `${violations} quoter invariant violation(s) in the replay (quotes pulled each time)`,
      { sessionId: span.sessionId, startUs: span.startUs, violations },
    );
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

/**
 * The evaluation of a set of parameters failed for a reason tied to them (the replay or the params'
 * validation threw). A PermanentError (non-retryable: the same params fail again); `reason` is the
 * original error as `<name>: <message>`, the message names the evaluation and the span.
 */
export class EvaluationFailure extends PermanentError {
  /** `<error name>: <message>` of what was thrown, e.g. `RangeError: AsV15Quoter: …`. */
  readonly reason: string;

  constructor(code: string, message: string, reason: string, details: ErrorDetails, cause: unknown) {
    super(code, message, details, { cause });
    this.reason = reason;
  }
}

/** Node's system error codes (ECONNRESET, EIO, ENOENT, …). */
const SYSTEM_CODE = /^E[A-Z0-9_]+$/;

/**
 * Whether `err` (or one of its causes) is a failure of the infrastructure rather than of the work:
 * a TransientError (mapped network or database unavailability), a node-postgres error (it carries a
 * SQLSTATE `code` and a `severity`), or a Node system error (`syscall`, `errno`, or an `E…` code).
 * Such a failure is retried, never blamed on a trial's parameters.
 */
export function isInfrastructureError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (isMmflowError(e)) {
      if (e.retryable) return true;
      continue;
    }
    const fields = e as Error & { code?: unknown; severity?: unknown; syscall?: unknown; errno?: unknown };
    if (typeof fields.syscall === 'string' || typeof fields.errno === 'number') return true;
    if (typeof fields.code === 'string' && (SYSTEM_CODE.test(fields.code) || fields.severity !== undefined))
      return true;
  }
  return false;
}

/** `<name>: <message>` of a thrown value, on one line (a ZodError's issues as `path: message; …`). */
export function describeError(err: unknown): string {
  if (err instanceof ZodError)
    return `${err.name}: ${err.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`).join('; ')}`;
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
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
 * @throws EvaluationFailure (`failure.code`, naming the span) for anything a replay throws, or the
 *   refitted params' validation, unless it is an infrastructure error ({@link isInfrastructureError}),
 *   thrown as it is; the refit's and the session cache's errors as they are.
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
    try {
      params = parseModelParams({ ...params, kPerTick: refittedKPerTick }, `${failure.where} refit`);
    } catch (err) {
      const reason = describeError(err);
      throw new EvaluationFailure(failure.code, `${failure.where}: ${reason}`, reason, failure.details, err);
    }
  }
  const spans = contiguousSpans(windows);
  const results: SpanKpis[] = [];
  for (const [i, span] of spans.entries()) {
    heartbeat({ phase: 'backtest', span: i, of: spans.length });
    // Loaded first, outside the replay's error handling: a missing session or an unreadable file is
    // not the parameters' fault (the cache keeps it, so backtestSpan does not load it twice).
    await loadSessionCached(dataDir, span.sessionId);
    try {
      const kpis = await backtestSpan(dataDir, span, { ...opts, params });
      results.push({ kpis, durationUs: span.endUs - span.startUs });
    } catch (err) {
      if (isInfrastructureError(err)) throw err;
      const reason = describeError(err);
      throw new EvaluationFailure(
        failure.code,
        `${failure.where}: backtest of ${span.sessionId} [${span.startUs}, ${span.endUs}) µs failed: ${reason}`,
        reason,
        { ...failure.details, sessionId: span.sessionId, startUs: span.startUs },
        err,
      );
    }
  }
  return {
    kpis: combineSpanKpis(results),
    spans: spans.length,
    ...(refittedKPerTick === undefined ? {} : { refittedKPerTick }),
  };
}
