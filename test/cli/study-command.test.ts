/**
 * `mmflow study show` as a user runs it, on a study run by the real workflow: `--follow` shows the
 * progress until the study ends, then the table; `--json` the same figures as the workflow's result;
 * `--plot` a self-contained HTML page with two inline SVG charts; an unknown id fails.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getStudy } from '../../db/repositories/studies.ts';
import { studyWorkflow } from '../../workflows/study.ts';
import type { StudyResult } from '../../workflows/study/definitions.ts';
import { testServices } from '../setup/services.ts';
import { eventually, startHarness, uniqueId, type Harness } from '../workflows/harness.ts';
import { studyInput } from '../workflows/study-fixtures.ts';
import { runCli } from './run-cli.ts';

let h: Harness;
const studyId = uniqueId('cli-study');
let result: StudyResult;
let followed: Awaited<ReturnType<typeof runCli>>;

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

beforeAll(async () => {
  h = await startHarness('study-cli');
  const handle = await h.client.workflow.start(studyWorkflow, {
    // No constraint and no pruner: every trial completes, so there are importances to show.
    args: [
      studyInput(studyId, {
        nTrials: 6,
        objective: { metric: 'netPnlQuote', direction: 'maximize' },
        pruner: { type: 'none' },
      }),
    ],
    taskQueue: h.taskQueue,
    workflowId: `study-${studyId}`,
  });
  await eventually('the study row', () => getStudy(h.db, studyId), 60_000);
  // Follow while it runs: the command returns once the workflow has ended.
  [followed, result] = await Promise.all([
    runCli(['study', 'show', studyId, '--follow'], env()),
    handle.result(),
  ]);
}, 180_000);

afterAll(async () => {
  await h?.close();
});

describe('mmflow study show', () => {
  it('--follow waits for the end, then prints the trials table and the best trial in and out of sample', () => {
    expect(followed.code, followed.stderr).toBe(0);
    const out = followed.stdout;
    expect(out).toContain(`study ${studyId} "test/study" — completed`);
    for (const t of result.trials) expect(out).toMatch(new RegExp(`│ ${t.number}\\s+│ ${t.state}`));
    expect(out).toContain(`best trial #${result.best?.number}: netPnlQuote = `);
    expect(out).toContain('out-of-sample (holdout)');
    expect(out).toContain('parameter importances (PED-ANOVA): ');
  });

  it('--json gives the figures of the workflow result', async () => {
    const run = await runCli(['study', 'show', studyId, '--json'], env());
    expect(run.code, run.stderr).toBe(0);
    const json = run.lastJson as {
      study: { id: string; state: string; nTrials: number };
      trials: { number: number; state: string; value: number | null; params: object }[];
      best: { number: number; value: number } | null;
      inSample: unknown;
      outOfSample: unknown;
      importances: { param: string; importance: number }[];
    };
    expect(json.study).toMatchObject({ id: studyId, state: 'completed', nTrials: 6 });
    expect(json.trials.map((t) => [t.number, t.state, t.params])).toEqual(
      result.trials.map((t) => [t.number, t.state, t.params]),
    );
    expect(json.best).toEqual({ number: result.best?.number, value: result.best?.value });
    expect(json.inSample).toEqual(JSON.parse(JSON.stringify(result.inSample)));
    expect(json.outOfSample).toEqual(JSON.parse(JSON.stringify(result.outOfSample)));
    expect(json.importances.map((i) => i.param).sort()).toEqual(['betaOfiTicks', 'gamma', 'kPerTick']);
    expect(json.importances.reduce((s, i) => s + i.importance, 0)).toBeCloseTo(1, 9);
  });

  it('--plot writes a self-contained HTML page with the history and importances as inline SVG', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'mmflow-study-')), 'study.html');
    const run = await runCli(['study', 'show', studyId, '--plot', file], env());
    expect(run.code, run.stderr).toBe(0);
    const html = await readFile(file, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain('Optimisation history (netPnlQuote, maximize)');
    expect(html).not.toMatch(/<script|cdn\.|unpkg|jsdelivr/);
  });

  it('fails with a non-zero exit code for an unknown study id', async () => {
    const run = await runCli(['study', 'show', 'no-such-study'], env());
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no study "no-such-study"');
    expect(run.stdout).toBe('');
  });
});
