/**
 * Backtests one model version over one recorded session. The run id is derived from the workflow id,
 * so a retried activity overwrites its own row rather than adding another.
 */
import { proxyActivities, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { CHILD_ACTIVITY_RETRY } from './pipeline/activity-options.ts';
import { MODEL_VERSION_KEY, OUTCOME_KEY, STEP_KEY } from './search-attributes.ts';
import type { BacktestResult, BacktestStepInput } from './types.ts';

const { runBacktest } = proxyActivities<Activities>({
  startToCloseTimeout: '20 minutes',
  heartbeatTimeout: '2 minutes',
  retry: CHILD_ACTIVITY_RETRY, // transient errors for about 2.5 min; permanent ones never
});

/** Runs the backtest activity and returns its KPIs (also stored in `backtest_runs`). */
export async function backtestWorkflow(input: BacktestStepInput): Promise<BacktestResult> {
  upsertSearchAttributes([
    { key: STEP_KEY, value: 'backtest' },
    { key: MODEL_VERSION_KEY, value: input.model },
  ]);
  const result = await runBacktest({ ...input, runId: `bt:${workflowInfo().workflowId}` });
  upsertSearchAttributes([
    { key: OUTCOME_KEY, value: result.kpis.netPnlQuote >= 0 ? 'pnl-positive' : 'pnl-negative' },
  ]);
  return result;
}
