/**
 * The study workflow on the real Temporal server and PostgreSQL: trials run as activities with at
 * most `parallelism` in flight, are stored, the best trial is re-evaluated out of sample; the same
 * seed gives the same trials (also across Continue-As-New); bad inputs and failing trials are handled.
 */
import type { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { workflowsPath } from '../../app/paths.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getStudy, listFoldEvaluations, listStudyTrials } from '../../db/repositories/studies.ts';
import { studyWorkflow } from '../../workflows/study.ts';
import { studyStatusQuery, type StudyInput, type StudyResult } from '../../workflows/study/definitions.ts';
import { errorChain, startHarness, uniqueId, type Harness } from './harness.ts';
import { studyInput, WINDOWS } from './study-fixtures.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('study');
});
afterAll(async () => {
  await h?.close();
});

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const ignore = (): void => undefined;
const quiet = { log: ignore, trace: ignore, debug: ignore, info: ignore, warn: ignore, error: ignore };

/** The history of each run of a workflow, first to last, following its Continue-As-New chain. */
async function runHistories(
  workflowId: string,
  firstRunId: string,
): Promise<temporal.api.history.v1.IHistory[]> {
  const histories: temporal.api.history.v1.IHistory[] = [];
  for (let runId: string | null | undefined = firstRunId; runId;) {
    const history = await h.client.workflow.getHandle(workflowId, runId).fetchHistory();
    histories.push(history);
    runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  }
  return histories;
}

/** Largest number of evaluateStudyFold activities scheduled and not yet closed, over the history. */
function maxFoldsInFlight(events: readonly HistoryEvent[]): number {
  const open = new Set<string>();
  let max = 0;
  for (const e of events) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s?.activityType?.name === 'evaluateStudyFold') {
      const key = String(e.eventId);
      open.add(key);
      max = Math.max(max, open.size);
    }
    const closed =
      e.activityTaskCompletedEventAttributes?.scheduledEventId ??
      e.activityTaskFailedEventAttributes?.scheduledEventId ??
      e.activityTaskTimedOutEventAttributes?.scheduledEventId;
    if (closed !== undefined && closed !== null) open.delete(String(closed));
  }
  return max;
}

async function runStudy(input: StudyInput): Promise<StudyResult> {
  return h.client.workflow.execute(studyWorkflow, {
    args: [input],
    taskQueue: h.taskQueue,
    workflowId: `study-${input.studyId}`,
  });
}

const sameTrials = (r: StudyResult) => r.trials.map((t) => ({ ...t }));

let first: StudyResult;
let continued: { workflowId: string; runId: string } | undefined;

