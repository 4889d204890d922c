/**
 * Integration on the real Temporal server and PostgreSQL from the global setup: the demo pipeline runs
 * to completion; ingesting twice leaves the same row counts; the backtest workflow's KPIs are stored
 * and equal the same backtest run directly (same code, same numbers).
 */
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { resolve } from 'node:path';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backtestRecordedSession, findSession } from '../../activities/recorded-backtest.ts';
import { dataDir, repoRoot } from '../../app/paths.ts';
import { DEFAULT_MODEL_VERSION_ID } from '../../app/seed-models.ts';
import { DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT } from '../../core/quoting/model-params.ts';
import { getBacktestRun } from '../../db/repositories/backtest-runs.ts';
import { countRows } from '../../db/repositories/counts.ts';
import { loadPipelineFile } from '../../pipeline-dsl/load.ts';
import { backtestWorkflow, ingestWorkflow, pipelineWorkflow } from '../../workflows/index.ts';
import { headlineKpis } from '../../workflows/types.ts';
import { completedBacktest } from '../../workflows/pipeline/report.ts';
import { MODEL_VERSION_KEY, PIPELINE_KEY } from '../../workflows/search-attributes.ts';
import { startHarness, uniqueId, type Harness } from './harness.ts';

const SESSION = 'binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z';

let h: Harness;
let db: Pool;
let client: Client;
let TASK_QUEUE: string;

beforeAll(async () => {
  h = await startHarness('pipeline');
  ({ db, client, taskQueue: TASK_QUEUE } = h);
});

afterAll(async () => {
  await h?.close();
});

