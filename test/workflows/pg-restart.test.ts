/**
 * PostgreSQL stopped for 30 s during every step type, and the pipeline still completes: a dedicated
 * cluster (fixed port, so it comes back where the worker expects it) and a dedicated worker process
 * on it, so the other tests' database is never disturbed. The pipeline runs its steps in three layers,
 * each behind a `wait` step: while that wait runs, PostgreSQL is stopped (`pg_ctl stop -m fast`), so
 * the whole layer starts during the outage; 30 s later it is started again. Layers: ingest,
 * data-quality gate, backtest | validate-market-data, calibrate | study, train-alpha, evaluate-model,
 * register-model. Each step's activities (or its child workflow's) must show a retried attempt: the
 * outage hit them, they retried the transient failure with backoff, and completed.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { optionalTsToMs } from '@temporalio/common/lib/time.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltInModels, RETRAIN_BASE_MODEL_VERSION_ID } from '../../app/seed-models.ts';
import { createPool } from '../../db/pool.ts';
import { migrateUp } from '../../db/migrate.ts';
import { freePort } from '../../infra/embedded/free-port.ts';
import { findPostgresBinaries, type PostgresBinaries } from '../../infra/embedded/pg-binaries.ts';
import {
  reachableDataDir,
  serverAccount,
  startCluster,
  stopCluster,
  type ServerAccount,
} from '../../infra/embedded/pg-cluster.ts';
import { startEmbeddedPostgres, type ResolvedDatabase } from '../../infra/embedded/postgres.ts';
import { silentLog } from '../../infra/log.ts';
import { loadPipelineFile } from '../../pipeline-dsl/load.ts';
import { statusQuery } from '../../workflows/pipeline/definitions.ts';
import { pipelineWorkflow } from '../../workflows/pipeline.ts';
import { uniqueId } from './harness.ts';
import { workerProcesses, type WorkerProcesses } from './worker-processes.ts';
import { skipWithout } from '../setup/require.ts';

const OUTAGE_MS = 30_000;
const SESSIONS = [
  'binance-usdm_BTCUSDT_20230404T2358Z-20230405T0007Z',
  'binance-usdm_BTCUSDT_20240718T2357Z-20240719T0005Z',
  'binance-usdm_BTCUSDT_20240808T2354Z-20240809T0000Z',
];

const PIPELINE = `
apiVersion: mmflow/v1
kind: Pipeline
metadata:
  name: pg-restart
concurrency: 8
steps:
  - { id: pause0, uses: wait, with: { duration: 3s } }
  - id: ingest
    uses: ingest
    needs: [pause0]
    with:
      sources:
        - kind: trades
          file: trades/binance-usdm_ETHUSDT_20240718T2357Z-20240719T0005Z.trades.jsonl.gz
          venue: binance-usdm
          symbol: ETHUSDT
  - id: quality
    uses: data-quality-gate
    needs: [pause0]
    with:
      sessions: ${JSON.stringify(SESSIONS)}
      windowMs: 60000
      maxTradeGapMs: 3000
      minTrades: 100
  - id: backtest
    uses: backtest
    needs: [pause0]
    with: { session: ${SESSIONS[1]}, model: ${RETRAIN_BASE_MODEL_VERSION_ID} }
  - { id: pause1, uses: wait, needs: [ingest, quality, backtest], with: { duration: 3s } }
  - id: validate
    uses: validate-market-data
    needs: [pause1]
    with: { venue: binance-usdm, symbol: ETHUSDT, kind: trades }
  - id: calibrate
    uses: calibrate
    needs: [pause1]
    with:
      windows: \${{ steps.quality.outputs.included }}
      baseModel: ${RETRAIN_BASE_MODEL_VERSION_ID}
  - { id: pause2, uses: wait, needs: [validate, calibrate], with: { duration: 3s } }
  - id: study
    uses: study
    needs: [pause2]
    with:
      windows: \${{ steps.quality.outputs.included }}
      baseParams: \${{ steps.calibrate.outputs.params }}
      walkForward: { scheme: expanding, trainWindows: 3, gapWindows: 1, validationWindows: 2, holdoutWindows: 3 }
      space:
        gamma: { type: float, low: 1.0e-5, high: 1.0e-1, log: true }
      sampler: { type: random, seed: 7 }
      objective: { metric: netPnlQuote, direction: maximize, aggregate: mean }
      nTrials: 2
      parallelism: 2
  - id: alpha
    uses: train-alpha
    needs: [pause2]
    with:
      windows: \${{ steps.quality.outputs.included }}
      horizonMs: 1000
      seed: 7
      params: \${{ steps.calibrate.outputs.params }}
  - id: evaluate
    uses: evaluate-model
    needs: [pause2]
    with:
      windows: \${{ steps.quality.outputs.included }}
      params: \${{ steps.calibrate.outputs.params }}
  - id: register
    uses: register-model
    needs: [pause2]
    with:
      name: pg-restart-candidate
      params: \${{ steps.calibrate.outputs.params }}
      parent: ${RETRAIN_BASE_MODEL_VERSION_ID}
      metrics: {}
      lineage:
        calibrationId: \${{ steps.calibrate.outputs.calibrationId }}
`;

/** The dedicated cluster: stopped and started again on the same port. */
interface Cluster {
  readonly bin: PostgresBinaries;
  readonly dataDir: string;
  readonly port: number;
  readonly account: ServerAccount | undefined;
  readonly db: ResolvedDatabase;
}

