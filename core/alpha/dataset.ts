/**
 * The supervised data set of the alpha model: feature vectors sampled by a replay's feature tap (on
 * its grid, once warm), each labelled with the mid move over a fixed horizon, then split in time into
 * training and validation rows with purging and an embargo between them.
 *
 * Label (ticks): y(t) = mid(t′) − mid(t), where t′ is the first grid point at or after t + horizon.
 * Rows whose t′ does not exist in the same window (the horizon leaves the window) are dropped, and so
 * are rows whose t′ lies more than `maxLabelLagMs` past t + horizon (a hole in the tap's grid).
 *
 * Split: time-ordered, never shuffled across the boundary. Validation = the last `validationFraction`
 * of the rows; training rows are purged when their label interval [t, t′] comes within `embargoMs` of
 * the first validation time, so no training label overlaps a validation feature (López de Prado,
 * "Advances in Financial Machine Learning", 2018, ch. 7.4: purging and embargo).
 *
 * Pure: no I/O, no clock. Times are Unix epoch µs, prices in ticks (floats: a mid may be x.5).
 */
import { InvariantViolation, PermanentError } from '../errors.ts';

/** Labelled rows, stored column-wise. Rows are in increasing `timeUs`. */
export interface AlphaRows {
  /** Features per row (7 for ALPHA_FEATURE_NAMES). */
  readonly featureCount: number;
  /** Number of rows. */
  readonly count: number;
  /** Features, row-major: row i is x[i·featureCount … (i+1)·featureCount). */
  readonly x: Float32Array;
  /** Label per row: mid move over the horizon, ticks. */
  readonly yTicks: Float64Array;
  /** Feature time t per row, Unix epoch µs. */
  readonly timeUs: Float64Array;
  /** Time t′ of the grid point whose mid gave the label (t′ ≥ t + horizon), Unix epoch µs. */
  readonly labelTimeUs: Float64Array;
}

/**
 * Collects the feature tap's samples of one replay window, copying each vector (the tap may reuse
 * its array). Use `tap` as the replay's `featureTap`.
 */
export class FeatureSampleBuffer {
  readonly featureCount: number;
  private n = 0;
  private x: Float32Array;
  private t: Float64Array;
  private mid: Float64Array;

  /** @throws RangeError unless `featureCount` is a positive integer. */
  constructor(featureCount: number) {
    if (!Number.isInteger(featureCount) || featureCount < 1)
      throw new RangeError(`featureCount must be a positive integer, got ${featureCount}`);
    this.featureCount = featureCount;
    this.x = new Float32Array(featureCount * 1024);
    this.t = new Float64Array(1024);
    this.mid = new Float64Array(1024);
  }

  /** The `featureTap` callback: `(nowUs, features, midTicks) => void`, bound to this buffer. */
  readonly tap = (nowUs: number, features: Float32Array, midTicks: number): void => {
    this.push(nowUs, features, midTicks);
  };

  /**
   * Appends one sample.
   * @param timeUs sample time, Unix epoch µs; strictly after the previous sample's.
   * @param features `featureCount` finite values (copied).
   * @param midTicks mid price in ticks, finite.
   * @throws InvariantViolation `ALPHA_FEATURE_COUNT` (wrong length), `ALPHA_SAMPLE_ORDER` (time not
   *   increasing), `ALPHA_NON_FINITE` (a NaN/±Infinity feature or mid), naming the time and feature.
   */
  push(timeUs: number, features: Float32Array, midTicks: number): void {
    const d = this.featureCount;
    if (features.length !== d)
      throw new InvariantViolation('ALPHA_FEATURE_COUNT', `expected ${d} features, got ${features.length}`, {
        timeUs,
      });
    if (this.n > 0 && !(timeUs > (this.t[this.n - 1] as number)))
      throw new InvariantViolation('ALPHA_SAMPLE_ORDER', `sample time ${timeUs} µs is not after the last`, {
        timeUs,
        lastUs: this.t[this.n - 1],
      });
    if (!Number.isFinite(midTicks) || !Number.isFinite(timeUs))
      throw new InvariantViolation('ALPHA_NON_FINITE', `non-finite mid ${midTicks} at ${timeUs} µs`, {
        timeUs,
      });
    for (let k = 0; k < d; k++) {
      if (!Number.isFinite(features[k] as number))
        throw new InvariantViolation('ALPHA_NON_FINITE', `feature ${k} is ${features[k]} at ${timeUs} µs`, {
          timeUs,
          feature: k,
        });
    }
    if (this.n === this.t.length) this.grow();
    this.x.set(features, this.n * d);
    this.t[this.n] = timeUs;
    this.mid[this.n] = midTicks;
    this.n++;
  }

