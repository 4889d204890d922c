/**
 * Failed trials on the real Temporal server and PostgreSQL: the real study activities, whose
 * backtest (their dependency seam) replays chosen trials with params the core refuses while
 * replaying — an error of the evaluation itself, as the quoter's RangeError was. Such trials are stored as failed with their
 * reason and the study goes on; past `maxFailedFraction`, or with no trial scored, the study fails
 * with a message naming the count, the limit and the first reasons; a failed holdout evaluation moves
 * the holdout to the next best trial; an infrastructure failure (the evaluation's database write) is
 * retried by the activity, never recorded as a failed trial. Plus the YAML's `maxFailedFraction` check.
 */
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { createPool } from '../../db/pool.ts';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.ts';
import { evaluateStudyFold, evaluateStudyHoldout } from '../../activities/study.ts';
import { backtestWindows } from '../../activities/study-backtest.ts';
import { createLogger } from '../../app/logger.ts';
import { dataDir, workflowsPath } from '../../app/paths.ts';
import { getStudy, listFoldEvaluations, listStudyTrials } from '../../db/repositories/studies.ts';
import { PipelineValidationError, formatIssue } from '../../pipeline-dsl/errors.ts';
import { compilePipeline } from '../../pipeline-dsl/load.ts';
import { studyWorkflow } from '../../workflows/study.ts';
import type { StudyInput, StudyResult } from '../../workflows/study/definitions.ts';
import { testServices } from '../setup/services.ts';
import { errorChain, uniqueId } from './harness.ts';
import { SESSION, studyInput } from './study-fixtures.ts';

/** What the injected backtest does, per study (keyed by study id). */
interface Faults {
  /** Trials whose fold evaluations throw (as a parameter-tied core error). */
  readonly failTrials?: (trial: number) => boolean;
  /** How many holdout evaluations throw before one runs. */
  holdoutFailures?: number;
  /** How many writes of fold evaluations fail with a lost connection before they succeed. */
  dbWriteFailures?: number;
}
const faults = new Map<string, Faults>();

let db: Pool;
let client: Client;
let worker: Worker;
let running: Promise<void>;
let workerConnection: NativeConnection;
let connection: Connection;
let taskQueue: string;

/**
 * The real backtest; for the trials and holdouts the study's faults name, the real backtest of params
 * the core refuses while replaying (quoteSizeLots 0: the backtester's validation throws), so the
 * failure goes through the real classification of ./activities/study-backtest.ts.
 */
const backtest: typeof backtestWindows = async (dir, windows, opts, failure, heartbeat) => {
  const f = faults.get(String(failure.details['studyId']));
  const holdout = failure.where.endsWith(' holdout');
  let fail = false;
  if (holdout && f?.holdoutFailures !== undefined && f.holdoutFailures > 0) {
    f.holdoutFailures -= 1;
    fail = true;
  } else if (!holdout) fail = f?.failTrials?.(Number(failure.details['trial'])) === true;
  const params = fail ? { ...opts.params, quoteSizeLots: 0 } : opts.params;
  return backtestWindows(dir, windows, { ...opts, params }, failure, heartbeat);
};

/** A pool whose fold-evaluation inserts fail (ECONNRESET) while the study's fault count lasts. */
function flakyPool(pool: Pool): Pool {
  return new Proxy(pool, {
    get(target, prop, receiver) {
      if (prop !== 'query') return Reflect.get(target, prop, receiver);
      return (text: unknown, values?: unknown[]) => {
        if (typeof text === 'string' && text.includes('INSERT INTO study_fold_evaluations')) {
          const f = faults.get(String(values?.[0]));
          if (f?.dbWriteFailures !== undefined && f.dbWriteFailures > 0) {
            f.dbWriteFailures -= 1;
            const err = new Error('read ECONNRESET') as Error & { code: string; syscall: string };
            err.code = 'ECONNRESET';
            err.syscall = 'read';
            return Promise.reject(err);
          }
        }
        return target.query(text as string, values);
      };
    },
  });
}

