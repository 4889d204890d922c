/**
 * Prometheus metrics of the quoting engine (prom-client). Each engine run gets its own `Registry`
 * (never the global default), so two runs in one process (tests) do not collide.
 *
 * The hot path only increments counters and sets gauges; nothing here formats strings per event.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { RISK_STATES, type RiskState } from '../core/risk/risk-state.ts';

/** The engine's metric handles plus the registry that serves them on `/metrics`. */
export interface EngineMetrics {
  readonly registry: Registry;
  /** Market events processed (all kinds). */
  readonly events: Counter;
  /** Quotes placed (place requests sent; the `quotes` KPI). */
  readonly quotes: Counter;
  /** Fills of our orders. */
  readonly fills: Counter;
  /** Cancel requests sent. */
  readonly cancels: Counter;
  /** Book resynchronisations requested (gap or crossed book). */
  readonly resyncs: Counter;
  /** Signed inventory, lots (positive = long). */
  readonly inventoryLots: Gauge;
  /** Net PnL marked to mid, in quote currency, after fees. */
  readonly netPnlQuote: Gauge;
  /** Working orders on the venue. */
  readonly workingOrders: Gauge;
  /** 1 while the order book is synced, else 0. */
  readonly bookSynced: Gauge;
  /** Wall time from taking an event to having submitted its order actions, µs. */
  readonly tickToQuoteUs: Histogram;
  /** Risk gate state: 1 on the current `state` label, 0 on the others (docs/adr/0011-risk-layer.md). */
  readonly riskState: Gauge<'state'>;
  /** Risk gate transitions, by from/to state and reason. */
  readonly riskTransitions: Counter<'from' | 'to' | 'reason'>;
  /** send→ACK latency of accepted places (venue accept time − our send time), µs. */
  readonly ackLatencyUs: Histogram;
  /** 1 while the run store (PostgreSQL) is failing transiently, else 0 (docs/adr/0018-engine-store-outage.md). */
  readonly storeOutage: Gauge;
  /** Row writes retried after a transient store failure. */
  readonly storeRetries: Counter;
  /** Rows recorded but not yet in the store. */
  readonly storeBufferedRows: Gauge;
}

/**
 * Creates a fresh registry with the engine's metrics, all prefixed `mmflow_engine_`.
 * @param labels constant labels on every series, e.g. `{ mode: 'replay', symbol: 'BTCUSDT' }`.
 */
export function createEngineMetrics(labels: Readonly<Record<string, string>>): EngineMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ ...labels });
  const registers = [registry];
  const counter = (name: string, help: string) =>
    new Counter({ name: `mmflow_engine_${name}`, help, registers });
  const gauge = (name: string, help: string) => new Gauge({ name: `mmflow_engine_${name}`, help, registers });
  return {
    registry,
    events: counter('events_total', 'Market events processed.'),
    quotes: counter('quotes_total', 'Quotes placed (place requests sent).'),
    fills: counter('fills_total', 'Fills of our orders.'),
    cancels: counter('cancels_total', 'Cancels submitted.'),
    resyncs: counter('resyncs_total', 'Order-book resynchronisations requested.'),
    inventoryLots: gauge('inventory_lots', 'Signed inventory in lots (positive = long).'),
    netPnlQuote: gauge('net_pnl_quote', 'Net PnL marked to mid, quote currency, after fees.'),
    workingOrders: gauge('working_orders', 'Working orders on the venue.'),
    bookSynced: gauge('book_synced', '1 while the order book is synced, else 0.'),
    tickToQuoteUs: new Histogram({
      name: 'mmflow_engine_tick_to_quote_us',
      help: 'Wall time from taking a market event to having submitted its order actions, microseconds.',
      // 1 µs .. ~65 ms, powers of 2: the in-process path is µs-scale, a slow DB flush shows in the tail.
      buckets: Array.from({ length: 17 }, (_, i) => 2 ** i),
      registers,
    }),
    riskState: new Gauge({
      name: 'mmflow_engine_risk_state',
      help: 'Risk gate state: 1 on the current state (active, reducing, halted), else 0.',
      labelNames: ['state'],
      registers,
    }),
    riskTransitions: new Counter({
      name: 'mmflow_engine_risk_transitions_total',
      help: 'Risk gate transitions by from state, to state and reason.',
      labelNames: ['from', 'to', 'reason'],
      registers,
    }),
    ackLatencyUs: new Histogram({
      name: 'mmflow_engine_ack_latency_us',
      help: 'send to ACK latency of accepted places, microseconds (seed 004: P99 guard at 200-300 ms).',
      // 1 ms .. ~1 s, powers of 2 around the 200-300 ms guard.
      buckets: Array.from({ length: 11 }, (_, i) => 1000 * 2 ** i),
      registers,
    }),
    storeOutage: gauge(
      'store_outage',
      '1 while the run store is failing transiently (rows buffered), else 0.',
    ),
    storeRetries: counter('store_retries_total', 'Row writes retried after a transient store failure.'),
    storeBufferedRows: gauge('store_buffered_rows', 'Rows recorded but not yet written to the store.'),
  };
}

