/**
 * The switchback plan of a champion/challenger A/B test on one market (docs/adr/0017-switchback-ab-test.md).
 *
 * With real orders on one market the two quoters cannot run side by side (they would compete for the
 * same fills), so one slot alternates between them. Time is cut into `2·pairs` contiguous intervals of
 * `intervalMs`; intervals 2p and 2p+1 form pair p and hold one interval of each arm, in an order drawn
 * at random per pair (a fair coin from the seeded xoshiro stream `createStream(seed, p)`). Every
 * interval opens with a washout of `washoutMs` that is run but not measured: the carryover of the
 * previous arm (its inventory, its resting orders' queue positions, the market's reaction to its
 * quotes) decays there — the carryover argument of Bojinov, Simchi-Levi & Zhao (2023), "Design and
 * Analysis of Switchback Experiments", Management Science 69(7), whose estimators likewise use only
 * the periods far enough from a switch. Pairing adjacent intervals cancels slow market drift in each
 * difference, so the per-pair differences feed the paired tests of compare.ts.
 *
 * Pure and deterministic (no clock): usable inside Temporal workflow code. Offsets are relative to the
 * start of the experiment, ms.
 */
import { PermanentError } from '../errors.ts';
import { createStream } from '../random/xoshiro.ts';

/** The two arms of an A/B test. */
export type Arm = 'champion' | 'challenger';

/** One interval of the plan. */
export interface SwitchbackInterval {
  /** 0-based position in time; pair = floor(index / 2). */
  readonly index: number;
  /** Which model the slot runs during the whole interval (washout included). */
  readonly arm: Arm;
  /** Start of the interval (the switch), ms after the experiment's start. */
  readonly startOffsetMs: number;
  /** Length of the unmeasured washout at the start of the interval, ms. */
  readonly washoutMs: number;
  /** End of the interval (the next switch), ms after the experiment's start. */
  readonly endOffsetMs: number;
}

/** A plan: `2·pairs` intervals in time order. */
export interface SwitchbackPlan {
  readonly intervals: readonly SwitchbackInterval[];
}

/** Largest plan accepted (a guard against a units mix-up in a YAML file). */
const MAX_PAIRS = 10_000;

/**
 * Builds the plan.
 * @param o.pairs number of (champion, challenger) pairs, integer 1..10 000.
 * @param o.intervalMs length of each interval, ms (integer > 0).
 * @param o.washoutMs unmeasured start of each interval, ms (integer, 0 ≤ washoutMs < intervalMs).
 * @param o.seed safe integer; the order inside pair p is the low bit of `createStream(seed, p)`, so a
 *   longer plan with the same seed keeps the orders of the shorter one.
 * @throws PermanentError SWITCHBACK_PLAN_INVALID on a bad option.
 */
export function switchbackPlan(o: {
  readonly pairs: number;
  readonly intervalMs: number;
  readonly washoutMs: number;
  readonly seed: number;
}): SwitchbackPlan {
  const bad = (field: string, why: string): PermanentError =>
    new PermanentError('SWITCHBACK_PLAN_INVALID', `switchback plan: ${field} ${why}`, {
      field,
      value: o[field as keyof typeof o],
    });
  if (!Number.isInteger(o.pairs) || o.pairs < 1 || o.pairs > MAX_PAIRS)
    throw bad('pairs', `must be an integer 1..${MAX_PAIRS}`);
  if (!Number.isSafeInteger(o.intervalMs) || o.intervalMs <= 0)
    throw bad('intervalMs', 'must be a positive integer (ms)');
  if (!Number.isSafeInteger(o.washoutMs) || o.washoutMs < 0 || o.washoutMs >= o.intervalMs)
    throw bad('washoutMs', 'must be an integer in [0, intervalMs) (ms)');
  if (!Number.isSafeInteger(o.seed)) throw bad('seed', 'must be a safe integer');
  if (!Number.isSafeInteger(2 * o.pairs * o.intervalMs)) throw bad('intervalMs', 'makes the plan too long');

  const intervals: SwitchbackInterval[] = [];
  for (let p = 0; p < o.pairs; p++) {
    const challengerFirst = (createStream(o.seed, p).nextUint32() & 1) === 1;
    const arms: readonly Arm[] = challengerFirst ? ['challenger', 'champion'] : ['champion', 'challenger'];
    arms.forEach((arm, k) => {
      const index = 2 * p + k;
      intervals.push({
        index,
        arm,
        startOffsetMs: index * o.intervalMs,
        washoutMs: o.washoutMs,
        endOffsetMs: (index + 1) * o.intervalMs,
      });
    });
  }
  return { intervals };
}

/**
 * The measured part of an interval in absolute time: [start + washout, end], epoch ms.
 * @param startMs the experiment's start, epoch ms.
 */
export function measurementWindow(
  interval: SwitchbackInterval,
  startMs: number,
): { fromMs: number; toMs: number } {
  return {
    fromMs: startMs + interval.startOffsetMs + interval.washoutMs,
    toMs: startMs + interval.endOffsetMs,
  };
}

/**
 * Per-pair series for the paired tests: pair p contributes (challenger value, champion value) when both
 * of its intervals have a value; a pair with a missing side (interval metrics undefined: no sample, an
 * engine restart) is dropped whole, so the two series stay aligned.
 * @param values one value (or undefined) per interval, indexed by `interval.index`.
 * @returns the aligned series (same length) and the indices of the dropped pairs.
 * @throws PermanentError SWITCHBACK_SERIES_MISMATCH when `values` does not have one entry per interval.
 */
export function pairedSeries(
  plan: SwitchbackPlan,
  values: readonly (number | undefined)[],
): { challenger: number[]; champion: number[]; droppedPairs: number[] } {
  if (values.length !== plan.intervals.length)
    throw new PermanentError(
      'SWITCHBACK_SERIES_MISMATCH',
      `switchback: ${values.length} values for ${plan.intervals.length} intervals`,
    );
  const challenger: number[] = [];
  const champion: number[] = [];
  const droppedPairs: number[] = [];
  for (let p = 0; 2 * p + 1 < plan.intervals.length; p++) {
    const byArm = new Map<Arm, number | undefined>();
    for (const k of [2 * p, 2 * p + 1]) {
      const interval = plan.intervals[k];
      if (interval !== undefined) byArm.set(interval.arm, values[interval.index]);
    }
    const c = byArm.get('challenger');
    const h = byArm.get('champion');
    if (c === undefined || h === undefined) droppedPairs.push(p);
    else {
      challenger.push(c);
      champion.push(h);
    }
  }
  return { challenger, champion, droppedPairs };
}
