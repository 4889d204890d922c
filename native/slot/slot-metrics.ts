/**
 * The cumulative sample an engine following a slot writes every second (deployment_metrics,
 * db/repositories/deployment-metrics.ts): counters since the engine run started, so the difference of
 * two samples of one run is an interval's figure (core/promotion/interval-metrics.ts).
 *
 * Sampling reads a few engine fields (no allocation beyond the row); rows are queued and inserted in
 * batches by the caller's write chain. A failed insert keeps its rows for the next attempt, at most
 * {@link MAX_QUEUED_SAMPLES} (the oldest dropped beyond, counted in `dropped`): the loop never waits for
 * the DB.
 *
 * Also the slot's Prometheus series on the engine run's registry (/metrics, native/metrics.ts).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { QuotingEngine } from '../../core/engine/quoting-engine.ts';
import type { Queryable } from '../../db/queryable.ts';
import { insertSamples, type SlotSample } from '../../db/repositories/deployment-metrics.ts';

/** Samples kept while the DB refuses them (10 minutes at one a second). */
export const MAX_QUEUED_SAMPLES = 600;

/** What the sample says about the slot's applied state. */
export interface AppliedForSample {
  readonly revision: number;
  readonly versionId: string;
  /** The fraction really deployed (quoteSizeLots'/quoteSizeLots; 0 while halted by f = 0), 0–1. */
  readonly capitalFraction: number;
}

/**
 * One cumulative sample of `engine` at wall `atMs` (Unix epoch ms).
 * @param seq position in the engine run, from 0.
 */
export function sampleEngine(
  engine: QuotingEngine,
  ids: { readonly deploymentId: string; readonly engineRunId: string },
  seq: number,
  atMs: number,
  applied: AppliedForSample,
): SlotSample {
  const c = engine.counters;
  const markout = engine.markout;
  return {
    deploymentId: ids.deploymentId,
    engineRunId: ids.engineRunId,
    seq,
    atMs,
    appliedRevision: applied.revision,
    appliedVersion: applied.versionId,
    capitalFraction: Math.min(1, Math.max(0, applied.capitalFraction)),
    netPnlQuote: engine.netPnlQuote(),
    feesQuote: engine.feesQuote,
    markout1sQuote: markout.markoutQuote,
    markoutFills: markout.settledFills,
    inventoryLots: engine.inventoryLots,
    fills: c.fills,
    filledLots: c.filledLots,
    quotesPlaced: c.quotesPlaced,
    rejects: c.rejects,
    workingOrders: engine.workingOrders().length,
  };
}

/** Queue of samples waiting for the DB; see the module doc. */
export class SampleQueue {
  private queued: SlotSample[] = [];
  private seqValue = 0;
  /** Samples dropped because the queue was full. */
  dropped = 0;

  /** The seq of the next sample. */
  get nextSeq(): number {
    return this.seqValue;
  }

  /** Rows waiting. */
  get pending(): number {
    return this.queued.length;
  }

  /** Queues a sample built by `build(seq)`. */
  push(build: (seq: number) => SlotSample): void {
    this.queued.push(build(this.seqValue++));
    if (this.queued.length > MAX_QUEUED_SAMPLES) {
      this.queued.splice(0, this.queued.length - MAX_QUEUED_SAMPLES);
      this.dropped++;
    }
  }

  /**
   * Inserts every queued row (idempotent on (deployment, run, seq)); on failure they stay queued.
   * @throws the DB error (rows kept).
   */
  async flush(db: Queryable): Promise<void> {
    if (this.queued.length === 0) return;
    const rows = this.queued;
    this.queued = [];
    try {
      await insertSamples(db, rows);
    } catch (err) {
      this.queued = [...rows, ...this.queued].slice(-MAX_QUEUED_SAMPLES);
      throw err;
    }
  }
}

/** The slot's series in /metrics. */
export interface SlotPromMetrics {
  /** Wall µs from pulling quotes for a slot change to the first quoter decision after it. */
  readonly swapPauseUs: Histogram;
  /** Desired states the engine could not apply. */
  readonly applyFailures: Counter;
  /** Desired revision applied last. */
  readonly appliedRevision: Gauge;
}

/** Registers the slot's series on `registry` (the engine run's own, see native/metrics.ts). */
export function createSlotPromMetrics(registry: Registry): SlotPromMetrics {
  const registers = [registry];
  return {
    swapPauseUs: new Histogram({
      name: 'mmflow_engine_slot_swap_pause_us',
      help: 'Wall time from pulling quotes for a slot change to the first quoter decision after it, microseconds.',
      // 64 µs .. ~8 s, powers of 2: an in-loop swap is sub-ms; waiting for the next event shows in the tail.
      buckets: Array.from({ length: 18 }, (_, i) => 64 * 2 ** i),
      registers,
    }),
    applyFailures: new Counter({
      name: 'mmflow_engine_slot_apply_failures_total',
      help: 'Desired slot states the engine could not apply (it quoted on with the previous one).',
      registers,
    }),
    appliedRevision: new Gauge({
      name: 'mmflow_engine_slot_applied_revision',
      help: 'Desired revision of the slot the engine applied last.',
      registers,
    }),
  };
}
