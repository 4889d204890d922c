/**
 * Search spaces of the hyperparameter search: what each parameter may take, parsed at the boundary
 * (pipeline YAML, DB rows) with zod, plus the value transforms every sampler shares.
 *
 * Distributions follow Optuna's (FloatDistribution, IntDistribution, CategoricalDistribution,
 * optuna/distributions.py): `log` samples uniformly in ln-space, `step` discretises to
 * `low + k·step`. Unlike Optuna, a `high` that is not on the step grid is rejected rather than
 * silently lowered, so the YAML says exactly what is searched.
 *
 * Conditional parameters: `when: { param, in }` makes a parameter active only when an EARLIER
 * parameter (declaration order = object key order = sampling order) took one of the listed values;
 * inactive parameters are absent from a trial's params.
 */

import { z } from 'zod';
import { SearchSpaceError, formatIssues } from './errors.ts';

/** A parameter value: number for float/int params, any of the three for categorical choices. */
export type ParamValue = number | string | boolean;

/** One parameter's distribution (bounds inclusive; `log` needs `low > 0`; `step > 0`). */
export type Distribution =
  | {
      readonly type: 'float';
      readonly low: number;
      readonly high: number;
      readonly log?: boolean;
      readonly step?: number;
    }
  | {
      readonly type: 'int';
      readonly low: number;
      readonly high: number;
      readonly log?: boolean;
      readonly step?: number;
    }
  | { readonly type: 'categorical'; readonly choices: readonly ParamValue[] };

/** `when`: the param is active only if an EARLIER param (declaration order) takes one of `in`. */
export type ParamSpec = Distribution & {
  readonly when?: { readonly param: string; readonly in: readonly ParamValue[] };
};

/** Parameter name → spec; declaration order = sampling order. */
export type SearchSpace = Readonly<Record<string, ParamSpec>>;

/** Parameter name → value of one trial; inactive conditional params are absent. */
export type TrialParams = Readonly<Record<string, ParamValue>>;

/** A float or int parameter's spec. */
export type NumericSpec = Extract<ParamSpec, { readonly type: 'float' | 'int' }>;

/** A categorical parameter's spec. */
export type CategoricalSpec = Extract<ParamSpec, { readonly type: 'categorical' }>;

/**
 * Parameter names: an identifier, optionally dotted or dashed. Integer-like names are excluded
 * because JavaScript orders integer keys first, which would break declaration order.
 */
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Relative tolerance for "on the step grid" checks of float params. */
const GRID_TOLERANCE = 1e-9;

const paramValue = z.union([z.number().finite(), z.string(), z.boolean()]);

const whenSchema = z.strictObject({
  param: z.string(),
  in: z.array(paramValue).min(1, { error: 'must list at least one value' }).readonly(),
});

const floatSchema = z
  .strictObject({
    type: z.literal('float'),
    low: z.number().finite(),
    high: z.number().finite(),
    log: z.boolean().exactOptional(),
    step: z.number().finite().positive({ error: 'must be > 0' }).exactOptional(),
    when: whenSchema.exactOptional(),
  })
  .superRefine((d, ctx) => {
    checkBounds(d, ctx);
    if (d.log === true && d.step !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['step'], message: 'cannot be combined with log: true' });
    }
    if (d.step !== undefined && d.low < d.high && !isMultiple(d.high - d.low, d.step)) {
      ctx.addIssue({
        code: 'custom',
        path: ['step'],
        message: `high - low (${d.high - d.low}) must be a multiple of step (${d.step})`,
      });
    }
  });

const integer = z.number().int({ error: 'must be an integer' });

const intSchema = z
  .strictObject({
    type: z.literal('int'),
    low: integer,
    high: integer,
    log: z.boolean().exactOptional(),
    step: integer.positive({ error: 'must be > 0' }).exactOptional(),
    when: whenSchema.exactOptional(),
  })
  .superRefine((d, ctx) => {
    checkBounds(d, ctx);
    const step = d.step ?? 1;
    if (d.log === true && step !== 1) {
      ctx.addIssue({ code: 'custom', path: ['step'], message: `must be 1 when log is true (got ${step})` });
    }
    if (d.low < d.high && (d.high - d.low) % step !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['step'],
        message: `high - low (${d.high - d.low}) must be a multiple of step (${step})`,
      });
    }
  });

