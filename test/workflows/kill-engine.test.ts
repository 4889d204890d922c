/**
 * The kill switch from a workflow (activities/kill-engine.ts, workflows/kill-engine.ts) on the real
 * Temporal server and PostgreSQL of the global setup: `killEngineWorkflow` latches the switch and a
 * running replay engine halts and cancels its orders; `resumeEngineWorkflow` lifts it; a resume of an
 * engine that is not killed fails the workflow with a non-retryable PermanentError after one attempt;
 * the history holds who and why. Recorded pacing runs on a fake clock whose sleeper advances it; the
 * workflows run inside that sleeper, the engine's health is polled with a deadline.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../app/logger.ts';
import { dataDir } from '../../app/paths.ts';
import { killEngine, resumeEngine } from '../../activities/kill-engine.ts';
import { ManualClock } from '../../core/ports.ts';
import { DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT } from '../../core/quoting/model-params.ts';
import { registerModelVersion } from '../../db/repositories/models.ts';
import { getKillSwitch, listRiskEvents } from '../../db/repositories/risk-state.ts';
import { silentLog } from '../../infra/log.ts';
import { parseEngineConfig } from '../../native/config.ts';
import { runQuotingEngine } from '../../native/engine-process.ts';
import {
  killEngineWorkflow,
  resumeEngineWorkflow,
  type KillSwitchRequest,
} from '../../workflows/kill-engine.ts';
import { skipWithout } from '../setup/require.ts';
import { testServices } from '../setup/services.ts';
import { startHarness, uniqueId, type Harness } from './harness.ts';

const SESSION = 'binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z';
const DEPTH_FILE = join(dataDir(), 'depth', `${SESSION}.depth.jsonl.gz`);
const noSession = skipWithout(
  existsSync(DEPTH_FILE) ? undefined : `recorded session ${DEPTH_FILE}`,
  'kill-engine workflow against a running replay engine',
);

let h: Harness;
let modelId: string;

beforeAll(async () => {
  h = await startHarness('kill-engine');
  const version = await registerModelVersion(h.db, {
    name: 'kill-engine-workflow-test',
    kind: 'avellaneda-stoikov',
    params: { ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT },
  });
  modelId = version.id;
});

afterAll(async () => {
  await h.close();
});

const newEngineId = (name: string): string => `${name}-${randomUUID().slice(0, 8)}`;

const kill = (input: KillSwitchRequest) =>
  h.client.workflow.execute(killEngineWorkflow, {
    args: [input],
    taskQueue: h.taskQueue,
    workflowId: uniqueId(`kill-${input.engineId}`),
  });

const resume = (input: KillSwitchRequest, workflowId = uniqueId(`resume-${input.engineId}`)) =>
  h.client.workflow.execute(resumeEngineWorkflow, { args: [input], taskQueue: h.taskQueue, workflowId });

/** A fake wall clock plus a sleeper that advances it and runs `hooks[n]` during the n-th sleep. */
function fakeTime(hooks: Record<number, () => Promise<void>>) {
  const clock = new ManualClock(1_800_000_000_000_000);
  let sleeps = 0;
  const sleep = async (ms: number): Promise<void> => {
    clock.advanceTo(clock.nowUs() + Math.round(ms * 1000));
    sleeps++;
    await hooks[sleeps]?.();
  };
  return { clock, sleep };
}

type Health = Record<string, unknown>;

async function health(url: string): Promise<Health> {
  const body: unknown = await (await fetch(`${url}/healthz`)).json();
  if (typeof body !== 'object' || body === null) throw new Error('healthz body is not an object');
  return { ...body };
}

