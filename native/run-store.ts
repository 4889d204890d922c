/**
 * The engine process's persistence port (what it writes, not how) and a serialising, batching
 * flusher over it. The PostgreSQL implementation is in ./pg-run-store.ts (over db/repositories).
 */
import { isRetryable } from '../core/errors.ts';
import type { Kpis } from '../core/metrics/kpis.ts';
import { errorFields, type Log } from '../infra/log.ts';
import type { EngineMode } from './config.ts';
import type { Sleeper } from './feeds/recorded-feed.ts';
import type { RowBatch, RunRecorder } from './run-recorder.ts';
import type { KillSwitch, LatchChange, RiskEventRecord } from '../db/repositories/risk-state.ts';

/** How an engine run ended. `aborted` = stopped by signal before its data ended (replay) or at all (paper/live). */
export type EngineRunStatus = 'completed' | 'aborted' | 'failed';

/** The run's identity, written when it starts. */
export interface EngineRunStart {
  readonly runId: string;
  readonly mode: EngineMode;
  readonly modelVersionId: string;
  /** Recorded session prefix (replay), else undefined. */
  readonly session: string | undefined;
  readonly venue: string;
  readonly symbol: string;
  /** Wall time, Unix epoch ms. */
  readonly startedAtMs: number;
}

/** How the run ended, written once. */
export interface EngineRunEnd {
  readonly status: EngineRunStatus;
  /** Wall time, Unix epoch ms. */
  readonly endedAtMs: number;
  readonly kpis: Kpis;
  /** Short error text for `failed` runs (no secrets). */
  readonly error: string | undefined;
}

/** The kill-switch latch and the risk events of an engine (docs/adr/0011-risk-layer.md). */
export interface RiskStore {
  /** The latch of `engineId`: killed or not, with who/why (undefined: never killed). */
  readKillSwitch(engineId: string): Promise<KillSwitch | undefined>;
  /** Latches the kill switch (idempotent while killed). */
  kill(change: LatchChange): Promise<void>;
  /** Stores risk transitions of a run (idempotent per seq). */
  recordRiskEvents(runId: string, engineId: string, events: readonly RiskEventRecord[]): Promise<void>;
}

/** Where an engine run is recorded. */
export interface RunStore {
  startRun(run: EngineRunStart): Promise<void>;
  /** Writes one batch (orders before fills: fills reference orders). Idempotent per row key. */
  writeRows(runId: string, batch: RowBatch): Promise<void>;
  finishRun(runId: string, end: EngineRunEnd): Promise<void>;
}

/** Rows written so far, by table. */
export interface RowsWritten {
  quotes: number;
  orders: number;
  fills: number;
}

/**
 * Drains a `RunRecorder` into a `RunStore`, one write at a time (a flush requested while one runs
 * waits for it, then writes what accumulated). Transient store errors are retried (3 attempts, 200 ms
 * then 400 ms); a failure after that is kept in `failure` and rethrown by every later flush, so the
 * engine loop can fail the run.
 */
export class RowFlusher {
  readonly written: RowsWritten = { quotes: 0, orders: 0, fills: 0 };
  private chain: Promise<void> = Promise.resolve();
  private failureValue: unknown;

  constructor(
    private readonly store: RunStore,
    private readonly runId: string,
    private readonly recorder: RunRecorder,
    private readonly sleep: Sleeper,
    private readonly log: Log,
  ) {}

  /** The error that stopped flushing, if any. */
  get failure(): unknown {
    return this.failureValue;
  }

  /** Writes everything buffered so far. @throws the stored failure. */
  flush(): Promise<void> {
    this.chain = this.chain.then(() => this.writeOnce());
    return this.chain;
  }

  private async writeOnce(): Promise<void> {
    if (this.failureValue !== undefined) throw this.failureValue;
    if (this.recorder.pendingRows === 0) return;
    const batch = this.recorder.drain();
    for (let attempt = 1; ; attempt++) {
      try {
        await this.store.writeRows(this.runId, batch);
        this.written.quotes += batch.quotes.length;
        this.written.orders += batch.orders.length;
        this.written.fills += batch.fills.length;
        return;
      } catch (err) {
        if (!isRetryable(err) || attempt >= 3) {
          this.failureValue = err;
          throw err;
        }
        this.log.warn({ runId: this.runId, attempt, err: errorFields(err) }, 'row flush failed; retrying');
        await this.sleep(200 * attempt);
      }
    }
  }
}
