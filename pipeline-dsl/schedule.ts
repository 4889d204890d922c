/**
 * The optional `schedule:` of a pipeline: cron expressions (validated with cron-parser), an IANA time
 * zone (validated with Intl), Temporal Schedule policies, and the parameter values scheduled runs use.
 */
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { durationField } from './duration.ts';
import type { IssueCollector } from './issues.ts';
import { paramValueProblem } from './params.ts';
import type { Json, OverlapPolicy, ParamSpec, ScheduleSpec } from './plan-types.ts';
import { isJson } from './expr/json.ts';

const overlapPolicies = [
  'skip',
  'buffer-one',
  'buffer-all',
  'cancel-other',
  'terminate-other',
  'allow-all',
] as const satisfies readonly OverlapPolicy[];
/** Temporal's own default catch-up window (1 year), used when the file sets none. */
const DEFAULT_CATCHUP_WINDOW_MS = 365 * 86_400_000;
/** Temporal refuses catch-up windows under 10 s. */
const MIN_CATCHUP_WINDOW_MS = 10_000;
const MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

export const scheduleSchema = z.strictObject({
  cron: z.union([z.string(), z.array(z.string()).min(1)], {
    error: 'expected a cron expression or a list of them, e.g. "0 3 * * 1"',
  }),
  timezone: z.string().default('UTC'),
  overlap: z.enum(overlapPolicies).default('skip'),
  catchupWindow: durationField({
    minMs: MIN_CATCHUP_WINDOW_MS,
    minReason: 'the catch-up window must be at least 10s (Temporal minimum)',
  }),
  pauseOnFailure: z.boolean().default(false),
  jitter: durationField(),
  paused: z.boolean().default(false),
  params: z.record(z.string(), z.unknown()).default({}),
});

/**
 * Why a cron expression is not accepted, or undefined when it is: 5 fields (minute hour day-of-month
 * month day-of-week) or one of @yearly/@monthly/@weekly/@daily/@hourly; no `H` (random) fields.
 */
export function cronProblem(expression: string): string | undefined {
  const text = expression.trim();
  if (text.startsWith('@'))
    return MACROS.has(text) ? undefined : `unknown cron macro "${text}"; known: ${[...MACROS].join(', ')}`;
  const fields = text.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5)
    return `invalid cron "${expression}": expected 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`;
  if (fields.some((f) => f.split(',').some((part) => part.startsWith('H'))))
    return `invalid cron "${expression}": hashed (H) fields are not supported`;
  try {
    CronExpressionParser.parse(text, { tz: 'UTC' });
  } catch (err) {
    return `invalid cron "${expression}": ${err instanceof Error ? err.message : String(err)}`;
  }
  return undefined;
}

/** True when `zone` is an IANA time zone this runtime knows (e.g. `UTC`, `Europe/Paris`). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.trim() !== '';
  } catch {
    return false;
  }
}

/**
 * Compiles `schedule:`; reports every problem to `issues`.
 * @returns the schedule, or undefined when absent or invalid
 */
export function compileSchedule(
  raw: unknown,
  params: { readonly [name: string]: ParamSpec },
  issues: IssueCollector,
): ScheduleSpec | undefined {
  if (raw === undefined) return undefined;
  const parsed = scheduleSchema.safeParse(raw);
  if (!parsed.success) {
    issues.zod(parsed.error, ['schedule']);
    return undefined;
  }
  const s = parsed.data;
  const before = issues.issues.length;
  const cron = typeof s.cron === 'string' ? [s.cron] : s.cron;
  cron.forEach((expression, i) => {
    const problem = cronProblem(expression);
    if (problem !== undefined)
      issues.at(typeof s.cron === 'string' ? ['schedule', 'cron'] : ['schedule', 'cron', i], problem);
  });
  if (!isTimeZone(s.timezone))
    issues.at(
      ['schedule', 'timezone'],
      `unknown time zone "${s.timezone}"; expected an IANA name such as UTC or Europe/Paris`,
    );
  const values: { [name: string]: Json } = {};
  for (const [name, value] of Object.entries(s.params)) {
    const spec = Object.hasOwn(params, name) ? params[name] : undefined;
    if (spec === undefined) {
      issues.at(['schedule', 'params', name], `unknown param "${name}"${declaredList(params)}`, {
        atKey: true,
      });
      continue;
    }
    const problem = paramValueProblem(spec.type, value);
    if (problem !== undefined || !isJson(value))
      issues.at(['schedule', 'params', name], `param "${name}": ${problem ?? 'not JSON'}`);
    else values[name] = value;
  }
  for (const [name, spec] of Object.entries(params)) {
    if (spec.default === undefined && !Object.hasOwn(s.params, name))
      issues.at(
        ['schedule'],
        `scheduled runs need a value for required param "${name}" (schedule.params.${name})`,
        { atKey: true },
      );
  }
  if (issues.issues.length > before) return undefined;
  return {
    cron,
    timezone: s.timezone,
    overlap: s.overlap,
    catchupWindowMs: s.catchupWindow ?? DEFAULT_CATCHUP_WINDOW_MS,
    pauseOnFailure: s.pauseOnFailure,
    jitterMs: s.jitter ?? 0,
    paused: s.paused,
    params: values,
  };
}

/** `; declared: a, b` or `; no params are declared`. */
export function declaredList(params: { readonly [name: string]: unknown }): string {
  const names = Object.keys(params);
  return names.length === 0 ? '; no params are declared' : `; declared: ${names.join(', ')}`;
}
