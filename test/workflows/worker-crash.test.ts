/**
 * A worker killed with SIGKILL in the middle of a pipeline, then restarted, finishes the pipeline:
 * the worker runs as its own process (`mmflow worker --task-queue …`), is killed while the second
 * ingest step's activity is inserting rows, and a new worker process picks the work up (the activity
 * retries after its heartbeat timeout and resumes from its last heartbeat). History shows no completed
 * step started twice, and the table holds each row once.
 */
import type { Client } from '@temporalio/client';
import type { ChildProcess } from 'node:child_process';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { temporal } from '@temporalio/proto';
import { pipelineWorkflow } from '../../workflows/pipeline.ts';
import { exited, workerProcesses, type WorkerProcesses } from './worker-processes.ts';
import { pipelineOf, statusWhen, step, uniqueId, waitStep } from './harness.ts';

let w: WorkerProcesses;
let client: Client;
let db: Pool;
let taskQueue: string;
const startWorker = (): ChildProcess => w.start();

beforeAll(async () => {
  w = await workerProcesses('crash');
  ({ client, db, taskQueue } = w);
});

afterAll(async () => {
  await w?.close();
});

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

async function historyOf(workflowId: string): Promise<HistoryEvent[]> {
  return (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
}

describe('worker killed mid-pipeline', () => {
  it('finishes after a restart with no completed step repeated and no duplicate rows', async () => {
    const symbolFile = 'klines/binance-spot_BTCUSDT_1h_20170817-20230630.csv.gz';
    const pipeline = pipelineOf('crash', [
      waitStep('warm-up', 0),
      step('ingest-eth', 'ingest', {
        needs: ['warm-up'],
        with: {
          batchSize: 5_000,
          sources: [
            {
              kind: 'trades',
              file: 'trades/binance-usdm_ETHUSDT_20240718T2357Z-20240719T0005Z.trades.jsonl.gz',
              venue: 'binance-usdm',
              symbol: 'ETHUSDT',
            },
          ],
        },
      }),
      // Small batches make this step long enough (hundreds of INSERTs) to be killed in the middle.
      step('ingest-hourly', 'ingest', {
        needs: ['ingest-eth'],
        with: {
          batchSize: 100,
          sources: [
            { kind: 'klines', file: symbolFile, venue: 'binance-spot', symbol: 'BTCUSDT', interval: '1h' },
          ],
        },
      }),
      waitStep('done', 0, { needs: ['ingest-hourly'] }),
    ]);
    const workflowId = uniqueId('crash');
    const handle = await client.workflow.start(pipelineWorkflow, {
      args: [{ pipeline, params: {} }],
      taskQueue,
      workflowId,
    });

    const first = startWorker();
    await statusWhen(handle, 'ingest-hourly to run', (s) => s.running.includes('ingest-hourly'), 120_000);
    // Let it insert a few batches (heartbeats) before the kill.
    const child = client.workflow.getHandle(`${workflowId}.ingest-hourly`);
    await statusWhenHeartbeat(child.workflowId);
    first.kill('SIGKILL');
    await exited(first);

    startWorker();
    const result = await handle.result();
    expect(result.outcome).toBe('completed');
    expect(result.steps.map((s) => s.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(result.steps[2]?.outputs).toMatchObject({ rowsRead: 51_324, files: 1 });

    // Each child workflow was started exactly once by the parent.
    const parent = await historyOf(workflowId);
    const started = parent
      .map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId)
      .filter((id): id is string => typeof id === 'string');
    expect(started).toEqual([`${workflowId}.ingest-eth`, `${workflowId}.ingest-hourly`]);
    // Two worker processes completed workflow tasks of the parent (the second one replayed it).
    const identities = new Set(
      parent.map((e) => e.workflowTaskCompletedEventAttributes?.identity).filter(Boolean),
    );
    expect(identities.size).toBe(2);

    // The step that completed before the kill ran its activity once; the interrupted one was retried.
    const attempts = async (id: string): Promise<number[]> =>
      (await historyOf(id))
        .map((e) => e.activityTaskStartedEventAttributes?.attempt)
        .filter((a): a is number => typeof a === 'number');
    expect(await attempts(`${workflowId}.ingest-eth`)).toEqual([1]);
    expect(await attempts(`${workflowId}.ingest-hourly`)).toEqual([2]);

    // Every candle of the file is stored once.
    const { rows } = await db.query<{ n: string; distinct: string }>(
      `SELECT count(*) AS n, count(DISTINCT open_time_ms) AS distinct FROM ohlcv
        WHERE venue = 'binance-spot' AND symbol = 'BTCUSDT' AND "interval" = '1h'`,
    );
    expect(rows[0]).toEqual({ n: '51324', distinct: '51324' });
  }, 300_000);
});

/** Waits until the running ingest activity of `childId` has heartbeated progress. */
async function statusWhenHeartbeat(childId: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const description = await client.workflow
      .getHandle(childId)
      .describe()
      .catch(() => undefined);
    const pending = description?.raw.pendingActivities ?? [];
    if (pending.some((a) => (a.heartbeatDetails?.payloads?.length ?? 0) > 0)) return;
    if (Date.now() > deadline) throw new Error(`no heartbeat from ${childId}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
