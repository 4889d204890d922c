/**
 * Walk-forward folds over time-ordered data windows (the windows the data-quality gate included), for
 * the parameter study of the retraining pipeline.
 *
 * The windows of one instrument, across its recorded sessions, are put in time order (by window start,
 * then session id) and numbered 0…N−1. Counting in windows, not in time, keeps every fold the same
 * amount of good data whatever was excluded in between.
 *
 *   [ train … ][ gap ][ validation ]             fold 0
 *   [ train ……………… ][ gap ][ validation ]        fold 1 (expanding; rolling keeps `trainWindows`)
 *                                  …  [ gap ][ holdout ]
 *
 * - The LAST `holdoutWindows` windows are set aside: they never enter any fold (neither train nor
 *   validation) and are used once, to evaluate the chosen parameters out of sample. When there is a
 *   holdout, `gapWindows` windows before it are embargoed too, so the last validation block does not
 *   touch it.
 * - Folds are anchored at the end: the last fold's validation block ends just before that embargo,
 *   each earlier fold `stepWindows` windows before; so the most recent data is always validated on.
 * - A fold's train part ends `gapWindows` windows before its validation part (the embargo of López de
 *   Prado 2018, "Advances in Financial Machine Learning", §7.4.2: serially correlated features and
 *   labels leak across a boundary unless a gap separates train from test). Expanding: train runs from
 *   window 0; rolling: only the `trainWindows` windows before the gap.
 * - The train part is for per-fold calibration (e.g. fitting k of λ(δ) = A·e^(−kδ) on the train
 *   windows before quoting the validation windows); the trial's value is measured on the validation
 *   windows only. `trainWindows` may be 0 when nothing is fitted per fold.
 *
 * Pure: no I/O.
 */
import { PermanentError } from '../errors.ts';

/** A time window of one recorded session, [startUs, endUs), exchange time in Unix epoch µs. */
export interface FoldWindow {
  /** Recording prefix, e.g. `binance-usdm_BTCUSDT_20240718T2357Z-20240719T0005Z`. */
  readonly sessionId: string;
  readonly startUs: number;
  readonly endUs: number;
}

/** How folds are cut; all spans count windows (integers). */
export interface WalkForwardConfig {
  /** `expanding`: train from the first window; `rolling`: the last `trainWindows` windows only. */
  readonly scheme: 'expanding' | 'rolling';
  /** Train span (≥ 0): the minimum for `expanding`, the exact span for `rolling`. */
  readonly trainWindows: number;
  /** Embargo between a fold's train and validation parts, and before the holdout (≥ 0). */
  readonly gapWindows: number;
  /** Validation span of each fold (≥ 1). */
  readonly validationWindows: number;
  /** Windows set aside at the end for the out-of-sample evaluation (≥ 0). */
  readonly holdoutWindows: number;
  /** Number of folds (≥ 1); absent = as many as fit. */
  readonly folds?: number;
  /** Distance between the validation starts of consecutive folds (≥ 1); default `validationWindows`. */
  readonly stepWindows?: number;
}

/** One fold: windows in time order. */
export interface Fold<W extends FoldWindow = FoldWindow> {
  /** 0-based, oldest first. */
  readonly index: number;
  /** Windows for per-fold calibration (may be empty when `trainWindows` is 0 and scheme is rolling). */
  readonly train: readonly W[];
  /** Windows the trial is scored on (never empty). */
  readonly validation: readonly W[];
}

/** The folds and the holdout of one study. */
export interface WalkForwardPlan<W extends FoldWindow = FoldWindow> {
  readonly folds: readonly Fold<W>[];
  /** The last windows, never in any fold; empty when `holdoutWindows` is 0. */
  readonly holdout: readonly W[];
  /** Windows in no fold and not in the holdout (embargoes, and leading windows a rolling scheme skips). */
  readonly unused: number;
}

function nonNegativeInt(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new PermanentError(
      'WALK_FORWARD_CONFIG',
      `walk-forward ${name} must be an integer ≥ 0, got ${value}`,
      {
        field: name,
        value,
      },
    );
}

function positiveInt(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1)
    throw new PermanentError(
      'WALK_FORWARD_CONFIG',
      `walk-forward ${name} must be an integer ≥ 1, got ${value}`,
      {
        field: name,
        value,
      },
    );
}