beforeAll(async () => {
  const services = testServices();
  db = createPool(services.databaseUrl);
  taskQueue = `test-study-failures-${process.pid}-${Date.now()}`;
  const deps = { db: flakyPool(db), dataDir: dataDir(), log: createLogger('test', 'error') };
  const ignore = (): void => undefined;
  const quiet = { log: ignore, trace: ignore, debug: ignore, info: ignore, warn: ignore, error: ignore };
  workerConnection = await NativeConnection.connect({ address: services.temporalAddress });
  worker = await Worker.create({
    connection: workerConnection,
    namespace: services.namespace,
    taskQueue,
    workflowBundle: await bundleWorkflowCode({ workflowsPath, logger: quiet }),
    activities: {
      ...createActivities(deps),
      evaluateStudyFold: (req: Parameters<typeof evaluateStudyFold>[1]) =>
        evaluateStudyFold(deps, req, backtest),
      evaluateStudyHoldout: (req: Parameters<typeof evaluateStudyHoldout>[1]) =>
        evaluateStudyHoldout(deps, req, backtest),
    },
  });
  running = worker.run();
  connection = await Connection.connect({ address: services.temporalAddress });
  client = new Client({ connection, namespace: services.namespace });
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await workerConnection?.close();
  await connection?.close();
  await db?.end();
});

function runStudy(input: StudyInput, f: Faults): Promise<StudyResult> {
  faults.set(input.studyId, f);
  return client.workflow.execute(studyWorkflow, {
    args: [input],
    taskQueue,
    workflowId: `study-${input.studyId}`,
  });
}

const failedChain = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'completed',
    (err: unknown) => errorChain(err),
  );

describe('failed trials', () => {
  it('stores trials whose evaluation throws as failed, with the reason, and completes the study', async () => {
    const studyId = uniqueId('stf');
    const result = await runStudy(studyInput(studyId), {
      failTrials: (n) => n === 3 || n === 6,
    });
    expect(result.trials.filter((t) => t.state === 'failed').map((t) => t.number)).toEqual([3, 6]);
    expect(result.counts.failed).toBe(2);
    expect(result.best).not.toBeNull();
    expect(result.outOfSample?.trialNumber).toBe(result.best?.number);
    const rows = await listStudyTrials(db, studyId);
    expect(rows).toHaveLength(8);
    for (const n of [3, 6]) {
      const row = rows[n];
      expect(row?.state).toBe('failed');
      expect(row?.error).toContain(`study ${studyId} trial ${n} fold 0: backtest of `);
      expect(row?.error).toContain('ZodError: quoteSizeLots: ');
      expect(row?.foldKpis).toHaveLength(1);
    }
    const evaluations = await listFoldEvaluations(db, studyId);
    const failed = evaluations.filter((e) => e.error?.includes('ZodError') === true);
    expect(failed.map((e) => [e.trialNumber, e.foldIndex, e.attempt])).toEqual([
      [3, 0, 1],
      [6, 0, 1],
    ]);
    expect((await getStudy(db, studyId))?.state).toBe('completed');
  }, 120_000);

  it('fails the study past maxFailedFraction, naming the count, the limit and the first reasons', async () => {
    const studyId = uniqueId('stf');
    const error = await failedChain(
      runStudy(studyInput(studyId, { nTrials: 8, maxFailedFraction: 0.2 }), {
        failTrials: (n) => n % 2 === 1,
      }),
    );
    expect(error).toMatch(
      new RegExp(
        `study ${studyId}: \\d of 8 trials failed \\(\\d+\\.\\d%\\) after \\d finished, above maxFailedFraction 0\\.2`,
      ),
    );
    expect(error).toContain('first reasons: #1: ');
    expect(error).toContain('quoteSizeLots');
    expect((await getStudy(db, studyId))?.state).toBe('failed');
    // It stopped asking once the limit was out of reach: 2 failed of 8 > 0.2 after at most 5 trials.
    expect((await listStudyTrials(db, studyId)).length).toBeLessThan(8);
  }, 120_000);

  it('fails the study when no trial can be scored', async () => {
    const studyId = uniqueId('stf');
    const error = await failedChain(
      runStudy(studyInput(studyId, { nTrials: 2, parallelism: 1, maxFailedFraction: 1 }), {
        failTrials: () => true,
      }),
    );
    expect(error).toContain(`study ${studyId}: no trial could be scored: 2 of 2 trials failed (100.0%)`);
    expect((await getStudy(db, studyId))?.state).toBe('failed');
    expect((await listStudyTrials(db, studyId)).map((r) => r.state)).toEqual(['failed', 'failed']);
  }, 120_000);

  it('evaluates the next best trial on the holdout when the best one fails there', async () => {
    const studyId = uniqueId('stf');
    // No pruner, so that several trials complete whatever the sampler suggests (two are needed).
    const result = await runStudy(studyInput(studyId, { nTrials: 6, pruner: { type: 'none' } }), {
      holdoutFailures: 1,
    });
    expect(result.trials.filter((t) => t.state === 'complete').length).toBeGreaterThanOrEqual(2);
    const skipped = result.outOfSample?.skipped ?? [];
    expect(skipped).toHaveLength(1);
    expect(skipped[0]?.reason).toContain('quoteSizeLots');
    const ranked = result.trials
      .filter((t) => t.state === 'complete' && t.value !== null)
      .sort((a, b) => (b.value ?? 0) - (a.value ?? 0) || a.number - b.number);
    expect(skipped[0]?.trialNumber).toBe(ranked[0]?.number);
    expect(result.best?.number).toBe(ranked[1]?.number);
    expect(result.inSample?.trialNumber).toBe(ranked[1]?.number);
    expect(result.inSample?.folds.length).toBeGreaterThan(0);
    expect(result.outOfSample?.trialNumber).toBe(ranked[1]?.number);
    const study = await getStudy(db, studyId);
    expect(study).toMatchObject({ state: 'completed', bestTrial: ranked[1]?.number });
    const holdouts = (await listFoldEvaluations(db, studyId))
      .filter((e) => e.kind === 'holdout')
      .sort((a, b) => Number(b.error !== undefined) - Number(a.error !== undefined));
    expect(holdouts.map((e) => [e.trialNumber, e.error === undefined])).toEqual([
      [ranked[0]?.number, false],
      [ranked[1]?.number, true],
    ]);
  }, 120_000);

  it('retries an evaluation whose database write fails, and never records it as a failed trial', async () => {
    const studyId = uniqueId('stf');
    const result = await runStudy(studyInput(studyId, { nTrials: 2, parallelism: 1 }), {
      dbWriteFailures: 1,
    });
    expect(result.counts.failed).toBe(0);
    const evaluations = await listFoldEvaluations(db, studyId);
    const first = evaluations.find(
      (e) => e.trialNumber === 0 && e.foldIndex === 0 && e.kind === 'validation',
    );
    expect(first).toMatchObject({ attempt: 2, executions: 1 });
    expect(first?.error).toBeUndefined();
    expect((await listStudyTrials(db, studyId)).every((r) => r.state !== 'failed')).toBe(true);
  }, 120_000);
});