const categoricalSchema = z
  .strictObject({
    type: z.literal('categorical'),
    choices: z.array(paramValue).min(1, { error: 'must list at least one choice' }).readonly(),
    when: whenSchema.exactOptional(),
  })
  .superRefine((d, ctx) => {
    d.choices.forEach((c, i) => {
      if (d.choices.indexOf(c) !== i) {
        ctx.addIssue({
          code: 'custom',
          path: ['choices', i],
          message: `duplicate choice ${JSON.stringify(c)}`,
        });
      }
    });
  });

/** Schema of one parameter (discriminated by `type`). */
export const ParamSpecSchema = z.discriminatedUnion('type', [floatSchema, intSchema, categoricalSchema]);

/**
 * Schema of a whole search space: a non-empty map of parameter name → spec, strict (unknown keys
 * rejected), with `low < high`, `log` needing `low > 0`, `step > 0` dividing `high - low`, int
 * bounds integers, non-empty distinct choices, and each `when` naming an EARLIER param whose
 * possible values include every listed value.
 */
export const SearchSpaceSchema = z.record(z.string(), ParamSpecSchema).superRefine((space, ctx) => {
  const names = Object.keys(space);
  if (names.length === 0)
    ctx.addIssue({ code: 'custom', path: [], message: 'must declare at least one param' });
  names.forEach((name, index) => {
    if (!PARAM_NAME.test(name)) {
      ctx.addIssue({ code: 'custom', path: [name], message: `param name must match ${String(PARAM_NAME)}` });
    }
    const spec = space[name];
    const when = spec?.when;
    if (when === undefined) return;
    const at = names.indexOf(when.param);
    if (at === -1) {
      ctx.addIssue({
        code: 'custom',
        path: [name, 'when', 'param'],
        message: `refers to unknown param '${when.param}'`,
      });
      return;
    }
    if (at >= index) {
      ctx.addIssue({
        code: 'custom',
        path: [name, 'when', 'param'],
        message: `must refer to an earlier param ('${when.param}' is not declared before '${name}')`,
      });
      return;
    }
    const parent = space[when.param];
    if (parent === undefined) return;
    when.in.forEach((v, i) => {
      if (!isValidValue(parent, v)) {
        ctx.addIssue({
          code: 'custom',
          path: [name, 'when', 'in', i],
          message: `${JSON.stringify(v)} is not a possible value of '${when.param}'`,
        });
      }
    });
  });
});

/**
 * Parses unknown input (YAML/JSON) into a search space.
 * @param input raw value, e.g. the `search.space` mapping of a pipeline YAML.
 * @param where the source, included in the error (e.g. `pipelines/retrain-weekly.yaml: search.space`).
 * @returns the validated space (key order preserved = sampling order).
 * @throws SearchSpaceError listing every problem as `param.field: message`.
 */
export function parseSearchSpace(input: unknown, where: string): SearchSpace {
  const result = SearchSpaceSchema.safeParse(input);
  if (!result.success) throw new SearchSpaceError(where, formatIssues(result.error.issues));
  return result.data;
}

/**
 * Whether `spec` is active given the params already chosen for the trial (those of earlier params).
 * An unconditional param is always active.
 */
export function isActive(spec: ParamSpec, chosen: TrialParams): boolean {
  if (spec.when === undefined) return true;
  const parentValue = chosen[spec.when.param];
  return parentValue !== undefined && spec.when.in.includes(parentValue);
}

/**
 * Whether `value` is a possible value of `spec`: one of the choices (strict equality), or a finite
 * number in [low, high] on the step grid (ints: integer and `(v - low) % step == 0`; floats with
 * step: within 1e-9 relative of the grid).
 */
export function isValidValue(spec: Distribution, value: ParamValue): boolean {
  if (spec.type === 'categorical') return spec.choices.includes(value);
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (value < spec.low || value > spec.high) return false;
  if (spec.type === 'int') return Number.isInteger(value) && (value - spec.low) % (spec.step ?? 1) === 0;
  return spec.step === undefined || isMultiple(value - spec.low, spec.step);
}

