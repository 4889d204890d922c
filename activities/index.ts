/**
 * Activities: the I/O that workflows call, built as a factory over their ports (STYLE §9) and wired
 * in the worker. Workflows import only the `Activities` type.
 */
import type { Pool } from 'pg';
import type { Logger } from '../app/logger.ts';
import { runBacktestActivity } from './backtest.ts';
import { ingestKlinesFile, ingestTradesFile, type IngestFileInput } from './ingest.ts';
import { validateMarketData, type ValidateMarketDataInput } from './validate-market-data.ts';
import type { BacktestActivityInput } from '../workflows/types.ts';

/** Ports the activities run over. */
export interface ActivityDeps {
  readonly db: Pool;
  /** Root of the recorded data (files in pipelines are relative to it). */
  readonly dataDir: string;
  readonly log: Logger;
}

/** Builds the activity functions registered with the worker. */
export function createActivities(deps: ActivityDeps) {
  return {
    ingestKlinesFile: (input: IngestFileInput & { kind: 'klines' }) => ingestKlinesFile(deps, input),
    ingestTradesFile: (input: IngestFileInput & { kind: 'trades' }) => ingestTradesFile(deps, input),
    runBacktest: (input: BacktestActivityInput) => runBacktestActivity(deps, input),
    validateMarketData: (input: ValidateMarketDataInput) => validateMarketData(deps, input),
  };
}

export type Activities = ReturnType<typeof createActivities>;
