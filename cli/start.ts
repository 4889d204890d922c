/**
 * `mmflow start`: the main job. Validates the pipeline, brings up PostgreSQL and Temporal (embedded
 * defaults unless DATABASE_URL / TEMPORAL_ADDRESS are set), registers built-in models, runs the
 * worker, executes the pipeline as a Temporal workflow, runs the quoting engine in replay mode as its
 * own process over the pipeline's backtest session, prints a KPI table and the Web UI address, and
 * (without --once) keeps serving until Ctrl-C. The last stdout line is one JSON object.
 */
import { Client, Connection } from '@temporalio/client';
import { resolve } from 'node:path';
import { createLogger } from '../app/logger.ts';
import { dataDir, TASK_QUEUE } from '../app/paths.ts';
import { ensureBuiltInModels } from '../app/seed-models.ts';
import { startServices } from '../app/services.ts';
import { createWorker } from '../app/worker.ts';
import { createPool } from '../db/pool.ts';
import { redactUrl } from '../infra/embedded/postgres.ts';
import { loadPipelineFile } from '../pipeline-dsl/load.ts';
import { PipelineValidationError } from '../pipeline-dsl/errors.ts';
import { pipelineWorkflow } from '../workflows/pipeline.ts';
import { PIPELINE_KEY } from '../workflows/search-attributes.ts';
import { completedBacktest } from '../workflows/pipeline/report.ts';
import type { BacktestKpis, PipelineResult } from '../workflows/types.ts';
import type { BacktestStepOutputs } from '../pipeline-dsl/steps.ts';
import { runEngineChild, type EngineChildResult } from './engine-child.ts';
import { printKpiTable } from './kpi-table.ts';

export interface MainJobOptions {
  readonly once: boolean;
  readonly pipelineFile: string;
}

/** The headline KPIs of a backtest step's outputs. */
function headlineKpisOf(o: BacktestStepOutputs): BacktestKpis {
  return {
    events: o.events,
    quotes: o.quotes,
    fills: o.fills,
    netPnlQuote: o.netPnlQuote,
    grossBp: o.grossBp,
    markout1sBp: o.markout1sBp,
    pnlTStat: o.pnlTStat,
    maxDrawdownQuote: o.maxDrawdownQuote,
    rmsInventoryRatio: o.rmsInventoryRatio,
    spreadCapturedPct: o.spreadCapturedPct,
    fillRatio: o.fillRatio,
    cancelRatio: o.cancelRatio,
  };
}

/** @returns the process exit code. */
export async function runMainJob(opts: MainJobOptions): Promise<number> {
  const log = createLogger('mmflow');
  let plan;
  try {
    plan = await loadPipelineFile(resolve(process.cwd(), opts.pipelineFile));
  } catch (err) {
    if (err instanceof PipelineValidationError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const services = await startServices(log);
  const db = createPool(services.databaseUrl);
  const { worker, connection: workerConnection } = await createWorker({
    temporalAddress: services.temporalAddress,
    namespace: services.namespace,
    db,
    dataDir: dataDir(),
    log,
  });
  const workerRun = worker.run();
  const clientConnection = await Connection.connect({ address: services.temporalAddress });
  try {
    const registered = await ensureBuiltInModels(db);
    if (registered.length > 0) log.info({ registered }, 'registered built-in model versions');

    const client = new Client({ connection: clientConnection, namespace: services.namespace });
    const workflowId = `pipeline-${plan.name}-${new Date().toISOString().replace(/[:.]/g, '')}`;
    log.info({ workflowId, pipeline: plan.name, contentHash: plan.contentHash }, 'starting pipeline');
    const handle = await client.workflow.start(pipelineWorkflow, {
      args: [{ pipeline: plan, params: {} }],
      taskQueue: TASK_QUEUE,
      workflowId,
      memo: { pipeline: plan.name, pipelineFile: plan.file, contentHash: plan.contentHash },
      typedSearchAttributes: [{ key: PIPELINE_KEY, value: plan.name }],
      staticSummary: `pipeline ${plan.name} (${plan.steps.length} steps, plan ${plan.contentHash.slice(0, 12)})`,
    });
    const result: PipelineResult = await handle.result();
    const backtest = completedBacktest(result);

    let engine: EngineChildResult | undefined;
    if (backtest !== undefined) {
      engine = await runEngineChild({
        session: backtest.outputs.session,
        model: backtest.outputs.modelVersionId,
        databaseUrl: services.databaseUrl,
        entryLatencyUs: Math.round(backtest.input.entryLatencyMs * 1000),
        cancelLatencyUs: Math.round(backtest.input.cancelLatencyMs * 1000),
        log,
      });
    }

    const backtestKpis = backtest === undefined ? undefined : headlineKpisOf(backtest.outputs);
    const kpis: BacktestKpis | undefined = engine?.kpis ?? backtestKpis;
    const workflowIds = [workflowId, ...result.steps.flatMap((s) => s.workflowIds)];
    const uiUrl =
      services.uiUrl !== undefined
        ? `${services.uiUrl}/namespaces/${services.namespace}/workflows`
        : undefined;
    if (backtestKpis !== undefined) printKpiTable({ backtest: backtestKpis, engine: engine?.kpis });
    process.stdout.write(`Temporal Web UI: ${uiUrl ?? '(external server: see its UI)'}\n`);
    // The URL of the embedded database carries no password; an external one is redacted.
    process.stdout.write(`PostgreSQL: ${redactUrl(services.databaseUrl)}\n`);
    for (const step of result.steps)
      process.stdout.write(`  ${step.id}: ${step.workflowIds.join(', ') || step.status}\n`);
    process.stdout.write(
      `${JSON.stringify({
        ...(kpis ?? {}),
        workflowIds,
        pipeline: plan.name,
        planHash: plan.contentHash,
        engineRunId: engine?.runId,
        outcome: result.outcome,
        backtestRunId: backtest?.outputs.runId,
        temporalUi: uiUrl,
      })}\n`,
    );
    if (!opts.once) {
      process.stderr.write('mmflow is running (worker + Temporal Web UI). Press Ctrl-C to stop.\n');
      await new Promise<void>((done) => {
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
    }
    return 0;
  } finally {
    // The SDK's runtime already begins shutdown on SIGINT/SIGTERM; a second shutdown() would throw.
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await workerRun;
    await workerConnection.close();
    await clientConnection.close();
    await db.end();
    await services.stop();
  }
}
