/**
 * A worker killed with SIGKILL in the middle of a study, then replaced, finishes the study with exactly
 * nTrials trials: the worker runs as its own process (`mmflow worker --task-queue …`), is killed once
 * a few trials are stored, and a new worker process replays the workflow. No trial number is
 * duplicated, no activity is scheduled twice, and no fold evaluation that had finished ran again.
 */
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import type { ChildProcess } from 'node:child_process';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getStudy, listFoldEvaluations, listStudyTrials } from '../../db/repositories/studies.ts';
import { studyWorkflow } from '../../workflows/study.ts';
import { exited, workerProcesses, type WorkerProcesses } from './worker-processes.ts';
import { eventually, uniqueId } from './harness.ts';
import { studyInput } from './study-fixtures.ts';

let w: WorkerProcesses;
let client: Client;
let db: Pool;
let taskQueue: string;
const startWorker = (): ChildProcess => w.start();

beforeAll(async () => {
  w = await workerProcesses('study-crash');
  ({ client, db, taskQueue } = w);
});

afterAll(async () => {
  await w?.close();
});

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

describe('worker killed mid-study', () => {
  it('resumes on a new worker and ends with exactly nTrials trials, none repeated', async () => {
    const studyId = uniqueId('crash');
    const workflowId = `study-${studyId}`;
    const nTrials = 10;
    const handle = await client.workflow.start(studyWorkflow, {
      args: [studyInput(studyId, { nTrials, parallelism: 2 })],
      taskQueue,
      workflowId,
    });

    const first = startWorker();
    const storedBeforeKill = await eventually(
      'three trials stored',
      async () => {
        const n = (await listStudyTrials(db, studyId)).length;
        return n >= 3 ? n : undefined;
      },
      120_000,
    );
    first.kill('SIGKILL');
    await exited(first);
    expect(storedBeforeKill).toBeLessThan(nTrials);

    startWorker();
    const result = await handle.result();

    // Exactly nTrials trials, numbered 0…n−1, once each, in the result and in PostgreSQL.
    expect(result.trials.map((t) => t.number)).toEqual([...Array(nTrials).keys()]);
    const rows = await listStudyTrials(db, studyId);
    expect(rows.map((r) => r.number)).toEqual([...Array(nTrials).keys()]);
    expect(rows.map((r) => r.state)).toEqual(result.trials.map((t) => t.state));
    expect((await getStudy(db, studyId))?.state).toBe('completed');
    expect(result.outOfSample?.trialNumber).toBe(result.best?.number);

    // Two worker processes completed workflow tasks (the second one replayed the history).
    const events: HistoryEvent[] = (await handle.fetchHistory()).events ?? [];
    const identities = new Set(
      events.map((e) => e.workflowTaskCompletedEventAttributes?.identity).filter(Boolean),
    );
    expect(identities.size).toBe(2);

    // Every activity (fold-<trial>-<fold>, holdout-<trial>, bookkeeping) was scheduled once: a replay
    // does not schedule completed work again; an interrupted activity is retried under the same id.
    const scheduled = events
      .map((e) => e.activityTaskScheduledEventAttributes)
      .filter((a) => a !== null && a !== undefined);
    const folds = scheduled
      .filter((a) => a.activityType?.name === 'evaluateStudyFold')
      .map((a) => a.activityId);
    expect(new Set(folds).size).toBe(folds.length);
    expect(folds.length).toBe(rows.reduce((n, r) => n + r.foldKpis.length, 0));
    const saves = scheduled.filter((a) => a.activityType?.name === 'saveStudyTrial');
    expect(saves).toHaveLength(nTrials);

    // No fold evaluation that had finished ran again: an evaluation completed on its first attempt was
    // written once (a retried one — in flight at the kill — may show its attempt number).
    const evaluations = await listFoldEvaluations(db, studyId);
    for (const e of evaluations) {
      if (e.attempt === 1) expect(e.executions).toBe(1);
      else expect(e.executions).toBeLessThanOrEqual(e.attempt);
    }
    expect(evaluations.filter((e) => e.kind === 'validation')).toHaveLength(folds.length);

    // And the crash changed nothing: an uninterrupted study of the same input runs the same trials.
    const reference = await client.workflow.execute(studyWorkflow, {
      args: [studyInput(`${studyId}-ref`, { nTrials, parallelism: 2 })],
      taskQueue,
      workflowId: `${workflowId}-ref`,
    });
    expect(reference.trials).toEqual(result.trials);
    expect(reference.outOfSample).toEqual(result.outOfSample);
  }, 240_000);
});
