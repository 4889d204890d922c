/**
 * The engine process's persistence port (what it writes, not how). The PostgreSQL implementation is
 * in ./pg-run-store.ts (over db/repositories); the serialising, batching flusher over it, which rides
 * out store outages, in ./row-flusher.ts.
 */
import type { Kpis } from '../core/metrics/kpis.ts';
import type { EngineMode } from './config.ts';
import type { RowBatch } from './run-recorder.ts';
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
