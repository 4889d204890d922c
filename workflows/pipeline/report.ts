/**
 * Typed reading of a pipeline result on the client side (CLI, tests): step outputs and inputs are
 * JSON in the result, so they are parsed here against the step type's schemas, never cast.
 */
import { z } from 'zod';
import {
  backtestStepInputSchema,
  type BacktestStepInput,
  type BacktestStepOutputs,
} from '../../pipeline-dsl/steps.ts';
import type { PipelineResult, StepReport } from '../types.ts';

const kpi = z.number();
const nullableKpi = z.number().nullable();

/** Schema of the outputs of a backtest step (pipeline-dsl/steps.ts `BacktestStepOutputs`). */
export const backtestStepOutputsSchema: z.ZodType<BacktestStepOutputs> = z.object({
  runId: z.string(),
  modelVersionId: z.string(),
  session: z.string(),
  events: kpi,
  quotes: kpi,
  fills: kpi,
  netPnlQuote: kpi,
  grossBp: nullableKpi,
  markout1sBp: nullableKpi,
  pnlTStat: nullableKpi,
  maxDrawdownQuote: kpi,
  rmsInventoryRatio: nullableKpi,
  spreadCapturedPct: nullableKpi,
  fillRatio: nullableKpi,
  cancelRatio: nullableKpi,
});

/** A completed backtest step of a result, typed. */
export interface BacktestStepReport {
  readonly step: StepReport;
  readonly input: BacktestStepInput;
  readonly outputs: BacktestStepOutputs;
}

/**
 * The first completed, non-fan-out `backtest` step of `result`.
 * @returns undefined when the pipeline has none
 * @throws ZodError when the step's recorded input or outputs do not have the backtest shapes
 */
export function completedBacktest(result: PipelineResult): BacktestStepReport | undefined {
  const step = result.steps.find((s) => s.uses === 'backtest' && s.status === 'completed' && !s.forEach);
  if (step === undefined) return undefined;
  return {
    step,
    input: backtestStepInputSchema.parse(step.inputs[0]),
    outputs: backtestStepOutputsSchema.parse(step.outputs),
  };
}
