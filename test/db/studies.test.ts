import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../db/pool.ts';
import {
  createStudy,
  finishStudy,
  getStudy,
  listFoldEvaluations,
  listStudies,
  listStudyTrials,
  saveFoldEvaluation,
  saveStudyTrial,
  type StudyRowInput,
} from '../../db/repositories/studies.ts';
import { testServices } from '../setup/services.ts';

let pool: Pool;
beforeAll(() => {
  pool = createPool(testServices().databaseUrl);
});
afterAll(async () => {
  await pool.end();
});

const studyRow = (id: string, workflowId = `wf-${id}`): StudyRowInput => ({
  id,
  name: 'test/studies-repo',
  direction: 'maximize',
  space: { gamma: { type: 'float', low: 1e-8, high: 1e-5, log: true } },
  sampler: { type: 'tpe', seed: 1 },
  pruner: { type: 'median' },
  objective: { metric: 'sharpe', direction: 'maximize', aggregate: 'mean', constraints: [] },
  baseParams: { model: 'as-v1-alpha', gamma: 2e-7 },
  nTrials: 3,
  parallelism: 2,
  folds: [{ index: 0, train: [], validation: [{ sessionId: 's', startUs: 0, endUs: 60_000_000 }] }],
  holdout: [{ sessionId: 's', startUs: 60_000_000, endUs: 120_000_000 }],
  workflowId,
  runId: 'run-1',
});

describe('studies repository', () => {
  it('creates a study once per workflow, and refuses its id to another workflow', async () => {
    const id = `study-repo-${Date.now()}`;
    expect(await createStudy(pool, studyRow(id))).toEqual({ created: true });
    expect(await createStudy(pool, studyRow(id))).toEqual({ created: false });
    await expect(createStudy(pool, studyRow(id, 'another-workflow'))).rejects.toThrow(
      `study id "${id}" already belongs to workflow wf-${id}`,
    );
    const stored = await getStudy(pool, id);
    expect(stored).toMatchObject({
      id,
      state: 'running',
      nTrials: 3,
      parallelism: 2,
      bestTrial: undefined,
      finishedAtMs: undefined,
      continuedAsNew: 0,
    });
    expect(stored?.folds).toEqual(studyRow(id).folds);
    expect((await listStudies(pool, { name: 'test/studies-repo' })).map((s) => s.id)).toContain(id);
  });

  it('upserts trials by (study, number), checks state/value/error coherence, and lists them in order', async () => {
    const id = `study-trials-${Date.now()}`;
    await createStudy(pool, studyRow(id));
    const trial = {
      studyId: id,
      number: 1,
      params: { gamma: 1e-6 },
      state: 'complete' as const,
      value: 1.5,
      intermediate: [[0, 1.5]] as [number, number][],
      constraintViolation: 0,
      foldKpis: [{ foldIndex: 0, value: 1.5, violation: 0, kpis: { sharpe: 1.5 } }],
      startedAtMs: 1_700_000_000_000,
      durationMs: 1234,
    };
    expect(await saveStudyTrial(pool, trial)).toEqual({ inserted: true });
    expect(await saveStudyTrial(pool, { ...trial, value: 1.75 })).toEqual({ inserted: false });
    await saveStudyTrial(pool, {
      ...trial,
      number: 0,
      state: 'failed',
      value: undefined,
      error: 'fold 0: sharpe is undefined',
    });
    await saveStudyTrial(pool, { ...trial, number: 2, state: 'pruned', value: undefined });
    const trials = await listStudyTrials(pool, id);
    expect(trials.map((t) => [t.number, t.state, t.value, t.error])).toEqual([
      [0, 'failed', undefined, 'fold 0: sharpe is undefined'],
      [1, 'complete', 1.75, undefined],
      [2, 'pruned', undefined, undefined],
    ]);
    expect(trials[1]).toMatchObject({
      intermediate: [[0, 1.5]],
      startedAtMs: 1_700_000_000_000,
      durationMs: 1234,
    });
    await expect(saveStudyTrial(pool, { ...trial, number: 3, value: undefined })).rejects.toThrow(
      /a value is required for complete and infeasible trials[\s\S]*at value/,
    );
    await expect(
      saveStudyTrial(pool, { ...trial, number: 3, state: 'failed', value: undefined }),
    ).rejects.toThrow(/an error is required for failed trials[\s\S]*at error/);
    await expect(saveStudyTrial(pool, { ...trial, studyId: 'no-such-study' })).rejects.toThrow(
      /study_trials_study_fkey/,
    );
  });

  it('counts executions of a fold evaluation written twice', async () => {
    const id = `study-folds-${Date.now()}`;
    await createStudy(pool, studyRow(id));
    const evaluation = {
      studyId: id,
      trialNumber: 0,
      kind: 'validation' as const,
      foldIndex: 0,
      attempt: 1,
      kpis: { sharpe: 2 },
      value: 2,
      violation: 0,
      durationMs: 10,
    };
    await saveFoldEvaluation(pool, evaluation);
    await saveFoldEvaluation(pool, { ...evaluation, foldIndex: 1 });
    await saveFoldEvaluation(pool, { ...evaluation, foldIndex: 1, attempt: 2 });
    await saveFoldEvaluation(pool, { ...evaluation, kind: 'holdout' });
    const rows = await listFoldEvaluations(pool, id);
    expect(rows.map((r) => [r.kind, r.foldIndex, r.executions, r.attempt])).toEqual([
      ['holdout', 0, 1, 1],
      ['validation', 0, 1, 1],
      ['validation', 1, 2, 2],
    ]);
  });

  it('finishes a study with its best trial and reports, and refuses an unknown id', async () => {
    const id = `study-finish-${Date.now()}`;
    await createStudy(pool, studyRow(id));
    await finishStudy(pool, {
      id,
      state: 'completed',
      bestTrial: 1,
      bestValue: 1.75,
      inSample: { trialNumber: 1, value: 1.75 },
      outOfSample: { trialNumber: 1, value: 0.5 },
      continuedAsNew: 2,
    });
    const done = await getStudy(pool, id);
    expect(done).toMatchObject({
      state: 'completed',
      bestTrial: 1,
      bestValue: 1.75,
      inSample: { trialNumber: 1, value: 1.75 },
      outOfSample: { trialNumber: 1, value: 0.5 },
      continuedAsNew: 2,
    });
    expect(done?.finishedAtMs).toBeGreaterThan(0);
    await expect(
      finishStudy(pool, { id, state: 'completed', bestTrial: 1, continuedAsNew: 0 }),
    ).rejects.toThrow(/bestTrial and bestValue go together[\s\S]*at bestValue/);
    await expect(finishStudy(pool, { id: 'nope', state: 'failed', continuedAsNew: 0 })).rejects.toThrow(
      'no study "nope" to finish',
    );
  });
});