describe('studyWorkflow', () => {
  it('runs exactly nTrials trials, 2 at most in flight, stores them, and evaluates the best one out of sample', async () => {
    const studyId = uniqueId('st');
    first = await runStudy(studyInput(studyId));
    expect(first.trials.map((t) => t.number)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(first.trials.every((t) => t.state !== 'running')).toBe(true);
    const counts = first.counts;
    expect(counts.complete + counts.pruned + counts.failed + counts.infeasible).toBe(8);

    // Rows in PostgreSQL: one per trial, as the result says.
    const rows = await listStudyTrials(h.db, studyId);
    expect(rows.map((r) => [r.number, r.state, r.value ?? null])).toEqual(
      first.trials.map((t) => [
        t.number,
        t.state,
        t.state === 'pruned' ? (rows[t.number]?.value ?? null) : t.value,
      ]),
    );
    for (const r of rows) {
      expect(r.intermediate.length).toBeGreaterThan(0);
      expect(r.foldKpis.length).toBe(r.intermediate.length);
      expect(r.durationMs).toBeGreaterThanOrEqual(0);
    }
    // The best trial = the feasible complete row with the highest value (ties: lowest number).
    const feasible = rows.filter((r) => r.state === 'complete');
    expect(feasible.length).toBeGreaterThan(0);
    const bestRow = feasible.reduce((b, r) => ((r.value ?? -Infinity) > (b.value ?? -Infinity) ? r : b));
    expect(first.best?.number).toBe(bestRow.number);
    expect(first.best?.value).toBe(bestRow.value);
    expect(first.best?.modelParams).toMatchObject({ model: 'as-v1-alpha', ...bestRow.params });
    // Infeasible trials are marked (violation > 0), never best.
    for (const r of rows.filter((x) => x.state === 'infeasible'))
      expect(r.constraintViolation).toBeGreaterThan(0);

    // In sample: the best trial's folds; out of sample: the holdout minute, separate.
    expect(first.inSample?.trialNumber).toBe(bestRow.number);
    expect(first.inSample?.folds.map((f) => f.foldIndex)).toEqual([0, 1, 2]);
    expect(first.inSample?.folds.map((f) => f.value)).toEqual(bestRow.intermediate.map(([, v]) => v));
    expect(first.outOfSample).toMatchObject({ trialNumber: bestRow.number, windows: 1 });
    expect(first.outOfSample?.kpis.events).toBeGreaterThan(0);
    expect(first.outOfSample?.value).toBe(first.outOfSample?.kpis.netPnlQuote);
    const study = await getStudy(h.db, studyId);
    expect(study).toMatchObject({
      state: 'completed',
      bestTrial: bestRow.number,
      bestValue: bestRow.value,
      workflowId: `study-${studyId}`,
      runId: first.runId,
    });
    expect(study?.outOfSample).toEqual(JSON.parse(JSON.stringify(first.outOfSample)));
    expect(study?.inSample).toEqual(JSON.parse(JSON.stringify(first.inSample)));

    // Each fold evaluation ran once; the holdout is recorded apart.
    const evaluations = await listFoldEvaluations(h.db, studyId);
    expect(evaluations.every((e) => e.executions === 1)).toBe(true);
    expect(evaluations.filter((e) => e.kind === 'validation')).toHaveLength(
      rows.reduce((n, r) => n + r.foldKpis.length, 0),
    );
    expect(evaluations.filter((e) => e.kind === 'holdout').map((e) => e.trialNumber)).toEqual([
      bestRow.number,
    ]);

    // Parallelism bound, read from the history: never more than 2 fold evaluations open at once.
    const histories = await runHistories(`study-${studyId}`, first.runId);
    expect(histories).toHaveLength(1);
    expect(maxFoldsInFlight(histories.flatMap((x) => x.events ?? []))).toBe(2);

    // The status query of the finished study.
    const status = await h.client.workflow.getHandle(`study-${studyId}`).query(studyStatusQuery);
    expect(status).toMatchObject({ studyId, phase: 'completed', nTrials: 8, done: 8, running: [] });
    expect(status.best?.number).toBe(bestRow.number);
  }, 120_000);

  it('is deterministic for a seed: a second study runs the same trials with the same values', async () => {
    const again = await runStudy(studyInput(uniqueId('st')));
    expect(sameTrials(again)).toEqual(sameTrials(first));
    expect(again.best).toEqual(first.best);
    expect(again.outOfSample).toEqual(first.outOfSample);
  }, 120_000);

  it('continues as new under a tiny history limit and runs exactly the same trials', async () => {
    const studyId = uniqueId('st');
    const result = await runStudy(studyInput(studyId, { historyLengthLimit: 40 }));
    continued = { workflowId: `study-${studyId}`, runId: result.runId };
    expect(result.continuedAsNew).toBeGreaterThanOrEqual(2);
    expect(sameTrials(result)).toEqual(sameTrials(first));
    expect(result.best).toEqual(first.best);
    expect(result.inSample).toEqual(first.inSample);
    expect(result.outOfSample).toEqual(first.outOfSample);
  }, 120_000);

  it('replays the histories of every run (Continue-As-New chain) against the current code', async () => {
    if (continued === undefined) throw new Error('needs the Continue-As-New study above');
    const histories = await runHistories(continued.workflowId, continued.runId);
    expect(histories.length).toBeGreaterThanOrEqual(3);
    const workflowBundle = await bundleWorkflowCode({ workflowsPath, logger: quiet });
    for (const history of histories)
      await Worker.runReplayHistory({ workflowBundle, replayName: 'study' }, history, continued.workflowId);
  }, 120_000);

  it('marks trials with invalid model parameters failed with the reason, and fails a study with none scored', async () => {
    const studyId = uniqueId('st');
    const error = await runStudy(
      studyInput(studyId, {
        space: { minSpreadTicks: { type: 'float', low: -3, high: -1 } },
        sampler: { type: 'random', seed: 3 },
        nTrials: 3,
        parallelism: 1,
        maxFailedFraction: 1, // so that all three run: the study fails only for none scored
      }),
    ).then(
      () => 'completed',
      (err: unknown) => errorChain(err),
    );
    expect(error).toContain(`study ${studyId}: no trial could be scored: 3 of 3 trials failed (100.0%)`);
    expect(error).toContain('first reasons: #0: ');
    const rows = await listStudyTrials(h.db, studyId);
    expect(rows).toHaveLength(3);
    for (const r of rows) {
      expect(r.state).toBe('failed');
      expect(r.error).toMatch(/invalid model params: minSpreadTicks: /);
    }
    expect(await listFoldEvaluations(h.db, studyId)).toEqual([]);
    expect((await getStudy(h.db, studyId))?.state).toBe('failed');
  }, 60_000);

  it('fails the study (row marked failed) when a fold cannot be evaluated, e.g. an unknown session', async () => {
    const studyId = uniqueId('st');
    const missing = 'binance-usdm_BTCUSDT_20990101T0000Z-20990101T0010Z';
    const error = await runStudy(
      studyInput(studyId, {
        windows: WINDOWS.map((w) => ({ ...w, sessionId: missing })),
        nTrials: 2,
      }),
    ).then(
      () => undefined,
      (err: unknown) => errorChain(err),
    );
    expect(error).toContain(`study ${studyId}: `);
    expect(error).toContain(`no recorded session "${missing}"`);
    expect((await getStudy(h.db, studyId))?.state).toBe('failed');
    expect(await listStudyTrials(h.db, studyId)).toEqual([]);
  }, 60_000);

  it('rejects a bad input before any activity, naming every bad field', async () => {
    const studyId = uniqueId('st');
    const bad = studyInput(studyId, {
      space: { gamma: { type: 'float', low: 1, high: 0 }, kappa: { type: 'float', low: 0, high: 1 } },
      sampler: { type: 'tpe' },
      nTrials: 0,
    });
    const error = await runStudy(bad).then(
      () => undefined,
      (err: unknown) => err,
    );
    const chain = errorChain(error);
    expect(chain).toContain('invalid study input: nTrials: ');
    const partly = await runStudy(
      studyInput(uniqueId('st'), {
        space: { kappa: { type: 'float', low: 0, high: 1 } },
        sampler: { type: 'tpe' },
        walkForward: {
          scheme: 'expanding',
          trainWindows: 1,
          gapWindows: 0,
          validationWindows: 1,
          holdoutWindows: 1,
          folds: 9,
        },
      }),
    ).then(
      () => undefined,
      (err: unknown) => errorChain(err),
    );
    expect(partly).toContain('space.kappa: not a parameter of model as-v1-alpha (baseParams)');
    expect(partly).toContain('sampler.seed: ');
    expect(partly).toContain('walk-forward needs 11 windows for 9 fold(s)');
    expect(await getStudy(h.db, studyId)).toBeUndefined();
  }, 60_000);
});