let dir: string | undefined;
let cluster: Cluster | undefined;
let w: WorkerProcesses | undefined;
let client: Client;
const bin = await findPostgresBinaries(process.env);
const skip = skipWithout(
  bin === undefined ? 'PostgreSQL server binaries (pg_ctl) to stop and start a cluster' : undefined,
  'pg-restart: PostgreSQL stopped for 30 s during each step type',
);

beforeAll(async () => {
  if (skip || bin === undefined) return;
  dir = await mkdtemp(join(tmpdir(), 'mmflow-pg-restart-'));
  const account = await serverAccount(process.env);
  const port = await freePort();
  const db = await startEmbeddedPostgres({
    dataDir: join(dir, 'pg'),
    log: silentLog,
    port,
    durable: false,
    stopOnExit: true,
    binaries: bin,
  });
  const dataDir = await reachableDataDir(join(dir, 'pg'), account, silentLog);
  cluster = { bin, dataDir, port: Number(new URL(db.url).port), account, db };
  await migrateUp(db.url);
  const pool = createPool(db.url);
  await ensureBuiltInModels(pool);
  await pool.end();
  const store = join(dir, 'models');
  process.env['MMFLOW_MODEL_STORE'] = store; // inherited by the worker process
  w = await workerProcesses('pg-restart', { databaseUrl: db.url });
  client = w.client;
  w.start();
}, 300_000);