describe('maxFailedFraction in the YAML', () => {
  it('is a compile error outside 0…1', () => {
    const yaml = (value: string) => `apiVersion: mmflow/v1
kind: Pipeline
metadata:
  name: study-limit
steps:
  - id: study
    uses: study
    with:
      windows: [{ sessionId: ${SESSION}, startUs: 0, endUs: 60000000 }]
      baseParams: { model: as-v1.5 }
      walkForward: { scheme: expanding, trainWindows: 1, gapWindows: 0, validationWindows: 1, holdoutWindows: 1 }
      space: { gamma: { type: float, low: 0.001, high: 0.1 } }
      sampler: { type: random, seed: 1 }
      objective: { metric: netPnlQuote, direction: maximize }
      nTrials: 4
      maxFailedFraction: ${value}
`;
    const issues = (value: string): string[] => {
      try {
        compilePipeline('pipelines/study-limit.yaml', yaml(value));
        return [];
      } catch (err) {
        if (err instanceof PipelineValidationError) return err.issues.map(formatIssue);
        throw err;
      }
    };
    expect(issues('0.25')).toEqual([]);
    expect(issues('1.5')).toEqual([
      'pipelines/study-limit.yaml:16:26: steps[0].with.maxFailedFraction: must be a share of the trials between 0 and 1 (e.g. 0.5)',
    ]);
    expect(issues('-0.1').join('\n')).toContain(
      'steps[0].with.maxFailedFraction: must be a share of the trials between 0 and 1 (e.g. 0.5)',
    );
  });
});
