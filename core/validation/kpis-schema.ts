/**
 * A zod schema of the KPI set (core/metrics/kpis.ts), for KPIs crossing a boundary as JSON: a study's
 * carried state, `study_trials.fold_kpis` rows read back by the CLI. Strict: a KPI added to `Kpis`
 * must be added here (the type check below fails otherwise).
 */
import { z } from 'zod';
import type { Kpis } from '../metrics/kpis.ts';

const value = z.number();
const maybe = z.number().nullable();

/** Parses a JSON object into {@link Kpis}; `null` = undefined for the run, as in `Kpis`. */
export const KpisSchema = z.strictObject({
  netPnlQuote: value,
  feesQuote: value,
  sharpe: maybe,
  maxDrawdownQuote: value,
  rmsInventoryRatio: maybe,
  spreadCapturedPct: maybe,
  spreadCapturedAtFillPct: maybe,
  fillRatio: maybe,
  cancelRatio: maybe,
  quotes: value,
  fills: value,
  cancels: value,
  events: value,
  finalInventoryLots: value,
  maxAbsInventoryLots: value,
});

// Both directions: the schema yields exactly the fields of Kpis.
const _toKpis: (k: z.output<typeof KpisSchema>) => Kpis = (k) => k;
const _fromKpis: (k: Kpis) => z.output<typeof KpisSchema> = (k) => k;
void _toKpis;
void _fromKpis;
