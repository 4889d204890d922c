/**
 * Grid search, after Optuna's GridSampler: every combination of the listed values is tried once, in
 * an order shuffled by the seed. Differences, chosen for durable studies:
 *
 * - The order is one fixed permutation of the grid (seeded), and trial n takes the first point no
 *   other trial (running, finished or failed — Optuna also never retries a failed point) holds, so
 *   the suggestion depends only on (seed, space, grid, trials).
 * - Conditional params only branch where active, so no two points differ only in an inactive param.
 * - When every point is taken, `sample` throws `SearchExhaustedError` and `isExhausted` is true:
 *   the caller stops (Optuna calls `study.stop()`); it never silently repeats a point.
 *
 * Values per param: `grid[name]` when given (each must be a possible value of the param), else the
 * categorical choices or every step of an int / stepped float; a continuous float needs explicit values.
 */

import { SearchConfigError, SearchExhaustedError } from './errors.ts';
import { createStream } from '../random/xoshiro.ts';
import {
  isActive,
  isValidValue,
  stepOf,
  type ParamSpec,
  type ParamValue,
  type SearchSpace,
  type TrialParams,
} from './space.ts';
import type { Direction, TrialRecord } from './trial.ts';

/** Stream key of the grid permutation ("grid" in ASCII), distinct from any trial number's stream. */
const GRID_STREAM = -0x67726964;
/** Refuse grids larger than this many points (a typo in a step would otherwise hang the workflow). */
export const MAX_GRID_POINTS = 1_000_000;

/** Grid sampler; see the module doc. */
export class GridSampler {
  private readonly cache = new WeakMap<
    SearchSpace,
    { readonly points: readonly TrialParams[]; readonly names: readonly string[] }
  >();

  /**
   * @param seed safe-integer seed of the permutation.
   * @param grid optional explicit values per param name.
   */
  constructor(
    private readonly seed: number,
    private readonly grid: Readonly<Record<string, readonly ParamValue[]>> = {},
  ) {}

  /**
   * The first grid point (in seeded order) no other trial holds.
   * @throws SearchExhaustedError when every point is taken.
   * @throws SearchConfigError when the grid does not fit the space.
   */
  sample(
    space: SearchSpace,
    trials: readonly TrialRecord[],
    trialNumber: number,
    _direction: Direction,
  ): TrialParams {
    const { points, names } = this.pointsOf(space);
    const taken = takenKeys(names, trials, trialNumber);
    for (const p of points) if (!taken.has(pointKey(names, p))) return p;
    throw new SearchExhaustedError(
      'SEARCH_EXHAUSTED',
      `grid exhausted: all ${points.length} points are taken (trial ${trialNumber} cannot be asked)`,
      {
        points: points.length,
        trialNumber,
      },
    );
  }

  /** Whether every grid point is held by some trial (then `sample` throws). */
  isExhausted(space: SearchSpace, trials: readonly TrialRecord[]): boolean {
    const { points, names } = this.pointsOf(space);
    const taken = takenKeys(names, trials, Number.NaN);
    return points.every((p) => taken.has(pointKey(names, p)));
  }

  /** All grid points of `space` in the seeded order. @throws SearchConfigError when the grid does not fit. */
  points(space: SearchSpace): readonly TrialParams[] {
    return this.pointsOf(space).points;
  }

  private pointsOf(space: SearchSpace): {
    readonly points: readonly TrialParams[];
    readonly names: readonly string[];
  } {
    const cached = this.cache.get(space);
    if (cached !== undefined) return cached;
    const names = Object.keys(space);
    const points = createStream(this.seed, GRID_STREAM).shuffle([...enumerateGrid(space, this.grid)]);
    const built = { points, names };
    this.cache.set(space, built);
    return built;
  }
}

/**
 * Every distinct point of the grid in declaration order (unshuffled): params branch over their
 * values only where active.
 * @throws SearchConfigError on an unknown grid key, a value the param cannot take, a continuous float
 *   without explicit values, or more than MAX_GRID_POINTS points.
 */
export function enumerateGrid(
  space: SearchSpace,
  grid: Readonly<Record<string, readonly ParamValue[]>> = {},
): TrialParams[] {
  const problems: string[] = [];
  for (const name of Object.keys(grid))
    if (space[name] === undefined) problems.push(`grid.${name}: not a param of the search space`);
  const values = new Map<string, readonly ParamValue[]>();
  for (const [name, spec] of Object.entries(space)) {
    const listed = grid[name] ?? defaultValues(spec);
    if (listed === undefined) problems.push(`grid.${name}: a continuous float needs explicit grid values`);
    else if (listed.length === 0) problems.push(`grid.${name}: must list at least one value`);
    else {
      listed.forEach((v, i) => {
        if (!isValidValue(spec, v))
          problems.push(`grid.${name}.${i}: ${JSON.stringify(v)} is not a possible value`);
      });
      values.set(name, [...new Set(listed)]);
    }
  }
  if (problems.length > 0) throw new SearchConfigError('grid sampler', problems);
  const entries = Object.entries(space);
  const out: TrialParams[] = [];
  const walk = (i: number, prefix: Record<string, ParamValue>): void => {
    if (out.length > MAX_GRID_POINTS)
      throw new SearchConfigError('grid sampler', [`grid: more than ${MAX_GRID_POINTS} points`]);
    const entry = entries[i];
    if (entry === undefined) {
      out.push({ ...prefix });
      return;
    }
    const [name, spec] = entry;
    if (!isActive(spec, prefix)) return walk(i + 1, prefix);
    for (const v of values.get(name) ?? []) walk(i + 1, { ...prefix, [name]: v });
  };
  walk(0, {});
  return out;
}

function defaultValues(spec: ParamSpec): readonly ParamValue[] | undefined {
  if (spec.type === 'categorical') return spec.choices;
  const step = stepOf(spec);
  if (step === undefined) return undefined;
  const count = Math.round((spec.high - spec.low) / step) + 1;
  if (count > MAX_GRID_POINTS)
    throw new SearchConfigError('grid sampler', [`grid: a param has more than ${MAX_GRID_POINTS} steps`]);
  const out: number[] = [];
  for (let k = 0; k < count; k++) {
    const v = spec.low + k * step;
    out.push(spec.type === 'int' ? Math.round(v) : Number.parseFloat(v.toPrecision(15)));
  }
  return out;
}

function takenKeys(
  names: readonly string[],
  trials: readonly TrialRecord[],
  trialNumber: number,
): Set<string> {
  const taken = new Set<string>();
  for (const t of trials) if (t.number !== trialNumber) taken.add(pointKey(names, t.params));
  return taken;
}

function pointKey(names: readonly string[], params: TrialParams): string {
  return JSON.stringify(names.filter((n) => params[n] !== undefined).map((n) => [n, params[n]]));
}