/**
 * Index of `value` among a categorical spec's choices, or -1. This index is the "internal
 * representation" the Parzen estimators work with (Optuna's `to_internal_repr`).
 */
export function choiceIndex(spec: CategoricalSpec, value: ParamValue): number {
  return spec.choices.indexOf(value);
}

/**
 * The interval a numeric param is sampled from in transformed space, as Optuna's
 * `_SearchSpaceTransform` does: `[ln low, ln high]` for log floats, `[low − step/2, high + step/2]`
 * for stepped floats and ints (so each grid point gets an equal share), `[ln(low − ½), ln(high + ½)]`
 * for log ints.
 * @returns `[lo, hi]` in transformed units (ln-units when `log`).
 */
export function transformedBounds(spec: NumericSpec): readonly [number, number] {
  const step = stepOf(spec);
  if (spec.log === true) {
    const half = step === undefined ? 0 : step / 2;
    return [Math.log(spec.low - half), Math.log(spec.high + half)];
  }
  if (step === undefined) return [spec.low, spec.high];
  return [spec.low - step / 2, spec.high + step / 2];
}

/**
 * Maps a transformed-space value back to a valid param value: `exp` for log params, then rounding to
 * the step grid (ints always), clamped to [low, high].
 * @param t value in the units of `transformedBounds(spec)`.
 */
export function untransform(spec: NumericSpec, t: number): number {
  const v = spec.log === true ? Math.exp(t) : t;
  return alignToGrid(spec, v);
}

/**
 * Rounds `v` to the nearest valid value of `spec` (grid point for ints and stepped floats), clamped
 * to [low, high]. Float grid points are cleaned to 15 significant digits so `0.1 + 2·0.1` reads 0.3.
 */
export function alignToGrid(spec: NumericSpec, v: number): number {
  const step = stepOf(spec);
  if (step === undefined) return Math.min(spec.high, Math.max(spec.low, v));
  const k = Math.round((v - spec.low) / step);
  const aligned = Math.min(spec.high, Math.max(spec.low, spec.low + k * step));
  return spec.type === 'int' ? Math.round(aligned) : Number.parseFloat(aligned.toPrecision(15));
}

/** The step of a numeric spec: ints default to 1; floats without step are continuous (undefined). */
export function stepOf(spec: NumericSpec): number | undefined {
  return spec.type === 'int' ? (spec.step ?? 1) : spec.step;
}

/**
 * Checks that `params` is a valid assignment for `space`: every active param present with a valid
 * value, no inactive or unknown param present.
 * @returns the problems, one per line (`param: message`); empty when valid.
 */
export function paramProblems(space: SearchSpace, params: TrialParams): string[] {
  const problems: string[] = [];
  for (const name of Object.keys(params)) {
    if (space[name] === undefined) problems.push(`${name}: not in the search space`);
  }
  for (const [name, spec] of Object.entries(space)) {
    const value = params[name];
    const active = isActive(spec, params);
    if (!active && value !== undefined) problems.push(`${name}: present but inactive`);
    else if (active && value === undefined) problems.push(`${name}: missing`);
    else if (value !== undefined && !isValidValue(spec, value)) {
      problems.push(`${name}: ${JSON.stringify(value)} is not a possible value`);
    }
  }
  return problems;
}

function checkBounds(
  d: { readonly low: number; readonly high: number; readonly log?: boolean },
  ctx: z.RefinementCtx,
): void {
  if (!(d.low < d.high)) {
    ctx.addIssue({ code: 'custom', path: ['high'], message: `must be > low (low ${d.low}, high ${d.high})` });
  }
  if (d.log === true && !(d.low > 0)) {
    ctx.addIssue({ code: 'custom', path: ['low'], message: `must be > 0 when log is true (got ${d.low})` });
  }
}

function isMultiple(span: number, step: number): boolean {
  const k = span / step;
  return Math.abs(k - Math.round(k)) <= GRID_TOLERANCE * Math.max(1, Math.abs(k));
}
