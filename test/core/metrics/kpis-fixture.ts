/** The trade-quality and t-statistic KPIs of a run with no fill and no PnL series, for tests that build `Kpis` by hand. */
import type { Kpis } from '../../../core/metrics/kpis.ts';

export const NO_TRADE_QUALITY = {
  pnlTStat: null,
  tradedNotionalQuote: 0,
  grossBp: null,
  netBp: null,
  feesBp: null,
  markout100msBp: null,
  markout1sBp: null,
  markout5sBp: null,
  markout30sBp: null,
  markout1sMicropriceBp: null,
  spreadBp: null,
  adverse0To1sBp: null,
  adverse1To30sBp: null,
  inventoryBp: null,
  queueFills: 0,
  tradeThroughFills: 0,
} as const satisfies Partial<Kpis>;