/** Polls the engine's health until `pred` holds (deadline 10 s of wall time). */
async function until(url: string, pred: (h: Health) => boolean): Promise<Health> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const last = await health(url);
    if (pred(last)) return last;
    if (Date.now() > deadline) throw new Error(`condition not met; last health ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The decoded JSON start input of a workflow, read back from its history. */
async function startInputOf(workflowId: string): Promise<unknown> {
  const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
  const data = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
  if (data == null) throw new Error(`${workflowId}: no start input in the history`);
  return JSON.parse(new TextDecoder().decode(data));
}

/** The failure chain of a failed workflow: [activity failure, application failure]. */
async function failureOf(run: Promise<unknown>): Promise<[ActivityFailure, ApplicationFailure]> {
  const err: unknown = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof WorkflowFailedError))
    throw new Error(`expected a failed workflow, got ${String(err)}`);
  const activity = err.cause;
  if (!(activity instanceof ActivityFailure))
    throw new Error(`expected an ActivityFailure: ${String(activity)}`);
  const app = activity.cause;
  if (!(app instanceof ApplicationFailure)) throw new Error(`expected an ApplicationFailure: ${String(app)}`);
  return [activity, app];
}

describe('kill switch from a workflow', () => {
  it.skipIf(noSession)(
    'killEngineWorkflow halts a running engine and cancels its orders; resumeEngineWorkflow lifts it',
    async () => {
      const engineId = newEngineId('wf-kill');
      const databaseUrl = testServices().databaseUrl;
      const request = { engineId, reason: 'canary drawdown', by: 'ops-alice' };
      const config = parseEngineConfig(
        {
          mode: 'replay',
          session: SESSION,
          model: modelId,
          dbUrl: databaseUrl,
          dataDir: dataDir(),
          port: 0,
          pace: 'recorded',
        },
        { MMFLOW_ENGINE_ID: engineId, MMFLOW_KILL_POLL_MS: '50' },
      );
      let url = '';
      const seen: Record<string, unknown> = {};
      const t = fakeTime({
        2000: async () => {
          seen['beforeKill'] = await health(url);
          seen['ordersBeforeKill'] = Number((await health(url))['workingOrders']);
          const workflowId = uniqueId(`kill-${engineId}`);
          seen['killWorkflowId'] = workflowId;
          seen['kill'] = await h.client.workflow.execute(killEngineWorkflow, {
            args: [request],
            taskQueue: h.taskQueue,
            workflowId,
          });
          seen['latchAfterKill'] = await getKillSwitch(h.db, engineId);
          // Cancels are sent at once; their acks come in venue time, i.e. after later sleeps.
          seen['halted'] = await until(url, (x) => x['riskState'] === 'halted');
          // A second kill keeps the first one's who and why.
          seen['killAgain'] = await kill({ engineId, reason: 'second thoughts', by: 'ops-bob' });
        },
        2500: async () => {
          seen['stillHalted'] = await health(url);
          seen['resume'] = await resume({ engineId, reason: 'reviewed, all clear', by: 'ops-carol' });
          seen['resumed'] = await until(url, (x) => x['riskState'] === 'active');
        },
      });
      const summary = await runQuotingEngine(config, {
        db: h.db,
        log: silentLog,
        clock: t.clock,
        sleep: t.sleep,
        onStarted: (info) => (url = info.httpUrl),
      });

      expect(seen['beforeKill']).toMatchObject({ engineId, riskState: 'active' });
      expect(seen['ordersBeforeKill']).toBeGreaterThan(0); // orders the kill must cancel
      expect(seen['kill']).toMatchObject({ engineId, killed: true, alreadyKilled: false, ...pick(request) });
      expect(seen['latchAfterKill']).toMatchObject({
        engineId,
        killed: true,
        killedBy: 'ops-alice',
        reason: 'canary drawdown',
      });
      expect(seen['halted']).toMatchObject({ riskState: 'halted', riskReason: 'kill' });
      expect(seen['killAgain']).toMatchObject({
        killed: true,
        alreadyKilled: true,
        killedBy: 'ops-alice',
        reason: 'canary drawdown',
      });
      expect(seen['stillHalted']).toMatchObject({ riskState: 'halted', workingOrders: 0 });
      expect(seen['resume']).toMatchObject({
        engineId,
        resumedBy: 'ops-carol',
        resumeReason: 'reviewed, all clear',
        killedBy: 'ops-alice',
        killReason: 'canary drawdown',
      });
      expect(seen['resumed']).toMatchObject({ riskReason: 'resume' });
      expect(summary.counters.quotesPlaced).toBeGreaterThan(0);

      const latch = await getKillSwitch(h.db, engineId);
      expect(latch).toMatchObject({
        killed: false,
        resumedBy: 'ops-carol',
        resumeReason: 'reviewed, all clear',
      });
      expect(latch?.resumedAtMs).toBeGreaterThanOrEqual(latch?.killedAtMs ?? Infinity);
      const events = await listRiskEvents(h.db, engineId);
      expect(events.map((e) => [e.runId, e.from, e.to, e.reason])).toEqual([
        [summary.runId, 'active', 'halted', 'kill'],
        [summary.runId, 'halted', 'active', 'resume'],
      ]);
      // The audit trail: the kill workflow's history holds who and why.
      expect(await startInputOf(String(seen['killWorkflowId']))).toEqual(request);
    },
  );

  it('resumeEngineWorkflow of a never-killed engine fails at once with a non-retryable PermanentError', async () => {
    const engineId = newEngineId('never-killed');
    const workflowId = uniqueId(`resume-${engineId}`);
    const [activity, app] = await failureOf(resume({ engineId, reason: 'oops', by: 'ops-dave' }, workflowId));
    expect(activity.activityType).toBe('resumeEngine');
    expect(activity.retryState).toBe(RetryState.NON_RETRYABLE_FAILURE);
    expect(app.type).toBe('PermanentError');
    expect(app.nonRetryable).toBe(true);
    expect(app.message).toContain(`resume-engine: engine ${engineId} is not killed (it was never killed)`);
    expect(await getKillSwitch(h.db, engineId)).toBeUndefined();
    // One attempt only, and the request is in the history.
    const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
    const attempts = (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes != null);
    expect(attempts.map((e) => e.activityTaskStartedEventAttributes?.attempt)).toEqual([1]);
    expect(await startInputOf(workflowId)).toEqual({ engineId, reason: 'oops', by: 'ops-dave' });
  });

  it('resumeEngineWorkflow of an engine already resumed fails, naming who resumed it', async () => {
    const engineId = newEngineId('resumed-twice');
    await kill({ engineId, reason: 'test', by: 'ops-erin' });
    await resume({ engineId, reason: 'done', by: 'ops-erin' });
    const [, app] = await failureOf(resume({ engineId, reason: 'again', by: 'ops-frank' }));
    expect(app.type).toBe('PermanentError');
    expect(app.message).toMatch(
      new RegExp(`engine ${engineId} is not killed \\(it was already resumed at \\S+Z by ops-erin\\)`),
    );
    expect(await getKillSwitch(h.db, engineId)).toMatchObject({ killed: false, resumeReason: 'done' });
  });

  it('killEngineWorkflow refuses blank fields, naming them, and writes nothing', async () => {
    const engineId = newEngineId('blank');
    const [activity, app] = await failureOf(kill({ engineId, reason: '   ', by: '' }));
    expect(activity.retryState).toBe(RetryState.NON_RETRYABLE_FAILURE);
    expect(app.type).toBe('PermanentError');
    expect(app.message).toMatch(/^kill-engine: reason: .+; by: .+ \[KILL_SWITCH_INVALID_INPUT: not retried/);
    expect(await getKillSwitch(h.db, engineId)).toBeUndefined();
  });
});

describe('kill switch activities on a retried attempt', () => {
  const deps = () => ({ db: h.db, log: createLogger('test', 'error') });
  /** Runs an activity as Temporal's attempt 2 (a retry), its failures logged nowhere. */
  const secondAttempt = () => new MockActivityEnvironment({ attempt: 2 }, { logger: quietLogger });

  it('a retried resume that finds its own write succeeds; a first attempt finding it fails', async () => {
    const engineId = newEngineId('retry');
    const req = { engineId, reason: 'all clear', by: 'ops-gina' };
    await killEngine(deps(), { engineId, reason: 'test', by: 'ops-gina' });
    const first = await resumeEngine(deps(), req);
    // The completion of `first` was lost: Temporal runs attempt 2, which finds the row resumed by it.
    const retried = await secondAttempt().run(resumeEngine, deps(), req);
    expect(retried).toEqual(first);
    await expect(resumeEngine(deps(), req)).rejects.toMatchObject({ code: 'ENGINE_NOT_KILLED' });
    await expect(
      secondAttempt().run(resumeEngine, deps(), { ...req, by: 'ops-other' }),
    ).rejects.toMatchObject({ code: 'ENGINE_NOT_KILLED' });
  });

  it('a retried kill that finds its own latch reports it as its own, another request as already killed', async () => {
    const engineId = newEngineId('retry-kill');
    const req = { engineId, reason: 'halt', by: 'ops-hal' };
    const first = await killEngine(deps(), req);
    expect(first).toMatchObject({ killed: true, alreadyKilled: false, killedBy: 'ops-hal', reason: 'halt' });
    const retried = await secondAttempt().run(killEngine, deps(), req);
    expect(retried).toEqual(first);
    expect(await killEngine(deps(), { ...req, by: 'ops-ivy' })).toEqual({ ...first, alreadyKilled: true });
  });
});

const ignore = (): void => undefined;
const quietLogger = { log: ignore, trace: ignore, debug: ignore, info: ignore, warn: ignore, error: ignore };

/** The `by` and `reason` of a request as the kill result names them. */
function pick(r: KillSwitchRequest): { killedBy: string; reason: string } {
  return { killedBy: r.by, reason: r.reason };
}
