/** The backtest activity: registry → recorded session → core backtester → `backtest_runs`. */
import { Context } from '@temporalio/activity';
import { PermanentError } from '../core/errors.ts';
import { parseModelParams } from '../core/quoting/model-params.ts';
import { saveBacktestRun } from '../db/repositories/backtest-runs.ts';
import { getModelVersion } from '../db/repositories/models.ts';
import { headlineKpis, type BacktestActivityInput, type BacktestResult } from '../workflows/types.ts';
import type { ActivityDeps } from './index.ts';
import { backtestRecordedSession, findSession } from './recorded-backtest.ts';

/**
 * Runs one backtest and saves it under `input.runId` (an upsert: a retry overwrites its own row).
 * @throws PermanentError for an unknown model version or session, invalid stored parameters, or an
 *   unknown fee tier (`UNKNOWN_FEE_TIER`).
 */
export async function runBacktestActivity(
  deps: ActivityDeps,
  input: BacktestActivityInput,
): Promise<BacktestResult> {
  const startedAtMs = Date.now();
  const model = await getModelVersion(deps.db, input.model);
  if (model === undefined)
    throw new PermanentError('UNKNOWN_MODEL', `model version "${input.model}" is not in the registry`, {
      model: input.model,
    });
  let params;
  try {
    params = parseModelParams(model.params, `model_versions ${model.id} params`);
  } catch (err) {
    throw new PermanentError('BAD_MODEL_PARAMS', (err as Error).message, { model: model.id });
  }
  const session = findSession(deps.dataDir, input.session);
  Context.current().heartbeat({ phase: 'replaying', session: session.prefix });
  const report = await backtestRecordedSession({
    session,
    params,
    entryLatencyUs: input.entryLatencyMs * 1000,
    cancelLatencyUs: input.cancelLatencyMs * 1000,
    ...(input.feeTier === undefined ? {} : { feeTier: input.feeTier }),
  });
  const k = report.kpis;
  await saveBacktestRun(deps.db, {
    id: input.runId,
    modelVersionId: model.id,
    session: session.prefix,
    venue: report.session.venue,
    symbol: report.session.symbol,
    config: { params: report.params, execution: report.execution, feeTier: report.feeTier },
    kpis: { ...k },
    events: k.events,
    quotes: k.quotes,
    fills: k.fills,
    netPnlQuote: k.netPnlQuote.toFixed(8),
    ...(k.sharpe === null ? {} : { sharpe: k.sharpe }),
    maxDrawdownQuote: k.maxDrawdownQuote.toFixed(8),
    ...(k.rmsInventoryRatio === null ? {} : { rmsInventoryRatio: k.rmsInventoryRatio }),
    ...(k.spreadCapturedPct === null ? {} : { spreadCapturedPct: k.spreadCapturedPct }),
    ...(k.fillRatio === null ? {} : { fillRatio: k.fillRatio }),
    ...(k.cancelRatio === null ? {} : { cancelRatio: k.cancelRatio }),
    startedAtMs,
    finishedAtMs: Date.now(),
    source: 'workflow',
  });
  deps.log.info(
    {
      runId: input.runId,
      model: model.id,
      session: session.prefix,
      netPnlQuote: k.netPnlQuote,
      fills: k.fills,
    },
    'backtest stored',
  );
  return { runId: input.runId, modelVersionId: model.id, session: session.prefix, kpis: headlineKpis(k) };
}