describe('workflows on a real Temporal server', () => {
  it('runs the demo pipeline to completion, ingesting then backtesting', async () => {
    const pipeline = await loadPipelineFile(resolve(repoRoot, 'pipelines/demo.yaml'));
    const workflowId = uniqueId('pipeline-demo');
    const result = await client.workflow.execute(pipelineWorkflow, {
      args: [{ pipeline, params: {} }],
      taskQueue: TASK_QUEUE,
      workflowId,
    });

    expect(result.pipeline).toBe('demo');
    expect(result.outcome).toBe('completed');
    expect(result.contentHash).toBe(pipeline.contentHash);
    expect(result.steps.map((s) => [s.id, s.workflowIds])).toEqual([
      ['ingest', [`${workflowId}.ingest`]],
      ['backtest', [`${workflowId}.backtest`]],
    ]);
    // 66,087 one-minute candles and 19,904 trades in the recordings (shared/data/README.md).
    expect(result.steps[0]?.outputs).toMatchObject({
      rowsRead: 66_087 + 19_904,
      files: 2,
      datasets: [
        { venue: 'binance-spot', symbol: 'BTCUSDT', kind: 'klines', interval: '1m' },
        { venue: 'binance-spot', symbol: 'BTCUSDT', kind: 'trades', interval: null },
      ],
    });
    const ingest = await client.workflow.getHandle<typeof ingestWorkflow>(`${workflowId}.ingest`).result();
    expect(ingest.files.map((f) => f.rowsRead)).toEqual([66_087, 19_904]);
    expect(await countRows(db, 'ohlcv')).toBeGreaterThanOrEqual(66_087);
    expect(await countRows(db, 'trades')).toBeGreaterThanOrEqual(19_904);

    const backtest = completedBacktest(result);
    expect(backtest?.outputs.modelVersionId).toBe(DEFAULT_MODEL_VERSION_ID);
    expect(backtest?.outputs.events).toBeGreaterThan(20_000);
    // Parameters were rendered into the step input (defaults of demo.yaml).
    expect(backtest?.input).toEqual({
      session: SESSION,
      model: DEFAULT_MODEL_VERSION_ID,
      entryLatencyMs: 5,
      cancelLatencyMs: 5,
    });

    // Children are visible with the pipeline search attribute, the backtest with its model version.
    const description = await client.workflow.getHandle(`${workflowId}.backtest`).describe();
    expect(description.typedSearchAttributes.get(PIPELINE_KEY)).toBe('demo');
    expect(description.typedSearchAttributes.get(MODEL_VERSION_KEY)).toBe(DEFAULT_MODEL_VERSION_ID);
    const parent = await client.workflow.getHandle(workflowId).describe();
    expect(parent.typedSearchAttributes.get(MODEL_VERSION_KEY)).toBe(DEFAULT_MODEL_VERSION_ID);
  });

  it('ingesting the same files twice leaves the same row counts', async () => {
    const input = {
      batchSize: 2_000,
      sources: [
        {
          kind: 'klines' as const,
          file: 'klines/binance-spot_ETHUSDT_1m_20230316-20230501.csv.gz',
          venue: 'binance-spot' as const,
          symbol: 'ETHUSDT',
          interval: '1m' as const,
        },
        {
          kind: 'trades' as const,
          file: 'trades/binance-usdm_ETHUSDT_20240718T2357Z-20240719T0005Z.trades.jsonl.gz',
          venue: 'binance-usdm' as const,
          symbol: 'ETHUSDT',
        },
      ],
    };
    const first = await client.workflow.execute(ingestWorkflow, {
      args: [input],
      taskQueue: TASK_QUEUE,
      workflowId: uniqueId('ingest-a'),
    });
    const countsAfterFirst = [await countRows(db, 'ohlcv'), await countRows(db, 'trades')];
    const second = await client.workflow.execute(ingestWorkflow, {
      args: [input],
      taskQueue: TASK_QUEUE,
      workflowId: uniqueId('ingest-b'),
    });
    const countsAfterSecond = [await countRows(db, 'ohlcv'), await countRows(db, 'trades')];

    expect(first.rowsRead).toBe(66_087 + 13_655);
    // Other test files of the run may have stored these datasets already: count them, not the inserts.
    const { rows } = await db.query<{ klines: string; trades: string }>(
      `SELECT (SELECT count(*) FROM ohlcv WHERE venue = 'binance-spot' AND symbol = 'ETHUSDT' AND "interval" = '1m') AS klines,
              (SELECT count(*) FROM trades WHERE venue = 'binance-usdm' AND symbol = 'ETHUSDT') AS trades`,
    );
    expect(rows[0]).toEqual({ klines: '66087', trades: '13655' });
    expect(second.rowsRead).toBe(first.rowsRead);
    expect(second.rowsInserted).toBe(0);
    expect(countsAfterSecond).toEqual(countsAfterFirst);
  });

  it('stores backtest KPIs equal to the same backtest run directly', async () => {
    const workflowId = uniqueId('backtest');
    const input = {
      session: SESSION,
      model: DEFAULT_MODEL_VERSION_ID,
      entryLatencyMs: 5,
      cancelLatencyMs: 5,
    };
    const result = await client.workflow.execute(backtestWorkflow, {
      args: [input],
      taskQueue: TASK_QUEUE,
      workflowId,
    });

    const direct = await backtestRecordedSession({
      session: findSession(dataDir(), SESSION),
      params: DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT,
      entryLatencyUs: 5_000,
      cancelLatencyUs: 5_000,
    });
    expect(result.kpis).toEqual(headlineKpis(direct.kpis));

    const stored = await getBacktestRun(db, result.runId);
    expect(stored?.modelVersionId).toBe(DEFAULT_MODEL_VERSION_ID);
    expect(stored?.kpis).toEqual(JSON.parse(JSON.stringify(direct.kpis)));
    expect(stored?.events).toBe(direct.kpis.events);
    expect(stored?.fills).toBe(direct.kpis.fills);
    expect(Number(stored?.netPnlQuote)).toBeCloseTo(direct.kpis.netPnlQuote, 6);
  });

  it('fails a backtest of an unknown model version without retrying, naming the model', async () => {
    const input = { session: SESSION, model: 'no-such-model@9', entryLatencyMs: 5, cancelLatencyMs: 5 };
    const run = client.workflow.execute(backtestWorkflow, {
      args: [input],
      taskQueue: TASK_QUEUE,
      workflowId: uniqueId('backtest-bad'),
    });
    await expect(run).rejects.toBeInstanceOf(WorkflowFailedError);
    const messages: string[] = [];
    await run.catch((err: unknown) => {
      for (let e: unknown = err; e instanceof Error; e = e.cause) messages.push(e.message);
    });
    expect(messages.join(' | ')).toContain('model version "no-such-model@9" is not in the registry');
  });
});
