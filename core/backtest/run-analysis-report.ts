/**
 * The trade-quality analysis of a replay (core/metrics/run-analysis.ts `RunAnalysis`): the engine's
 * mark-out curve and attribution (core/metrics/trade-quality.ts), the replay's 1-s samples as series,
 * and the recorded fills with their 1-s mark-out. Pure: reads the replay, changes nothing.
 */
import { lotsToSize, ticksToPrice, type Instrument } from '../instrument.ts';
import { tradeQualityOf } from '../metrics/trade-quality.ts';
import type { ReportFill, RunAnalysis, RunSeries } from '../metrics/run-analysis.ts';
import type { ReplaySession } from './replay.ts';

/**
 * @param replay the replay, once its events are consumed.
 * @param instrument converts ticks and lots to quote currency and base units.
 * @returns the analysis; `fills` is empty when the replay did not record fills.
 */
export function replayAnalysis(replay: ReplaySession, instrument: Instrument): RunAnalysis {
  const e = replay.engine;
  const tracker = e.markoutCurve;
  const { markouts, attribution, fillKinds } = tradeQualityOf(tracker, e.feesQuote);
  return {
    markouts,
    attribution,
    fillKinds,
    series: seriesOf(replay, instrument),
    fills: reportFills(replay, instrument),
  };
}

function seriesOf(replay: ReplaySession, instrument: Instrument): RunSeries {
  const s = replay.sampler;
  const startUs = s.startUs ?? 0;
  const equityQuote = s.equitySeries().slice();
  const stepUs = s.intervalUs;
  return {
    timeMs: equityQuote.map((_, k) => (startUs + k * stepUs) / 1000),
    equityQuote,
    inventory: s.inventorySeries().map((lots) => lotsToSize(instrument, lots)),
    mid: s.midSeries().map((m) => (m === undefined ? null : ticksToPrice(instrument, m))),
  };
}

function reportFills(replay: ReplaySession, instrument: Instrument): ReportFill[] {
  const fills = replay.engine.fills;
  const mids = replay.engine.markoutCurve.perFillMidTicks();
  return fills.map((f, i): ReportFill => {
    const mid = mids[i];
    const s = f.side === 'bid' ? 1 : -1;
    return {
      timeMs: f.timeUs / 1000,
      side: f.side,
      price: ticksToPrice(instrument, f.priceTicks),
      size: lotsToSize(instrument, f.sizeLots),
      // bp of the fill's own notional: 10⁴ · s·(mid − p)·q / (p·q); prices in ticks, so the tick cancels.
      markout1sBp: mid === undefined ? null : (1e4 * s * (mid - f.priceTicks)) / f.priceTicks,
      tradeThrough: f.tradeThrough ?? null,
    };
  });
}
