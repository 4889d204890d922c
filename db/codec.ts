/**
 * Zod codecs for values crossing the database boundary. Rows are parsed on the way out (never cast);
 * inputs are validated on the way in so a bad value fails with the field name before reaching SQL.
 *
 * node-postgres returns `bigint` and `numeric` columns as strings (no precision loss), `jsonb` as parsed
 * JSON and `timestamptz` as `Date`. Exact prices/sizes/money stay decimal strings end to end.
 */
import { z } from 'zod';
import { PermanentError } from '../core/errors.ts';

/** Plain or scientific decimal text PostgreSQL's NUMERIC input accepts exactly, e.g. `"0.01"`, `"-3"`, `"1e-7"`. */
const DECIMAL_PATTERN = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

/**
 * An exact decimal passed to a NUMERIC column, as a string (`"42000.10"`). Floats derived by
 * computation (fees, PnL) may be passed as `String(x)`, which yields this grammar for finite numbers.
 */
export const DecimalInput = z.string().regex(DECIMAL_PATTERN, 'must be a decimal string such as "42000.10"');

/** A NUMERIC column read back: PostgreSQL prints plain decimal text (`"42000.10"`). */
export const DecimalOutput = z.string().regex(/^-?\d+(?:\.\d+)?$/, 'expected NUMERIC decimal text');

/** A safe integer value (ms, µs, ticks, ids) going into a bigint column. */
export const SafeIntInput = z.number().int().refine(Number.isSafeInteger, 'must be a safe integer');

/** A bigint column read back (node-postgres returns int8 as text) as a safe integer. */
export const SafeIntOutput = z
  .union([z.string().regex(/^-?\d+$/, 'expected integer text'), z.number().int()])
  .transform((value, ctx) => {
    const n = Number(value);
    if (!Number.isSafeInteger(n)) {
      ctx.addIssue({ code: 'custom', message: `integer ${value} is outside the safe integer range` });
      return z.NEVER;
    }
    return n;
  });

/** A `timestamptz` read back, as Unix epoch milliseconds. */
export const EpochMsOutput = z.date().transform((d) => d.getTime());

/** A JSON object (jsonb column) with unknown values. */
export const JsonObject = z.record(z.string(), z.unknown());

/** A non-empty string. */
export const NonEmpty = z.string().min(1);

/** Unix epoch ms as a SQL expression converting parameter `$n` to timestamptz exactly (no float rounding). */
export function msToTimestamptz(param: string): string {
  return `(timestamptz 'epoch' + ${param}::bigint * interval '1 millisecond')`;
}

/**
 * Parses every row with `schema`, naming the table and the row index in the error.
 * @throws Error `<what> row <i>: <issues>` when a row does not match (a schema/migration mismatch).
 */
export function parseRows<T>(schema: z.ZodType<T>, rows: readonly unknown[], what: string): T[] {
  return rows.map((row, i) => {
    const result = schema.safeParse(row);
    if (!result.success) throw new Error(`${what} row ${i}: ${z.prettifyError(result.error)}`);
    return result.data;
  });
}

/**
 * Validates a caller-supplied value with `schema`, naming the input in the error.
 * @throws PermanentError `DB_INVALID_INPUT` (`invalid <what>: <issues>`) before any SQL runs.
 */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new PermanentError('DB_INVALID_INPUT', `invalid ${what}: ${z.prettifyError(result.error)}`, {
      what,
    });
  }
  return result.data;
}
