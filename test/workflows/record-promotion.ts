/**
 * The promotion recording of test/workflows/record-histories.ts (fixture `promote`): pipelines/promote.yaml
 * started as the Web UI starts it (`{ file, params }`) for a fresh candidate of a fresh model name
 * (V1.5 USDⓈ-M params, so the holdout gate backtests it for real) with short durations, its gate
 * approved by Update, run to completion (pipeline, ab-test, canary runs, promote); then a canary of a
 * bad candidate against the new champion, rolled back automatically (canary + rollback, failed), with
 * a pause/resume on the way. The engines of the two paper slots are played by ./promotion-engines.ts.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Pool } from 'pg';
import { DEFAULT_AS_V15_BTCUSDT_USDM } from '../../core/quoting/model-params.ts';
import { createSlot } from '../../db/repositories/deployments.ts';
import { changeStatus } from '../../db/repositories/model-history.ts';
import { registerModelVersion } from '../../db/repositories/models.ts';
import { approveUpdate, statusQuery } from '../../workflows/pipeline/definitions.ts';
import { pipelineWorkflow } from '../../workflows/pipeline.ts';
import { canaryWorkflow } from '../../workflows/promotion/canary.ts';
import { canaryStatusQuery, pauseUpdate, resumeUpdate } from '../../workflows/promotion/definitions.ts';
import type { RecordedExecution } from './history-fixtures.ts';
import { startFakeEngines } from './promotion-engines.ts';

export interface PromotionRecordContext {
  readonly client: Client;
  readonly taskQueue: string;
  readonly db: Pool;
  /** Every execution of a workflow id (its runs and, recursively, its children). */
  readonly executionsOf: (client: Client, workflowId: string) => Promise<RecordedExecution[]>;
}

export const PROMOTION_RECORDING_DESCRIPTION =
  'pipelines/promote.yaml started as { file, params } with short durations, gate approved, run to completion (pipeline, ab-test, canary, promote); a canary of a bad candidate paused, resumed and rolled back automatically (canary, rollback).';

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 1_200; i += 1) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Records the fixture `promote`. */
export async function recordPromotion(ctx: PromotionRecordContext): Promise<RecordedExecution[]> {
  const { client, taskQueue, db } = ctx;
  const stamp = Date.now();
  const name = `record-promote-${stamp}`;
  const register = async () =>
    (
      await registerModelVersion(db, {
        name,
        kind: DEFAULT_AS_V15_BTCUSDT_USDM.model,
        params: { ...DEFAULT_AS_V15_BTCUSDT_USDM },
      })
    ).id;
  const champion = await register();
  const candidate = await register();
  const bad = await register();
  await changeStatus(db, { versionId: champion, to: 'champion', by: 'recorder', reason: 'initial champion' });
  const slot = async (id: string) =>
    (
      await createSlot(
        db,
        { id, venue: 'binance-usdm', account: 'paper', symbol: 'BTCUSDT', mode: 'paper', modelName: name },
        { model: 'champion', capitalFraction: 1, riskState: 'active' },
        'recorder',
        'paper slot',
      )
    ).id;
  const championSlot = await slot(`${name}-a`);
  const challengerSlot = await slot(`${name}-b`);
  const engines = startFakeEngines(db, name, { [champion]: 1, [candidate]: 2, [bad]: -50 });
  try {
    const pipelineId = `record-promote-pipeline-${stamp}`;
    const pipeline: WorkflowHandle<typeof pipelineWorkflow> = await client.workflow.start(pipelineWorkflow, {
      args: [
        {
          file: 'pipelines/promote.yaml',
          params: {
            candidate,
            championSlot,
            challengerSlot,
            abIntervals: 3,
            abInterval: '1s',
            canaryHold: '1s',
            canaryCheckEvery: '1s',
            breachWindow: '2s',
          },
        },
      ],
      taskQueue,
      workflowId: pipelineId,
    });
    await until('the approve gate', async () =>
      (await pipeline.query(statusQuery)).waitingGates.length > 0 ? true : undefined,
    );
    await pipeline.executeUpdate(approveUpdate, {
      args: [{ stepId: 'approve', approver: 'recorder', reason: 'recorded' }],
    });
    const result = await pipeline.result();
    if (result.outcome !== 'completed') throw new Error(`${pipelineId}: ${result.outcome}`);

    const canaryId = `record-promote-bad-canary-${stamp}`;
    const canary = await client.workflow.start(canaryWorkflow, {
      args: [
        {
          challenger: bad,
          challengerSlot,
          championSlot,
          steps: [0.1, 1],
          hold: '60s',
          checkEvery: '1s',
          breachWindow: '3s',
          guardrails: { maxDrawdownQuote: 1 },
          applyTimeout: '20s',
          by: 'recorder',
          reason: 'recorded bad canary',
        },
      ],
      taskQueue,
      workflowId: canaryId,
    });
    await until('the canary holding', async () =>
      (await canary.query(canaryStatusQuery)).phase === 'holding' ? true : undefined,
    );
    await canary.executeUpdate(pauseUpdate, { args: [{ by: 'recorder', reason: 'recorded pause' }] });
    await canary.executeUpdate(resumeUpdate, { args: [{ by: 'recorder', reason: 'recorded resume' }] });
    const rolledBack = await canary.result().then(
      () => false,
      () => true,
    );
    if (!rolledBack) throw new Error(`${canaryId}: the bad canary was not rolled back`);
    return [...(await ctx.executionsOf(client, pipelineId)), ...(await ctx.executionsOf(client, canaryId))];
  } finally {
    await engines.stop();
  }
}
