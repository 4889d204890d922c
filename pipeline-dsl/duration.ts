/**
 * Durations in pipeline files: a string of one or more `<integer><unit>` parts with units ms, s, m, h,
 * d (`30s`, `10m`, `1h30m`, `1d`), or an integer number of milliseconds. Compiled to integer ms.
 */
import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(?:[0-9]+(?:ms|s|m|h|d))+$/;
const PART = /([0-9]+)(ms|s|m|h|d)/g;

export type DurationResult =
  { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly message: string };

/**
 * Parses a duration.
 * @param value `30s`, `1h30m`, … or a non-negative integer (ms)
 * @returns the duration in ms, or a message saying what is wrong (never throws)
 */
export function parseDuration(value: unknown): DurationResult {
  const hint =
    'expected a duration such as 30s, 10m, 1h, 1d (units ms, s, m, h, d) or an integer number of ms';
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0
      ? { ok: true, ms: value }
      : { ok: false, message: `invalid duration ${value}: ${hint}` };
  }
  if (typeof value !== 'string') return { ok: false, message: `invalid duration: ${hint}` };
  const text = value.trim();
  if (!DURATION.test(text)) return { ok: false, message: `invalid duration "${value}": ${hint}` };
  let ms = 0;
  for (const [, amount, unit] of text.matchAll(PART)) if (isUnit(unit)) ms += Number(amount) * UNIT_MS[unit];
  if (!Number.isSafeInteger(ms)) return { ok: false, message: `duration "${value}" is too long` };
  return { ok: true, ms };
}

function isUnit(unit: string | undefined): unit is keyof typeof UNIT_MS {
  return unit !== undefined && Object.hasOwn(UNIT_MS, unit);
}

/**
 * A zod field holding a duration, output in ms.
 * @param opts.minMs smallest allowed value (inclusive), with `minReason` explaining it
 * @param opts.missing message when the field is absent (absent → undefined when not given)
 */
export function durationField(opts: {
  minMs?: number;
  minReason?: string;
  missing: string;
}): z.ZodType<number, unknown>;
export function durationField(opts?: {
  minMs?: number;
  minReason?: string;
}): z.ZodType<number | undefined, unknown>;
export function durationField(
  opts: { minMs?: number; minReason?: string; missing?: string } = {},
): z.ZodType<number | undefined, unknown> {
  const { missing } = opts;
  const field = z.unknown().transform((value, ctx) => {
    if (value === undefined) {
      ctx.addIssue({ code: 'custom', message: missing ?? 'expected a duration' });
      return z.NEVER;
    }
    const parsed = parseDuration(value);
    if (!parsed.ok) {
      ctx.addIssue({ code: 'custom', message: parsed.message });
      return z.NEVER;
    }
    if (opts.minMs !== undefined && parsed.ms < opts.minMs) {
      ctx.addIssue({ code: 'custom', message: opts.minReason ?? `must be at least ${opts.minMs} ms` });
      return z.NEVER;
    }
    return parsed.ms;
  });
  // zod reports an absent key as "nonoptional" unless the field is wrapped in .optional().
  return missing === undefined ? field.optional() : field;
}
