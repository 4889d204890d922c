/**
 * The README's production path from an empty database: `mmflow migrate` (twice: the second changes
 * nothing), then `mmflow worker` as its own process, then `mmflow pipelines run
 * pipelines/retrain-weekly.yaml --wait`, which must get past calibration (the base model version is
 * registered by migrate, not only by `npm start`) and register a candidate.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../app/paths.ts';
import {
  BASELINE_MODEL_VERSION_ID,
  DEFAULT_MODEL_VERSION_ID,
  FAIR_VALUE_MODEL_VERSION_ID,
  RETRAIN_BASE_MODEL_VERSION_ID,
} from '../../app/seed-models.ts';
import { createPool } from '../../db/pool.ts';
import { getModelVersion } from '../../db/repositories/models.ts';
import { testServices } from '../setup/services.ts';
import { exited } from '../workflows/worker-processes.ts';
import { runCli } from './run-cli.ts';

const dbName = `mmflow_prod_path_${Date.now()}_${process.pid}`;
const taskQueue = `test-prod-path-${process.pid}-${Date.now()}`;
let databaseUrl: string;
let store: string;
let worker: ChildProcess | undefined;

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: testServices().databaseUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const env = (): NodeJS.ProcessEnv => {
  const s = testServices();
  return {
    ...process.env,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: s.temporalAddress,
    TEMPORAL_NAMESPACE: s.namespace,
    MMFLOW_MODEL_STORE: store,
    MMFLOW_LOG_LEVEL: 'error',
  };
};

beforeAll(async () => {
  await admin((c) => c.query(`CREATE DATABASE "${dbName}"`));
  const url = new URL(testServices().databaseUrl);
  url.pathname = `/${dbName}`;
  databaseUrl = url.toString();
  store = await mkdtemp(join(tmpdir(), 'mmflow-prod-models-'));
});

afterAll(async () => {
  if (worker !== undefined && worker.exitCode === null && worker.signalCode === null) {
    worker.kill('SIGTERM');
    await exited(worker);
  }
  await admin((c) => c.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`));
  await rm(store, { recursive: true, force: true });
});

describe('production path: mmflow migrate, mmflow worker, mmflow pipelines run', () => {
  it('migrate on an empty database registers the built-in model versions; a second migrate changes nothing', async () => {
    const first = await runCli(['migrate'], env());
    expect(first.code, first.stderr).toBe(0);
    const out = first.lastJson as { applied: string[]; registeredModels: string[] };
    expect(out.applied.length).toBeGreaterThan(0);
    expect([...out.registeredModels].sort()).toEqual(
      [
        DEFAULT_MODEL_VERSION_ID,
        RETRAIN_BASE_MODEL_VERSION_ID,
        FAIR_VALUE_MODEL_VERSION_ID,
        BASELINE_MODEL_VERSION_ID,
      ].sort(),
    );
    const db = createPool(databaseUrl);
    try {
      for (const id of [DEFAULT_MODEL_VERSION_ID, RETRAIN_BASE_MODEL_VERSION_ID])
        expect((await getModelVersion(db, id))?.status).toBe('champion');
      for (const id of [FAIR_VALUE_MODEL_VERSION_ID, BASELINE_MODEL_VERSION_ID])
        expect((await getModelVersion(db, id))?.status).toBe('candidate');
    } finally {
      await db.end();
    }
    const second = await runCli(['migrate'], env());
    expect(second.code, second.stderr).toBe(0);
    expect(second.lastJson).toEqual({ applied: [], registeredModels: [] });
    expect(second.stdout.trim().split('\n')).toHaveLength(1); // no log lines on stdout
  });

  it('retrain-weekly runs to completion on a worker process and registers a candidate', async () => {
    worker = spawn(
      process.execPath,
      [resolve(repoRoot, 'bin/mmflow.mjs'), 'worker', '--task-queue', taskQueue],
      {
        cwd: repoRoot,
        env: env(),
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    const run = await runCli(
      [
        'pipelines',
        'run',
        'pipelines/retrain-weekly.yaml',
        '--param',
        'nTrials=4',
        '--wait',
        '--task-queue',
        taskQueue,
      ],
      env(),
    );
    expect(run.code, run.stderr).toBe(0);
    const result = (run.lastJson as { result: { outcome: string } }).result;
    expect(result.outcome).toBe('completed');
    const db = createPool(databaseUrl);
    try {
      const candidates = await db.query<{ id: string; parent_id: string | null }>(
        `SELECT id, parent_id FROM model_versions WHERE status = 'candidate' AND name = 'as-v1.5-btcusdt-usdm'`,
      );
      expect(candidates.rows).toHaveLength(1);
      expect(candidates.rows[0]?.parent_id).toBe(RETRAIN_BASE_MODEL_VERSION_ID);
    } finally {
      await db.end();
    }
  }, 600_000);
});