  /** Number of samples collected. */
  get length(): number {
    return this.n;
  }

  /** Sample i's time (µs) and mid (ticks); i in [0, length). */
  timeUsAt(i: number): number {
    return this.t[i] as number;
  }

  midTicksAt(i: number): number {
    return this.mid[i] as number;
  }

  /** Sample i's features (a view into the buffer, valid until the next push). */
  featuresAt(i: number): Float32Array {
    return this.x.subarray(i * this.featureCount, (i + 1) * this.featureCount);
  }

  private grow(): void {
    const cap = this.t.length * 2;
    const x = new Float32Array(cap * this.featureCount);
    x.set(this.x);
    const t = new Float64Array(cap);
    t.set(this.t);
    const mid = new Float64Array(cap);
    mid.set(this.mid);
    this.x = x;
    this.t = t;
    this.mid = mid;
  }
}

/** Options of {@link labelSamples}. */
export interface LabelOptions {
  /** Prediction horizon h, ms (positive integer). */
  readonly horizonMs: number;
  /**
   * Largest lateness of the label point past t + h, ms (≥ 0); a later point (a hole in the grid) drops
   * the row instead of stretching its horizon. Default: `horizonMs`.
   */
  readonly maxLabelLagMs?: number;
}

/**
 * Labels one window's samples: row i gets y = mid(t′) − mid(tᵢ), t′ = first sample time ≥ tᵢ + h.
 * Two pointers over the (increasing) sample times: O(n).
 * @returns the kept rows in time order (possibly none).
 * @throws RangeError if `horizonMs` is not a positive integer or `maxLabelLagMs` is negative.
 */
export function labelSamples(samples: FeatureSampleBuffer, opts: LabelOptions): AlphaRows {
  const { horizonMs } = opts;
  if (!Number.isInteger(horizonMs) || horizonMs <= 0)
    throw new RangeError(`horizonMs must be a positive integer, got ${horizonMs}`);
  const maxLagMs = opts.maxLabelLagMs ?? horizonMs;
  if (!(maxLagMs >= 0)) throw new RangeError(`maxLabelLagMs must be ≥ 0, got ${maxLagMs}`);
  const horizonUs = horizonMs * 1000;
  const maxLagUs = maxLagMs * 1000;
  const n = samples.length;
  const d = samples.featureCount;
  const x = new Float32Array(n * d);
  const y = new Float64Array(n);
  const timeUs = new Float64Array(n);
  const labelTimeUs = new Float64Array(n);
  let kept = 0;
  let j = 0;
  for (let i = 0; i < n; i++) {
    const t = samples.timeUsAt(i);
    const target = t + horizonUs;
    while (j < n && samples.timeUsAt(j) < target) j++;
    if (j === n) break; // every later row's horizon leaves the window too
    const tj = samples.timeUsAt(j);
    if (tj - target > maxLagUs) continue;
    x.set(samples.featuresAt(i), kept * d);
    y[kept] = samples.midTicksAt(j) - samples.midTicksAt(i);
    timeUs[kept] = t;
    labelTimeUs[kept] = tj;
    kept++;
  }
  return sliceRows({ featureCount: d, count: n, x, yTicks: y, timeUs, labelTimeUs }, 0, kept);
}

/**
 * Concatenates the rows of several windows, in argument order.
 * @throws PermanentError `ALPHA_WINDOWS_OVERLAP` if a part starts before the previous part's last
 *   label time (windows must be disjoint and given in time order); RangeError on mixed feature counts.
 */
export function concatRows(parts: readonly AlphaRows[]): AlphaRows {
  const first = parts[0];
  if (first === undefined) throw new RangeError('concatRows needs at least one part');
  const d = first.featureCount;
  let total = 0;
  let lastLabelUs = -Infinity;
  for (const [k, p] of parts.entries()) {
    if (p.featureCount !== d) throw new RangeError(`part ${k} has ${p.featureCount} features, not ${d}`);
    if (p.count === 0) continue;
    const start = p.timeUs[0] as number;
    if (start <= lastLabelUs)
      throw new PermanentError(
        'ALPHA_WINDOWS_OVERLAP',
        `window ${k} starts at ${start} µs, before the previous window's last label at ${lastLabelUs} µs`,
        { window: k },
      );
    lastLabelUs = p.labelTimeUs[p.count - 1] as number;
    total += p.count;
  }
  const out = emptyRows(d, total);
  let at = 0;
  for (const p of parts) {
    out.x.set(p.x.subarray(0, p.count * d), at * d);
    out.yTicks.set(p.yTicks.subarray(0, p.count), at);
    out.timeUs.set(p.timeUs.subarray(0, p.count), at);
    out.labelTimeUs.set(p.labelTimeUs.subarray(0, p.count), at);
    at += p.count;
  }
  return out;
}

