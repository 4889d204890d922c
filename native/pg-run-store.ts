/**
 * `RunStore` over PostgreSQL through db/repositories/engine-runs.ts. Converts the recorder's exact
 * domain rows (ticks, lots) to the repository's records (exact decimal strings via the instrument).
 *
 * `engine_runs` has no status column, so the end state is stored with the KPIs in the `kpis` jsonb:
 * the KPI fields exactly as `Kpis`, plus `runStatus` (`completed` | `aborted` | `failed`) and, for a
 * failed run, `runError` (a short message).
 */
import { formatPrice, formatSize, type Instrument } from '../core/instrument.ts';
import {
  finishEngineRun,
  insertFills,
  insertOrders,
  insertQuotes,
  startEngineRun,
  type FillRecord,
  type OrderRecord,
  type QuoteRecord,
} from '../db/repositories/engine-runs.ts';
import type { Queryable } from '../db/queryable.ts';
import type { FillRow, OrderRow, QuoteRow, RowBatch } from './run-recorder.ts';
import type { EngineRunEnd, EngineRunStart, RiskStore, RunStore } from './run-store.ts';
import {
  getKillSwitch,
  insertRiskEvents,
  killEngine,
  type KillSwitch,
  type LatchChange,
  type RiskEventRecord,
} from '../db/repositories/risk-state.ts';

/** Key of the run status inside `engine_runs.kpis`. */
export const RUN_STATUS_KEY = 'runStatus';
/** Key of the failure message inside `engine_runs.kpis`. */
export const RUN_ERROR_KEY = 'runError';

/** PostgreSQL-backed run store for one instrument. */
export class PgRunStore implements RunStore {
  constructor(
    private readonly db: Queryable,
    private readonly instrument: Instrument,
  ) {}

  async startRun(run: EngineRunStart): Promise<void> {
    await startEngineRun(this.db, {
      id: run.runId,
      mode: run.mode,
      modelVersionId: run.modelVersionId,
      ...(run.session === undefined ? {} : { session: run.session }),
      venue: run.venue,
      symbol: run.symbol,
      startedAtMs: run.startedAtMs,
    });
  }

  async writeRows(runId: string, batch: RowBatch): Promise<void> {
    if (batch.quotes.length > 0)
      await insertQuotes(
        this.db,
        runId,
        batch.quotes.map((q) => this.quote(q)),
      );
    if (batch.orders.length > 0)
      await insertOrders(
        this.db,
        runId,
        batch.orders.map((o) => this.order(o)),
      );
    if (batch.fills.length > 0)
      await insertFills(
        this.db,
        runId,
        batch.fills.map((f) => this.fill(f)),
      );
  }

  async finishRun(runId: string, end: EngineRunEnd): Promise<void> {
    const kpis: Record<string, unknown> = { ...end.kpis, [RUN_STATUS_KEY]: end.status };
    if (end.error !== undefined) kpis[RUN_ERROR_KEY] = end.error;
    await finishEngineRun(this.db, runId, { endedAtMs: end.endedAtMs, kpis });
  }

  private quote(q: QuoteRow): QuoteRecord {
    const leg = {
      priceTicks: q.priceTicks,
      price: formatPrice(this.instrument, q.priceTicks),
      size: formatSize(this.instrument, q.sizeLots),
    };
    return {
      seq: q.seq,
      decidedAtUs: q.decidedAtUs,
      ...(q.side === 'bid' ? { bid: leg } : { ask: leg }),
      bidReason: q.bidReason,
      askReason: q.askReason,
      ...(q.midTicks === undefined ? {} : { midTicks: q.midTicks }),
    };
  }

  private order(o: OrderRow): OrderRecord {
    return {
      clientOrderId: o.clientOrderId,
      side: o.side,
      price: formatPrice(this.instrument, o.priceTicks),
      size: formatSize(this.instrument, o.sizeLots),
      status: o.status,
      placedAtUs: o.placedAtUs,
      ...(o.doneAtUs === undefined ? {} : { doneAtUs: o.doneAtUs }),
    };
  }

  private fill(f: FillRow): FillRecord {
    return {
      seq: f.seq,
      clientOrderId: f.clientOrderId,
      side: f.side,
      price: formatPrice(this.instrument, f.priceTicks),
      size: formatSize(this.instrument, f.sizeLots),
      feeQuote: String(f.feeQuote),
      liquidity: f.liquidity,
      timeUs: f.timeUs,
    };
  }
}

/** PostgreSQL-backed risk store (db/repositories/risk-state.ts). */
export class PgRiskStore implements RiskStore {
  constructor(private readonly db: Queryable) {}

  readKillSwitch(engineId: string): Promise<KillSwitch | undefined> {
    return getKillSwitch(this.db, engineId);
  }

  async kill(change: LatchChange): Promise<void> {
    await killEngine(this.db, change);
  }

  async recordRiskEvents(runId: string, engineId: string, events: readonly RiskEventRecord[]): Promise<void> {
    await insertRiskEvents(this.db, runId, engineId, events);
  }
}
