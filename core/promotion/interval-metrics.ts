/**
 * Metrics of one slot over one interval [fromMs, toMs], from the engine's cumulative samples
 * (`deployment_metrics`, one row a second; counters are cumulative since the engine run started).
 *
 * Rule for engine runs (counters restart at 0 with every run, so differences across runs mean nothing):
 * the interval is measured on the run of its END sample (the last sample at or before `toMs`) only.
 * - Samples of other runs that end before that run's baseline are ignored: after a restart inside the
 *   interval the measurement covers only the part after the restart (see `fromAtMs`, which says so).
 * - A sample of another run between the baseline and the end (two engines writing one slot, or a run
 *   that came back after another started) makes the interval undefined.
 *
 * The baseline is the last sample of that run at or before `fromMs`, or, when the run has none
 * (it started inside the interval), its first sample inside. Callers should therefore load samples
 * from a few sample periods before `fromMs` (e.g. `fromMs − 5 000`) so the baseline is at the start.
 *
 * Optional revision/version restriction: when `expect.appliedRevision` or `expect.appliedVersion` is
 * given, every sample after the baseline up to the end must carry it, else the interval is undefined
 * (a switchback interval measured while another arm was still applied is contaminated).
 */

/** The fields of a `SlotSample` (db/repositories/deployment-metrics.ts) this module reads. */
export interface SampleLike {
  readonly engineRunId: string;
  readonly seq: number;
  /** Wall time of the sample, epoch ms. */
  readonly atMs: number;
  readonly appliedRevision: number;
  readonly appliedVersion: string;
  /** Applied capital fraction, 0..1. */
  readonly capitalFraction: number;
  /** Cumulative net PnL (after fees, marked to mid), quote currency. */
  readonly netPnlQuote: number;
  /** Cumulative 1-s mark-out of our fills, quote currency, and the number of fills it covers. */
  readonly markout1sQuote: number;
  readonly markoutFills: number;
  /** Signed inventory at the sample, lots. */
  readonly inventoryLots: number;
  /** Cumulative fills (count) and filled size, lots. */
  readonly fills: number;
  readonly filledLots: number;
  /** Cumulative quotes placed and rejects (count). */
  readonly quotesPlaced: number;
  readonly rejects: number;
}

/** Metrics of an interval. Quote-currency figures are changes over the interval. */
export interface IntervalMetrics {
  /** Δ net PnL, quote currency. */
  readonly netPnlQuote: number;
  /** Δ 1-s mark-out, quote currency. */
  readonly markout1sQuote: number;
  /** Δ mark-out / Δ mark-out fills, quote currency per fill; undefined when no fill settled. */
  readonly markoutPerFillQuote: number | undefined;
  /** Δ fills (count) and Δ filled size (lots). */
  readonly fills: number;
  readonly filledLots: number;
  /** √(mean of inventory²) over the samples inside [fromMs, toMs], lots. */
  readonly rmsInventoryLots: number;
  /** Largest fall of net PnL from its running peak, baseline included, quote currency (≥ 0). */
  readonly maxDrawdownQuote: number;
  /** Δ rejects / Δ quotes placed; undefined when no quote was placed. */
  readonly rejectRate: number | undefined;
  /** Δ quotes placed (count). */
  readonly quotesPlaced: number;
  /** Mean applied capital fraction over the samples inside [fromMs, toMs]. */
  readonly capitalFraction: number;
  /** Number of samples inside [fromMs, toMs] (of the measured run). */
  readonly samples: number;
  /** The measured engine run. */
  readonly engineRunId: string;
  /** Times of the baseline and end samples, epoch ms: the span really measured. */
  readonly fromAtMs: number;
  readonly toAtMs: number;
}

/**
 * @param samples cumulative samples of ONE slot, any order (sorted here by atMs, then seq).
 * @param fromMs start of the interval, epoch ms (inclusive).
 * @param toMs end of the interval, epoch ms (inclusive), ≥ fromMs.
 * @param expect optional restriction of the samples after the baseline to one revision / version.
 * @returns undefined when the interval has no sample of the end's run inside [fromMs, toMs], when
 *   another run interleaves, or when `expect` is not met.
 * @throws RangeError when toMs < fromMs or a bound is not finite.
 */
export function intervalMetrics(
  samples: readonly SampleLike[],
  fromMs: number,
  toMs: number,
  expect: { readonly appliedRevision?: number; readonly appliedVersion?: string } = {},
): IntervalMetrics | undefined {
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || toMs < fromMs)
    throw new RangeError(`intervalMetrics: bad interval [${fromMs}, ${toMs}]`);
  const sorted = [...samples].sort((a, b) => a.atMs - b.atMs || a.seq - b.seq);
  let endIdx = -1;
  for (let i = 0; i < sorted.length; i++) if ((sorted[i]?.atMs ?? Infinity) <= toMs) endIdx = i;
  const end = sorted[endIdx];
  if (end === undefined || end.atMs < fromMs) return undefined;
  const run = end.engineRunId;

  // Baseline: last sample of `run` at or before fromMs, else its first sample inside.
  let baseIdx = -1;
  for (let i = 0; i <= endIdx; i++) {
    const s = sorted[i];
    if (s === undefined || s.engineRunId !== run) continue;
    if (s.atMs <= fromMs) baseIdx = i;
    else if (baseIdx < 0) {
      baseIdx = i;
      break;
    } else break;
  }
  const base = sorted[baseIdx];
  if (base === undefined) return undefined;

  const path = sorted.slice(baseIdx, endIdx + 1);
  if (path.some((s) => s.engineRunId !== run)) return undefined;
  for (const s of path.slice(1)) {
    if (expect.appliedRevision !== undefined && s.appliedRevision !== expect.appliedRevision)
      return undefined;
    if (expect.appliedVersion !== undefined && s.appliedVersion !== expect.appliedVersion) return undefined;
  }

  const inside = path.filter((s) => s.atMs >= fromMs);
  let sumSq = 0;
  let sumFraction = 0;
  for (const s of inside) {
    sumSq += s.inventoryLots * s.inventoryLots;
    sumFraction += s.capitalFraction;
  }
  let peak = base.netPnlQuote;
  let maxDrawdownQuote = 0;
  for (const s of path) {
    peak = Math.max(peak, s.netPnlQuote);
    maxDrawdownQuote = Math.max(maxDrawdownQuote, peak - s.netPnlQuote);
  }
  const markoutFills = end.markoutFills - base.markoutFills;
  const quotesPlaced = end.quotesPlaced - base.quotesPlaced;
  const markout1sQuote = end.markout1sQuote - base.markout1sQuote;
  return {
    netPnlQuote: end.netPnlQuote - base.netPnlQuote,
    markout1sQuote,
    markoutPerFillQuote: markoutFills > 0 ? markout1sQuote / markoutFills : undefined,
    fills: end.fills - base.fills,
    filledLots: end.filledLots - base.filledLots,
    rmsInventoryLots: Math.sqrt(sumSq / inside.length),
    maxDrawdownQuote,
    rejectRate: quotesPlaced > 0 ? (end.rejects - base.rejects) / quotesPlaced : undefined,
    quotesPlaced,
    capitalFraction: sumFraction / inside.length,
    samples: inside.length,
    engineRunId: run,
    fromAtMs: base.atMs,
    toAtMs: end.atMs,
  };
}