/** Plain totals the engine keeps on its hot path; copied into the registry on scrape. */
export interface EngineTotals {
  readonly events: number;
  readonly quotes: number;
  readonly fills: number;
  readonly cancels: number;
  readonly resyncs: number;
  readonly inventoryLots: number;
  readonly netPnlQuote: number;
  readonly workingOrders: number;
  readonly bookSynced: boolean;
  readonly riskState: RiskState;
  /** The run store's state (absent: not tracked, the store gauges are left alone). */
  readonly store?: {
    readonly outage: boolean;
    /** Monotone. */
    readonly retries: number;
    readonly bufferedRows: number;
  };
}

/**
 * Copies monotone totals into prom-client counters by increments (counters cannot be set) and sets the
 * gauges. Call before each scrape and at the end of a run.
 */
export class EngineMetricsSync {
  private readonly metrics: EngineMetrics;
  private last = { events: 0, quotes: 0, fills: 0, cancels: 0, resyncs: 0 };
  private storeRetries = 0;

  constructor(metrics: EngineMetrics) {
    this.metrics = metrics;
  }

  /** @param totals current totals; counter totals must not decrease (a decrease is ignored). */
  sync(totals: EngineTotals): void {
    const m = this.metrics;
    const inc = (counter: EngineMetrics['events'], now: number, before: number): void => {
      if (now > before) counter.inc(now - before);
    };
    inc(m.events, totals.events, this.last.events);
    inc(m.quotes, totals.quotes, this.last.quotes);
    inc(m.fills, totals.fills, this.last.fills);
    inc(m.cancels, totals.cancels, this.last.cancels);
    inc(m.resyncs, totals.resyncs, this.last.resyncs);
    this.last = {
      events: Math.max(totals.events, this.last.events),
      quotes: Math.max(totals.quotes, this.last.quotes),
      fills: Math.max(totals.fills, this.last.fills),
      cancels: Math.max(totals.cancels, this.last.cancels),
      resyncs: Math.max(totals.resyncs, this.last.resyncs),
    };
    m.inventoryLots.set(totals.inventoryLots);
    m.netPnlQuote.set(totals.netPnlQuote);
    m.workingOrders.set(totals.workingOrders);
    m.bookSynced.set(totals.bookSynced ? 1 : 0);
    for (const state of RISK_STATES) m.riskState.set({ state }, state === totals.riskState ? 1 : 0);
    const store = totals.store;
    if (store !== undefined) {
      inc(m.storeRetries, store.retries, this.storeRetries);
      this.storeRetries = Math.max(store.retries, this.storeRetries);
      m.storeOutage.set(store.outage ? 1 : 0);
      m.storeBufferedRows.set(store.bufferedRows);
    }
  }
}
