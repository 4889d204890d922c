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
  pnlTStat: maybe,
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
  tradedNotionalQuote: value,
  grossBp: maybe,
  netBp: maybe,
  feesBp: maybe,
  markout100msBp: maybe,
  markout1sBp: maybe,
  markout5sBp: maybe,
  markout30sBp: maybe,
  markout1sMicropriceBp: maybe,
  spreadBp: maybe,
  adverse0To1sBp: maybe,
  adverse1To30sBp: maybe,
  inventoryBp: maybe,
  queueFills: value,
  tradeThroughFills: value,
});

/** The KPIs added with the trade-quality metrics (issue 15); absent from KPI objects stored before. */
const TRADE_QUALITY_KEYS = {
  pnlTStat: true,
  tradedNotionalQuote: true,
  grossBp: true,
  netBp: true,
  feesBp: true,
  markout100msBp: true,
  markout1sBp: true,
  markout5sBp: true,
  markout30sBp: true,
  markout1sMicropriceBp: true,
  spreadBp: true,
  adverse0To1sBp: true,
  adverse1To30sBp: true,
  inventoryBp: true,
  queueFills: true,
  tradeThroughFills: true,
} as const;

/**
 * {@link KpisSchema} for KPI objects read back from storage: the trade-quality KPIs are optional (absent =
 * written before they existed, not measured then); every other KPI as in `Kpis`.
 */
export const StoredKpisSchema = KpisSchema.partial(TRADE_QUALITY_KEYS);

// Both directions: the schema yields exactly the fields of Kpis.
const _toKpis: (k: z.output<typeof KpisSchema>) => Kpis = (k) => k;
const _fromKpis: (k: Kpis) => z.output<typeof KpisSchema> = (k) => k;
void _toKpis;
void _fromKpis;
