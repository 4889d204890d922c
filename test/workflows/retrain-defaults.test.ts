/**
 * The weekly retraining pipeline exactly as shipped: `pipelines/retrain-weekly.yaml` with NO params
 * (its defaults: 40 trials, parallelism 2), on the real recorded data, the real Temporal server and
 * PostgreSQL, to completion. Fails when the shipped defaults fail — e.g. a study stopped by one trial
 * whose parameters make a backtest throw (such a trial must be stored as failed, with its reason).
 * Slow (minutes): it runs the whole study; its duration is printed.
 */
import type { Client } from '@temporalio/client';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getModelVersion } from '../../db/repositories/models.ts';
import { getStudy, listStudyTrials } from '../../db/repositories/studies.ts';
import { pipelineWorkflow } from '../../workflows/index.ts';
import { startHarness, uniqueId, type Harness } from './harness.ts';

const DEFAULT_TRIALS = 40;

let h: Harness;
let db: Pool;
let client: Client;
let store: string;
const previousStore = process.env['MMFLOW_MODEL_STORE'];

beforeAll(async () => {
  store = await mkdtemp(join(tmpdir(), 'mmflow-models-'));
  process.env['MMFLOW_MODEL_STORE'] = store; // read by the activities at call time
  h = await startHarness('retrain-defaults');
  ({ db, client } = h);
});

afterAll(async () => {
  await h?.close();
  if (previousStore === undefined) delete process.env['MMFLOW_MODEL_STORE'];
  else process.env['MMFLOW_MODEL_STORE'] = previousStore;
  await rm(store, { recursive: true, force: true });
});

type Outputs = Record<string, unknown>;
const outputsOf = (steps: readonly { id: string; outputs: unknown }[], id: string): Outputs => {
  const step = steps.find((s) => s.id === id);
  if (step === undefined || step.outputs === null || typeof step.outputs !== 'object')
    throw new Error(`step ${id} has no outputs`);
  return step.outputs as Outputs;
};

describe('retrain-weekly with its shipped defaults', () => {
  it(
    `runs ${DEFAULT_TRIALS} trials to completion and registers a candidate`,
    async () => {
      const workflowId = uniqueId('retrain-defaults');
      const startedAt = Date.now();
      const result = await client.workflow.execute(pipelineWorkflow, {
        args: [{ file: 'pipelines/retrain-weekly.yaml' }],
        taskQueue: h.taskQueue,
        workflowId,
      });
      const elapsedS = (Date.now() - startedAt) / 1000;
      expect(result.outcome).toBe('completed');
      expect(result.steps.map((s) => [s.id, s.status])).toEqual([
        ['quality', 'completed'],
        ['calibrate', 'completed'],
        ['study', 'completed'],
        ['alpha', 'completed'],
        ['evaluate', 'completed'],
        ['register', 'completed'],
      ]);

      const studyId = `${workflowId}.study`;
      const study = outputsOf(result.steps, 'study');
      expect(study['trials']).toBe(DEFAULT_TRIALS);
      const counts = {
        complete: Number(study['complete']),
        infeasible: Number(study['infeasible']),
        pruned: Number(study['pruned']),
        failed: Number(study['failed']),
      };
      expect(counts.complete + counts.infeasible + counts.pruned + counts.failed).toBe(DEFAULT_TRIALS);
      expect(counts.failed / DEFAULT_TRIALS).toBeLessThanOrEqual(0.5); // the YAML's maxFailedFraction
      expect(study['bestTrial']).not.toBeNull();

      const rows = await listStudyTrials(db, studyId);
      expect(rows.map((r) => r.number)).toEqual(Array.from({ length: DEFAULT_TRIALS }, (_, i) => i));
      const byState = (s: string) => rows.filter((r) => r.state === s).length;
      expect({
        complete: byState('complete'),
        infeasible: byState('infeasible'),
        pruned: byState('pruned'),
        failed: byState('failed'),
      }).toEqual(counts);
      for (const r of rows.filter((x) => x.state === 'failed')) expect(r.error ?? '').not.toBe('');
      expect((await getStudy(db, studyId))?.state).toBe('completed');

      const id = String(outputsOf(result.steps, 'register')['modelVersionId']);
      expect((await getModelVersion(db, id))?.status).toBe('candidate');

      const firstFailure = rows.find((r) => r.state === 'failed')?.error;
      process.stdout.write(
        `retrain-weekly defaults: ${elapsedS.toFixed(0)} s, trials ${JSON.stringify(counts)}` +
          `${firstFailure === undefined ? '' : `, e.g. failed: ${firstFailure}`}\n`,
      );
    },
    60 * 60_000,
  );
});
