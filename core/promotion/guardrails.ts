/**
 * Guardrails of an A/B test or a canary step: limits on an interval's metrics (interval-metrics.ts)
 * whose breach, sustained (breach-window.ts), stops the challenger.
 *
 * Limits are declared at full capital and scaled by the capital fraction f the slot really deploys:
 * drawdown, RMS inventory and mark-out per fill grow with order size, which is ∝ f; the reject rate is
 * a ratio and is not scaled. Pass the EFFECTIVE fraction (`scaleForCapital(...).effectiveFraction`,
 * core/quoting/capital.ts): at small f the one-lot floor makes the real size larger than f, and
 * scaling by the nominal f would flag a healthy slot. A metric that is undefined (no quote placed, no
 * fill settled) breaches nothing here; a slot with no measurable interval at all (its engine dead or not
 * sampling) is the caller's {@link NO_DATA} breach ({@link noDataBreach}), so that a silent challenger
 * cannot pass a canary.
 *
 * Pure: imports only zod and types, so workflow code may use it.
 */
import { z } from 'zod';
import { PermanentError } from '../errors.ts';
import type { IntervalMetrics } from './interval-metrics.ts';

const positive = z.number().positive().finite();

/** Zod schema of {@link Guardrails} (strict). Every limit is optional: absent, not checked. */
export const GuardrailsSchema = z
  .object({
    /** Largest fall of net PnL from its peak within the interval, quote currency at full capital. */
    maxDrawdownQuote: positive.optional(),
    /** Largest RMS inventory over the interval, lots at full capital. */
    maxRmsInventoryLots: positive.optional(),
    /** Largest rejects / quotes placed, 0..1 (not scaled). */
    maxRejectRate: z.number().positive().max(1).optional(),
    /** Smallest 1-s mark-out per fill, quote currency per fill at full capital (usually negative). */
    minMarkoutPerFillQuote: z.number().finite().optional(),
  })
  .strict();

/** Parsed guardrails; units in {@link GuardrailsSchema}. */
export type Guardrails = z.output<typeof GuardrailsSchema>;
export type GuardrailName = keyof Guardrails;

/** Name of the breach "the slot had no measurable interval" (no sample of its engine). */
export const NO_DATA = 'noData';

/** What a {@link Breach} names: a guardrail, or {@link NO_DATA}. */
export type BreachName = GuardrailName | typeof NO_DATA;

/** One breached guardrail: the interval's value and the (scaled) limit it crossed. */
export interface Breach {
  readonly guardrail: BreachName;
  readonly value: number;
  readonly limit: number;
}

/** The metrics a guardrail check reads. */
export type GuardedMetrics = Pick<
  IntervalMetrics,
  'maxDrawdownQuote' | 'rmsInventoryLots' | 'rejectRate' | 'markoutPerFillQuote'
>;

/**
 * Parses guardrails from YAML/JSON input.
 * @throws PermanentError GUARDRAILS_INVALID naming `where` and each bad field.
 */
export function parseGuardrails(input: unknown, where: string): Guardrails {
  const r = GuardrailsSchema.safeParse(input);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
  throw new PermanentError('GUARDRAILS_INVALID', `${where}: invalid guardrails: ${issues.join('; ')}`, {
    where,
    issues,
  });
}

/**
 * The breach of a check that measured nothing (the slot's interval metrics are null: no sample of its
 * engine within the interval): value 0 samples against a limit of 1 sample.
 */
export function noDataBreach(): Breach {
  return { guardrail: NO_DATA, value: 0, limit: 1 };
}

/**
 * Checks an interval's metrics against the limits, scaled by `capitalFraction` (default 1).
 * Breach: value > limit for a max, value < limit for a min (the limit itself passes).
 * @returns the breaches in the order maxDrawdownQuote, maxRmsInventoryLots, maxRejectRate,
 *   minMarkoutPerFillQuote; empty when none.
 * @throws PermanentError GUARDRAIL_CAPITAL_INVALID when capitalFraction is not in (0, 1].
 */
export function checkGuardrails(m: GuardedMetrics, g: Guardrails, capitalFraction = 1): Breach[] {
  if (!(capitalFraction > 0 && capitalFraction <= 1))
    throw new PermanentError(
      'GUARDRAIL_CAPITAL_INVALID',
      `checkGuardrails: capital fraction ${capitalFraction} not in (0, 1]`,
    );
  const f = capitalFraction;
  const breaches: Breach[] = [];
  const above = (guardrail: GuardrailName, value: number | undefined, limit: number | undefined): void => {
    if (value !== undefined && limit !== undefined && value > limit)
      breaches.push({ guardrail, value, limit });
  };
  above('maxDrawdownQuote', m.maxDrawdownQuote, scaled(g.maxDrawdownQuote, f));
  above('maxRmsInventoryLots', m.rmsInventoryLots, scaled(g.maxRmsInventoryLots, f));
  above('maxRejectRate', m.rejectRate, g.maxRejectRate);
  const minMarkout = scaled(g.minMarkoutPerFillQuote, f);
  if (m.markoutPerFillQuote !== undefined && minMarkout !== undefined && m.markoutPerFillQuote < minMarkout)
    breaches.push({ guardrail: 'minMarkoutPerFillQuote', value: m.markoutPerFillQuote, limit: minMarkout });
  return breaches;
}

function scaled(limit: number | undefined, f: number): number | undefined {
  return limit === undefined ? undefined : limit * f;
}
