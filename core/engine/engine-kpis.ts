/**
 * The KPI set of a running QuotingEngine (with its mark-out tracker) and its 1-s equity/inventory sampler: the one place that maps
 * engine state to `computeKpis`, shared by the backtest replay and the native live driver.
 */
import { ONE_SECOND_US, type EquitySampler } from '../metrics/equity.ts';
import { computeKpis, type Kpis } from '../metrics/kpis.ts';
import { tradeQualityOf } from '../metrics/trade-quality.ts';
import type { QuotingEngine } from './quoting-engine.ts';

/**
 * @param engine the engine whose counters, PnL and inventory are reported.
 * @param sampler the equity/inventory samples taken every second of market time.
 * @param maxInventoryLots q_max of the model, lots (the RMS inventory ratio's denominator).
 * @param events the `events` KPI; default the engine's event counter (a windowed replay passes the
 *   events inside its window).
 */
export function engineKpis(
  engine: QuotingEngine,
  sampler: EquitySampler,
  maxInventoryLots: number,
  events: number = engine.counters.events,
): Kpis {
  const c = engine.counters;
  return computeKpis({
    netPnlQuote: engine.netPnlQuote(),
    feesQuote: engine.feesQuote,
    equitySamples: sampler.equitySeries(),
    inventorySamples: sampler.inventorySeries(),
    sampleIntervalSec: sampler.intervalUs / ONE_SECOND_US,
    maxInventoryLots,
    spreadCapturedPct: engine.spreadCapture.spreadCapturedPct(),
    spreadCapturedAtFillPct: engine.spreadCapture.spreadCapturedAtFillPct(),
    quotes: c.quotesPlaced,
    fills: c.fills,
    cancels: c.cancelsConfirmed,
    events,
    finalInventoryLots: engine.inventoryLots,
    maxAbsInventoryLots: engine.maxAbsInventoryLots,
    tradeQuality: tradeQualityOf(engine.markoutCurve, engine.feesQuote),
  });
}
