/**
 * `mmflow study show` reads every shape of `studies.in_sample` / `out_of_sample` a writer stored: the
 * current workflow's (with the walk-forward refit: `refittedKPerTick` in each fold and on the holdout),
 * an older writer's (no refit keys), and a newer writer's (keys this reader does not know). The study is
 * run by the real workflow; the older and newer shapes are that study's row copied and edited in SQL.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getStudy } from '../../db/repositories/studies.ts';
import { studyWorkflow } from '../../workflows/study.ts';
import type { StudyResult } from '../../workflows/study/definitions.ts';
import { testServices } from '../setup/services.ts';
import { startHarness, uniqueId, type Harness } from '../workflows/harness.ts';
import { studyInput } from '../workflows/study-fixtures.ts';
import { runCli } from './run-cli.ts';

let h: Harness;
const studyId = uniqueId('cli-shapes');
let result: StudyResult;

const env = (): NodeJS.ProcessEnv => {
  const s = testServices();
  return {
    ...process.env,
    DATABASE_URL: s.databaseUrl,
    TEMPORAL_ADDRESS: s.temporalAddress,
    TEMPORAL_NAMESPACE: s.namespace,
    MMFLOW_LOG_LEVEL: 'error',
  };
};

interface ShowJson {
  study: { id: string; state: string };
  trials: { number: number; state: string }[];
  inSample: { folds: Record<string, unknown>[] } & Record<string, unknown>;
  outOfSample: Record<string, unknown>;
}

/** A copy of the study's row (and trials) under `copyId`, then `edit` (SQL on that row) applied. */
async function copyStudy(copyId: string, edit: string): Promise<void> {
  const cols = `name, direction, space, sampler, pruner, objective, base_params, n_trials, parallelism, folds,
    holdout, workflow_id, run_id, state, best_trial, best_value, in_sample, out_of_sample, continued_as_new,
    created_at, finished_at`;
  await h.db.query(`INSERT INTO studies (id, ${cols}) SELECT $2, ${cols} FROM studies WHERE id = $1`, [
    studyId,
    copyId,
  ]);
  const trialCols = `number, params, state, value, intermediate, constraint_violation, fold_kpis, error, started_at,
    duration_ms`;
  await h.db.query(
    `INSERT INTO study_trials (study_id, ${trialCols}) SELECT $2, ${trialCols} FROM study_trials WHERE study_id = $1`,
    [studyId, copyId],
  );
  await h.db.query(`UPDATE studies SET ${edit} WHERE id = $1`, [copyId]);
}

beforeAll(async () => {
  h = await startHarness('study-shapes');
  // The space does not search kPerTick, so each fold's k is refitted on its train windows (the
  // default); no constraint and no pruner, so every trial completes and there is a best trial.
  result = await h.client.workflow.execute(studyWorkflow, {
    args: [
      studyInput(studyId, {
        space: {
          gamma: { type: 'float', low: 1e-8, high: 1e-5, log: true },
          betaOfiTicks: { type: 'float', low: -1, high: 1 },
        },
        nTrials: 3,
        objective: { metric: 'netPnlQuote', direction: 'maximize' },
        pruner: { type: 'none' },
      }),
    ],
    taskQueue: h.taskQueue,
    workflowId: `study-${studyId}`,
  });
}, 180_000);

afterAll(async () => {
  await h?.close();
});