/** Windows sorted by (startUs, sessionId); @throws PermanentError on an empty, inverted or overlapping window. */
function timeOrdered<W extends FoldWindow>(windows: readonly W[]): W[] {
  const sorted = [...windows].sort(
    (a, b) => a.startUs - b.startUs || (a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0),
  );
  for (let i = 0; i < sorted.length; i++) {
    const w = sorted[i]!;
    if (!Number.isSafeInteger(w.startUs) || !Number.isSafeInteger(w.endUs) || w.endUs <= w.startUs)
      throw new PermanentError(
        'WALK_FORWARD_WINDOW',
        `window ${w.sessionId} [${w.startUs}, ${w.endUs}) µs is empty or not integer µs`,
        { sessionId: w.sessionId, startUs: w.startUs, endUs: w.endUs },
      );
    const prev = sorted[i - 1];
    if (prev !== undefined && prev.endUs > w.startUs)
      throw new PermanentError(
        'WALK_FORWARD_WINDOW',
        `windows overlap: ${prev.sessionId} [${prev.startUs}, ${prev.endUs}) and ${w.sessionId} [${w.startUs}, ${w.endUs}) µs`,
        { first: prev.sessionId, second: w.sessionId },
      );
  }
  return sorted;
}

/**
 * Windows needed for `folds` folds under `config`:
 * train + gap + validation + (folds − 1)·step, plus gap + holdout when there is a holdout.
 */
export function windowsNeeded(config: WalkForwardConfig, folds: number): number {
  const step = config.stepWindows ?? config.validationWindows;
  const holdout = config.holdoutWindows > 0 ? config.gapWindows + config.holdoutWindows : 0;
  return config.trainWindows + config.gapWindows + config.validationWindows + (folds - 1) * step + holdout;
}

/**
 * Cuts walk-forward folds and the holdout (see the module doc for the layout).
 * @param windows windows of ONE instrument (any order; sorted here by start time).
 * @param config spans in windows.
 * @returns folds oldest first, the holdout, and how many windows went unused.
 * @throws PermanentError `WALK_FORWARD_CONFIG` (a span out of range, naming it),
 *   `WALK_FORWARD_WINDOW` (an empty or overlapping window), `WALK_FORWARD_TOO_FEW_WINDOWS` (fewer
 *   windows than the folds need: the message says how many are needed and how many there are).
 */
export function walkForwardFolds<W extends FoldWindow>(
  windows: readonly W[],
  config: WalkForwardConfig,
): WalkForwardPlan<W> {
  nonNegativeInt('trainWindows', config.trainWindows);
  nonNegativeInt('gapWindows', config.gapWindows);
  positiveInt('validationWindows', config.validationWindows);
  nonNegativeInt('holdoutWindows', config.holdoutWindows);
  if (config.folds !== undefined) positiveInt('folds', config.folds);
  if (config.stepWindows !== undefined) positiveInt('stepWindows', config.stepWindows);
  const step = config.stepWindows ?? config.validationWindows;
  const sorted = timeOrdered(windows);
  const n = sorted.length;

  // Validation blocks may only use windows before the holdout and its embargo.
  const holdoutStart = n - config.holdoutWindows;
  const usableEnd = config.holdoutWindows > 0 ? holdoutStart - config.gapWindows : n;
  const room = usableEnd - config.trainWindows - config.gapWindows - config.validationWindows;
  const fitting = room < 0 ? 0 : Math.floor(room / step) + 1;
  const wanted = config.folds ?? Math.max(fitting, 1);
  if (fitting < wanted) {
    throw new PermanentError(
      'WALK_FORWARD_TOO_FEW_WINDOWS',
      `walk-forward needs ${windowsNeeded(config, wanted)} windows for ${wanted} fold(s) ` +
        `(train ${config.trainWindows} + gap ${config.gapWindows} + validation ${config.validationWindows}` +
        `${wanted > 1 ? ` + ${wanted - 1}×step ${step}` : ''}` +
        `${config.holdoutWindows > 0 ? ` + gap ${config.gapWindows} + holdout ${config.holdoutWindows}` : ''}` +
        `), got ${n}`,
      { needed: windowsNeeded(config, wanted), got: n, folds: wanted },
    );
  }

  const folds: Fold<W>[] = [];
  const used = new Set<number>();
  for (let k = 0; k < wanted; k++) {
    const validationStart = usableEnd - config.validationWindows - (wanted - 1 - k) * step;
    const trainEnd = validationStart - config.gapWindows;
    const trainStart = config.scheme === 'expanding' ? 0 : trainEnd - config.trainWindows;
    for (let i = trainStart; i < validationStart + config.validationWindows; i++)
      if (i < trainEnd || i >= validationStart) used.add(i);
    folds.push({
      index: k,
      train: sorted.slice(trainStart, trainEnd),
      validation: sorted.slice(validationStart, validationStart + config.validationWindows),
    });
  }
  const holdout = sorted.slice(holdoutStart);
  return { folds, holdout, unused: n - used.size - holdout.length };
}
