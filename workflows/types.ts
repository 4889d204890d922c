/** Inputs and results of mmflow's workflows: small values and ids only (bulk results live in PostgreSQL). */
import type { BacktestStepInput, IngestStepInput } from '../pipeline-dsl/steps.ts';
import type { PipelinePlan } from '../pipeline-dsl/plan.ts';
import type { Kpis } from '../core/metrics/kpis.ts';

export type { BacktestStepInput, IngestStepInput, PipelinePlan };

/** Rows read and inserted for one ingested file; `rowsInserted < rowsRead` means rows were already stored. */
export interface IngestFileResult {
  readonly file: string;
  readonly kind: 'klines' | 'trades';
  readonly rowsRead: number;
  readonly rowsInserted: number;
}

export interface IngestResult {
  readonly files: readonly IngestFileResult[];
  readonly rowsRead: number;
  readonly rowsInserted: number;
}

/**
 * The headline KPIs of one backtest or engine run (units in field names; `null` = not defined for the
 * run, e.g. Sharpe with no PnL variance; see docs/adr/0003-fill-model-and-kpis.md).
 */
export type BacktestKpis = Pick<
  Kpis,
  | 'events'
  | 'quotes'
  | 'fills'
  | 'netPnlQuote'
  | 'sharpe'
  | 'maxDrawdownQuote'
  | 'rmsInventoryRatio'
  | 'spreadCapturedPct'
  | 'fillRatio'
  | 'cancelRatio'
>;

/** Picks the headline KPIs out of the full KPI set. */
export function headlineKpis(k: Kpis): BacktestKpis {
  return {
    events: k.events,
    quotes: k.quotes,
    fills: k.fills,
    netPnlQuote: k.netPnlQuote,
    sharpe: k.sharpe,
    maxDrawdownQuote: k.maxDrawdownQuote,
    rmsInventoryRatio: k.rmsInventoryRatio,
    spreadCapturedPct: k.spreadCapturedPct,
    fillRatio: k.fillRatio,
    cancelRatio: k.cancelRatio,
  };
}

/** Input of the backtest activity: the step input plus the idempotency key of the run. */
export interface BacktestActivityInput extends BacktestStepInput {
  /** Id of the backtest run row; derived from the workflow id so that retries overwrite, never duplicate. */
  readonly runId: string;
}

export interface BacktestResult {
  readonly runId: string;
  readonly modelVersionId: string;
  readonly session: string;
  readonly kpis: BacktestKpis;
}

export interface PipelineInput {
  readonly plan: PipelinePlan;
}

export type StepResult =
  | {
      readonly id: string;
      readonly uses: 'ingest';
      readonly workflowId: string;
      readonly result: IngestResult;
    }
  | {
      readonly id: string;
      readonly uses: 'backtest';
      readonly workflowId: string;
      readonly result: BacktestResult;
    };

export interface PipelineResult {
  readonly pipeline: string;
  readonly contentHash: string;
  readonly steps: readonly StepResult[];
}