describe('mmflow study show on stored shapes', () => {
  it('the workflow stored refitted k in every fold and on the holdout (the shape that broke the reader)', async () => {
    const row = await getStudy(h.db, studyId);
    const folds = (row?.inSample?.['folds'] ?? []) as Record<string, unknown>[];
    expect(folds.length).toBe(3);
    for (const f of folds) expect(f['refittedKPerTick']).toBeGreaterThan(0);
    expect(row?.outOfSample?.['refittedKPerTick']).toBeGreaterThan(0);
  });

  it('prints the trials table, the best trial in and out of sample, and the refitted k', async () => {
    const run = await runCli(['study', 'show', studyId], env());
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain(`study ${studyId} "test/study" — completed`);
    for (const t of result.trials) expect(run.stdout).toMatch(new RegExp(`│ ${t.number}\\s+│ ${t.state}`));
    expect(run.stdout).toContain(`best trial #${result.best?.number}: netPnlQuote = `);
    expect(run.stdout).toContain('out-of-sample (holdout)');
    expect(run.stdout).toMatch(/│ k refitted \(1\/tick\)\s+│ \d/);
  });

  it('--json gives the stored reports as the workflow returned them, refitted k included', async () => {
    const run = await runCli(['study', 'show', studyId, '--json'], env());
    expect(run.code, run.stderr).toBe(0);
    const json = run.lastJson as ShowJson;
    expect(json.trials.map((t) => [t.number, t.state])).toEqual(
      result.trials.map((t) => [t.number, t.state]),
    );
    expect(json.inSample).toEqual(JSON.parse(JSON.stringify(result.inSample)));
    expect(json.outOfSample).toEqual(JSON.parse(JSON.stringify(result.outOfSample)));
    expect(json.inSample.folds.every((f) => typeof f['refittedKPerTick'] === 'number')).toBe(true);
  });

  it('--plot writes the HTML page', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'mmflow-study-shapes-')), 'study.html');
    const run = await runCli(['study', 'show', studyId, '--plot', file], env());
    expect(run.code, run.stderr).toBe(0);
    const html = await readFile(file, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain('Optimisation history (netPnlQuote, maximize)');
  });

  it('reads a study stored before the walk-forward refit (no refittedKPerTick anywhere)', async () => {
    const oldId = `${studyId}-old`;
    await copyStudy(
      oldId,
      `in_sample = jsonb_set(in_sample, '{folds}',
         (SELECT jsonb_agg(f - 'refittedKPerTick' ORDER BY ord) FROM jsonb_array_elements(in_sample->'folds')
            WITH ORDINALITY AS x(f, ord))),
       out_of_sample = out_of_sample - 'refittedKPerTick'`,
    );
    const text = await runCli(['study', 'show', oldId], env());
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`best trial #${result.best?.number}: netPnlQuote = `);
    expect(text.stdout).not.toContain('k refitted');
    const json = (await runCli(['study', 'show', oldId, '--json'], env())).lastJson as ShowJson;
    expect(json.inSample.folds).toHaveLength(3);
    for (const f of json.inSample.folds) expect(f).not.toHaveProperty('refittedKPerTick');
    expect(json.outOfSample).not.toHaveProperty('refittedKPerTick');
    expect(json.outOfSample['kpis']).toEqual(result.outOfSample?.kpis);
  });

  it('reads a study stored by a newer writer (unknown keys at every level) and passes them through', async () => {
    const newId = `${studyId}-new`;
    await copyStudy(
      newId,
      `in_sample = jsonb_set(jsonb_set(jsonb_set(in_sample, '{addedLater}', '"in-sample"'),
         '{folds,0,addedLater}', '{"nested": true}'), '{folds,1,kpis,addedKpi}', '1.5'),
       out_of_sample = jsonb_set(jsonb_set(out_of_sample, '{skipped}', '[{"trialNumber": 9, "reason": "x"}]'),
         '{kpis,addedKpi}', 'null'),
       objective = jsonb_set(objective, '{addedLater}', '1')`,
    );
    const text = await runCli(['study', 'show', newId], env());
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('out-of-sample (holdout)');
    const json = (await runCli(['study', 'show', newId, '--json'], env())).lastJson as ShowJson;
    expect(json.inSample['addedLater']).toBe('in-sample');
    expect(json.inSample.folds[0]?.['addedLater']).toEqual({ nested: true });
    expect(json.inSample.folds[1]?.['kpis']).toMatchObject({ addedKpi: 1.5 });
    expect(json.outOfSample['skipped']).toEqual([{ trialNumber: 9, reason: 'x' }]);
    expect(json.outOfSample['refittedKPerTick']).toBe(result.outOfSample?.refittedKPerTick);
  });

  it('still refuses a stored report whose known fields have the wrong type, naming the column', async () => {
    const badId = `${studyId}-bad`;
    await copyStudy(badId, `out_of_sample = jsonb_set(out_of_sample, '{windows}', '"three"')`);
    const run = await runCli(['study', 'show', badId], env());
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`studies ${badId} out_of_sample`);
    expect(run.stderr).toContain('windows');
  });
});