const previousStore = process.env['MMFLOW_MODEL_STORE'];
afterAll(async () => {
  if (previousStore === undefined) delete process.env['MMFLOW_MODEL_STORE'];
  else process.env['MMFLOW_MODEL_STORE'] = previousStore;
  await w?.close();
  await cluster?.db.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** When PostgreSQL was down, Unix epoch ms. */
interface Outage {
  readonly fromMs: number;
  readonly toMs: number;
}

/** Stops the cluster now and starts it again `OUTAGE_MS` later (on the same port). */
async function outage(): Promise<Outage> {
  const c = cluster;
  if (c === undefined) throw new Error('no cluster');
  const stoppingAt = Date.now();
  await stopCluster(c.bin, c.dataDir, c.account);
  const fromMs = Date.now();
  await new Promise((r) => setTimeout(r, stoppingAt + OUTAGE_MS - Date.now())); // the outage itself
  const toMs = Date.now();
  const started = await startCluster(c.bin, c.dataDir, c.port, false, c.account);
  if (!started.ok) throw new Error(`postgres did not come back: ${started.log}`);
  return { fromMs, toMs };
}

/** Polls the status query until `stepId` runs (deadline 5 min). */
async function whenRunning(handle: WorkflowHandle, stepId: string): Promise<void> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const s = await handle.query(statusQuery).catch(() => undefined);
    if (s?.running.includes(stepId)) return;
    if (s !== undefined && (stepId in s.completed || s.outcome !== 'running'))
      throw new Error(`step ${stepId} is past: ${JSON.stringify(s.running)} ${s.outcome}`);
    if (Date.now() > deadline) throw new Error(`step ${stepId} never ran`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Per activity type of workflow `workflowId`: when it was first scheduled and its highest attempt. */
async function activitiesOf(
  workflowId: string,
): Promise<Map<string, { scheduledMs: number; attempts: number }>> {
  const events: HistoryEvent[] = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const typeById = new Map<number, string>();
  const found = new Map<string, { scheduledMs: number; attempts: number }>();
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    const type = scheduled?.activityType?.name;
    if (type != null) {
      typeById.set(Number(e.eventId), type);
      if (!found.has(type)) found.set(type, { scheduledMs: optionalTsToMs(e.eventTime) ?? 0, attempts: 0 });
    }
    const started = e.activityTaskStartedEventAttributes;
    const entry = found.get(typeById.get(Number(started?.scheduledEventId)) ?? '');
    if (started != null && entry !== undefined)
      entry.attempts = Math.max(entry.attempts, started.attempt ?? 0);
  }
  return found;
}

describe.skipIf(skip)('PostgreSQL restarted during each step type', () => {
  it('completes the pipeline with every step retried through a 30 s outage', async () => {
    const began = Date.now();
    const file = join(dir ?? tmpdir(), 'pg-restart.yaml');
    await writeFile(file, PIPELINE);
    const pipeline = await loadPipelineFile(file);
    const workflowId = uniqueId('pg-restart');
    const handle = await client.workflow.start(pipelineWorkflow, {
      args: [{ pipeline, params: {} }],
      taskQueue: w?.taskQueue ?? '',
      workflowId,
    });
    const outages: Outage[] = [];
    for (const pause of ['pause0', 'pause1', 'pause2']) {
      await whenRunning(handle, pause);
      outages.push(await outage());
    }
    const result = await handle.result();
    expect(result.outcome).toBe('completed');
    expect(result.steps.every((s) => s.status === 'completed')).toBe(true);

    // Each step's activity (or its child workflow's first one) was scheduled while PostgreSQL was down;
    // those that use the database failed on it and were retried (train-alpha and evaluate-model read
    // only recorded files and the model store, so the outage does not touch them).
    const parent = await activitiesOf(workflowId);
    const seen = new Map([
      ...parent,
      ...(await activitiesOf(`${workflowId}.ingest`)),
      ...(await activitiesOf(`${workflowId}.backtest`)),
      ...(await activitiesOf(`${workflowId}.study`)),
    ]);
    const report: string[] = [];
    for (const [type, usesDb] of [
      ['ingestTradesFile', true],
      ['dataQualityGate', true],
      ['runBacktest', true],
      ['validateMarketData', true],
      ['calibrateModelVersion', true],
      ['createStudy', true],
      ['trainAlpha', false],
      ['evaluateModel', false],
      ['registerModel', true],
    ] as const) {
      const a = seen.get(type);
      expect(a, type).toBeDefined();
      if (a === undefined) continue;
      report.push(`${type}: ${a.attempts} attempt(s)`);
      expect(
        outages.some((o) => a.scheduledMs >= o.fromMs && a.scheduledMs <= o.toMs),
        `${type} scheduled during an outage`,
      ).toBe(true);
      if (usesDb) expect(a.attempts, type).toBeGreaterThan(1);
    }
    process.stderr.write(
      `[pg-restart] 3 outages of ${OUTAGE_MS} ms; ${Date.now() - began} ms in all; ${report.join(', ')}\n`,
    );
  }, 600_000);
});