/** Options of {@link splitTimeOrdered}. */
export interface SplitOptions {
  /** Share of the rows (the latest ones) held out for validation, in (0, 1). Default 0.2. */
  readonly validationFraction?: number;
  /**
   * Minimum gap between a training row's label time t′ and the first validation feature time, ms
   * (≥ 0). So the gap between the last training feature and the first validation feature is at least
   * horizon + embargo. Should be ≥ the horizon (features such as 5-s returns look back in time).
   */
  readonly embargoMs: number;
  /** Fewest rows accepted on each side (≥ 2). Default 2. */
  readonly minRows?: number;
}

/** Result of {@link splitTimeOrdered}. */
export interface AlphaSplit {
  readonly train: AlphaRows;
  readonly validation: AlphaRows;
  /** Training rows removed by purging + embargo. */
  readonly purgedRows: number;
}

/**
 * Time-ordered train/validation split with purging and embargo (López de Prado 2018, ch. 7.4).
 * Validation = rows [k, n) with k = n − round(n·validationFraction); training = rows i < k with
 * labelTimeUs[i] + embargo ≤ timeUs[k].
 * @throws PermanentError `ALPHA_DATASET_TOO_SMALL` if either side has fewer than `minRows` rows;
 *   RangeError on an invalid fraction or embargo.
 */
export function splitTimeOrdered(rows: AlphaRows, opts: SplitOptions): AlphaSplit {
  const fraction = opts.validationFraction ?? 0.2;
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`validationFraction ${fraction} not in (0, 1)`);
  if (!(opts.embargoMs >= 0)) throw new RangeError(`embargoMs must be ≥ 0, got ${opts.embargoMs}`);
  const minRows = Math.max(2, opts.minRows ?? 2);
  const n = rows.count;
  const k = n - Math.round(n * fraction);
  const tooSmall = (what: string): PermanentError =>
    new PermanentError('ALPHA_DATASET_TOO_SMALL', `${what}: ${n} labelled rows in all`, { rows: n, minRows });
  if (k <= 0 || n - k < minRows) throw tooSmall(`fewer than ${minRows} validation rows`);
  const firstValUs = rows.timeUs[k] as number;
  const embargoUs = opts.embargoMs * 1000;
  let trainEnd = k;
  // Label times are non-decreasing, so the purged rows form a suffix of the training side.
  while (trainEnd > 0 && (rows.labelTimeUs[trainEnd - 1] as number) + embargoUs > firstValUs) trainEnd--;
  if (trainEnd < minRows) throw tooSmall(`fewer than ${minRows} training rows after purging`);
  return {
    train: sliceRows(rows, 0, trainEnd),
    validation: sliceRows(rows, k, n),
    purgedRows: k - trainEnd,
  };
}

/** Rows [from, to) as an independent copy. */
export function sliceRows(rows: AlphaRows, from: number, to: number): AlphaRows {
  const d = rows.featureCount;
  return {
    featureCount: d,
    count: to - from,
    x: rows.x.slice(from * d, to * d),
    yTicks: rows.yTicks.slice(from, to),
    timeUs: rows.timeUs.slice(from, to),
    labelTimeUs: rows.labelTimeUs.slice(from, to),
  };
}

function emptyRows(featureCount: number, count: number): AlphaRows {
  return {
    featureCount,
    count,
    x: new Float32Array(count * featureCount),
    yTicks: new Float64Array(count),
    timeUs: new Float64Array(count),
    labelTimeUs: new Float64Array(count),
  };
}

/**
 * Rows from explicit columns (synthetic data, tests). Arrays are used as given (not copied).
 * @throws RangeError if the column lengths disagree with `count` = yTicks.length, or times decrease.
 */
export function rowsFromColumns(
  featureCount: number,
  x: Float32Array,
  yTicks: Float64Array,
  timeUs: Float64Array,
  labelTimeUs: Float64Array,
): AlphaRows {
  const count = yTicks.length;
  if (x.length !== count * featureCount || timeUs.length !== count || labelTimeUs.length !== count)
    throw new RangeError(`column lengths disagree: ${count} labels, ${x.length} feature values`);
  for (let i = 1; i < count; i++)
    if ((timeUs[i] as number) < (timeUs[i - 1] as number))
      throw new RangeError(`timeUs decreases at row ${i}`);
  return { featureCount, count, x, yTicks, timeUs, labelTimeUs };
}
