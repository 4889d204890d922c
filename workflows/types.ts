/** Inputs and results of mmflow's workflows: small values and ids only (bulk results live in PostgreSQL). */
import type { BacktestStepInput, IngestStepInput } from '../pipeline-dsl/steps.ts';
import type { CompiledPipeline, Json, PlanStepKind } from '../pipeline-dsl/plan-types.ts';
import type { Kpis } from '../core/metrics/kpis.ts';
import type { PipelineOutcome } from './pipeline/definitions.ts';
import type { ResumeState } from './pipeline/state.ts';

export type { BacktestStepInput, CompiledPipeline, IngestStepInput, Json, ResumeState };

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
 * run, e.g. bp figures with no fill; see docs/adr/0003-fill-model-and-kpis.md): the trade quality
 * (`grossBp` before fees, `markout1sBp` vs the mid 1 s after each fill) and the t-statistic of per-minute
 * PnL (`pnlTStat`) lead; spread captured is kept as a secondary figure.
 */
export type BacktestKpis = Pick<
  Kpis,
  | 'events'
  | 'quotes'
  | 'fills'
  | 'netPnlQuote'
  | 'grossBp'
  | 'markout1sBp'
  | 'pnlTStat'
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
    grossBp: k.grossBp,
    markout1sBp: k.markout1sBp,
    pnlTStat: k.pnlTStat,
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

/**
 * Input of `pipelineWorkflow` (what a user pastes in the Web UI's "Start workflow" form, see README):
 * the compiled pipeline and the run's parameter values.
 */
export interface PipelineInput {
  readonly pipeline: CompiledPipeline;
  /** Values of declared parameters (others take their defaults); absent = all defaults. */
  readonly params?: { readonly [name: string]: Json };
  /** Progress of earlier runs, set by the interpreter itself on Continue-As-New. */
  readonly resume?: ResumeState;
  /** Continue-As-New once the history exceeds this many events (default 10 000; tests set it low). */
  readonly historyLengthLimit?: number;
}

/**
 * The other input of `pipelineWorkflow`, for starting a run by hand in the Web UI: a pipeline file of
 * the repository's `pipelines/` directory, compiled by the `loadPipeline` activity when the run starts
 * (e.g. `{ "file": "pipelines/retrain-weekly.yaml", "params": { "nTrials": 20 } }`).
 */
export interface PipelineFileInput {
  /** Path relative to the repository root, inside `pipelines/`. */
  readonly file: string;
  readonly params?: { readonly [name: string]: Json };
  readonly historyLengthLimit?: number;
}

/** What one step did, in plan order. */
export interface StepReport {
  readonly id: string;
  readonly uses: string;
  readonly kind: PlanStepKind;
  /** Whether the step fans out (`forEach`): its outputs are then `{ count, items }`. */
  readonly forEach: boolean;
  /** `not-run`: the pipeline ended (rejected or cancelled) before the step could start or finish. */
  readonly status: 'completed' | 'skipped' | 'not-run';
  /** Inputs as rendered and validated, one per run (per item for a fan-out); empty unless completed. */
  readonly inputs: readonly Json[];
  /** Outputs; null unless completed. */
  readonly outputs: Json;
  /** Child workflow ids of the step's runs (kind `workflow`). */
  readonly workflowIds: readonly string[];
}

/** Result of `pipelineWorkflow` (a failed pipeline fails the workflow instead). */
export interface PipelineResult {
  readonly pipeline: string;
  readonly contentHash: string;
  readonly file: string;
  readonly outcome: Extract<PipelineOutcome, 'completed' | 'rejected' | 'cancelled'>;
  /** Parameter values the run used (defaults applied). */
  readonly params: { readonly [name: string]: Json };
  readonly steps: readonly StepReport[];
  /** Who cancelled and why (outcome `cancelled` by the cancel Update), else null. */
  readonly cancelledBy: { readonly by: string; readonly reason: string } | null;
  /** Times the run continued as new. */
  readonly continuedAsNew: number;
}
