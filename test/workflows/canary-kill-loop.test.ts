/**
 * SIGKILL loop over the canary (issue 14): the worker (its own process, `mmflow worker`) is killed at
 * seeded random points of several canaries, and a new worker starts 2 s later. A good challenger ramps
 * through the default steps (1 → 5 → 10 → 25 → 100 %, held 2 s each) and is then promoted
 * (`promoteWorkflow`); a bad one (PnL falling at 50 quote/s at full capital) must still be rolled back
 * at its first step. A kill point is a stage (a canary step as the `canaryStatus` query shows it, the
 * rollback child, or the promotion) and a delay into it; a stage already passed is killed at once.
 * After each run the registry, the slots and the evidence hold exactly the rows of a clean run
 * (./canary-kill-checks.ts): no transition, desired change or step record twice, and every slot
 * applied at its last revision on the expected version. The engines are played by the test
 * (./promotion-engines.ts), so they live through the kills.
 *
 * What a kill costs is set by workflows/promotion/activity-options.ts: a short activity lost with the
 * worker is retried after its 30 s start-to-close, `awaitSlotApplied` after its 20 s heartbeat
 * timeout, and a workflow task after the 10 s sticky-queue timeout; the budget per kill is 2 + 45 s.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStream } from '../../core/random/xoshiro.ts';
import type { Pool } from 'pg';
import { canaryWorkflow, type CanaryInput, type CanaryResult } from '../../workflows/promotion/canary.ts';
import { canaryStatusQuery, type CanaryStatus } from '../../workflows/promotion/definitions.ts';
import { promoteWorkflow } from '../../workflows/promotion/promote.ts';
import type { PromoteResult } from '../../workflows/promotion/types.ts';
import { expectedBad, expectedGood, readRows } from './canary-kill-checks.ts';
import { uniqueId } from './harness.ts';
import { killTraces, type KillTraces } from './kill-traces.ts';
import { failureOf, setUp, withEngines, type Setup } from './promotion-fixtures.ts';
import { exited, workerProcesses, type WorkerProcesses } from './worker-processes.ts';

const SEED = 20261214;
const MIN_KILLS = 10;
/** Runs in order (after a clean good run), until MIN_KILLS kills; the bad run comes early. */
const PLAN = ['good', 'bad', 'good', 'good', 'bad', 'good'] as const;
type Kind = (typeof PLAN)[number];
const KILLS_PER_RUN: Record<Kind, number> = { good: 4, bad: 2 };
const HOLD_MS = 2_000;
const BREACH_WINDOW_MS = 4_000;
const RESTART_DELAY_MS = 2_000;
/** What one kill may cost a run: the restart plus a 30 s activity timeout, a retry and a start-up. */
const PER_KILL_BUDGET_MS = RESTART_DELAY_MS + 45_000;
/** A bad run without kills: the apply, the breach window, a check late, the rollback. */
const BAD_CLEAN_MS = BREACH_WINDOW_MS + 10_000;

/** Stages of a run in order: `step-N` (canary step N, apply and hold), `rollback`, `promote`. */
const STAGES: Record<Kind, readonly string[]> = {
  good: ['step-1', 'step-2', 'step-3', 'step-4', 'step-5', 'promote'],
  bad: ['step-1', 'rollback'],
};

interface KillPoint {
  readonly stage: string;
  /** How long the stage has been seen before the kill, ms. */
  readonly intoStageMs: number;
}

/**
 * Seeded kill points of run `run`, in stage order, each with a delay into its stage: a good run has
 * three of its five steps and always the promotion (whose activities are all short ones); a bad run
 * its first step and the rollback.
 */
function killPoints(run: number, kind: Kind): KillPoint[] {
  const rng = createStream(SEED, run);
  const steps = STAGES[kind].filter((x) => x.startsWith('step'));
  const others = STAGES[kind].filter((x) => !x.startsWith('step'));
  const picked = rng.shuffle([...steps]).slice(0, KILLS_PER_RUN[kind] - others.length);
  return STAGES[kind]
    .filter((x) => picked.includes(x) || others.includes(x))
    .map((stage) => {
      // A step lasts its apply and hold (the bad one its breach window); promote and rollback about
      // 0.3–1 s. Longer delays would often find the stage ended (no kill; the step after a late one).
      const spanMs = stage.startsWith('step') ? (kind === 'bad' ? BREACH_WINDOW_MS : HOLD_MS) : 250;
      return { stage, intoStageMs: Math.round(rng.uniform(0, spanMs)) };
    });
}

let w: WorkerProcesses;
let client: Client;
let db: Pool;
let taskQueue: string;
let worker: ChildProcess;

beforeAll(async () => {
  w = await workerProcesses('canary-kill');
  ({ client, db, taskQueue } = w);
  worker = w.start();
});

afterAll(async () => {
  await w?.close();
});

/** Polls until a worker polls the (fresh) task queue: a new process bundles the workflows first. */
async function workerReady(): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const { pollers } = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    if ((pollers ?? []).length > 0) return;
    if (Date.now() > deadline) throw new Error('no worker polls the task queue');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function killAndRestart(): Promise<void> {
  worker.kill('SIGKILL');
  await exited(worker);
  await new Promise((r) => setTimeout(r, RESTART_DELAY_MS)); // the scenario: a new worker 2 s later
  worker = w.start();
}

const stageOf = (s: CanaryStatus): string =>
  s.phase === 'rolling-back' || s.phase === 'rolled-back' ? 'rollback' : `step-${s.stepIndex + 1}`;

/**
 * Polls the workflow (describe, and the canary's status query when `canary`) until `point` is reached.
 * @returns false when the workflow ended first (no kill)
 */
async function reach(
  handle: WorkflowHandle,
  kind: Kind,
  point: KillPoint,
  canary: boolean,
  deadlineMs: number,
): Promise<boolean> {
  const order = STAGES[kind];
  const wanted = order.indexOf(point.stage);
  let seenAt = canary ? undefined : Date.now(); // promote: counted from its start
  for (;;) {
    if (Date.now() > deadlineMs) throw new Error(`kill point ${point.stage} not reached in time`);
    if ((await handle.describe()).status.name !== 'RUNNING') return false;
    if (canary) {
      const status = await handle.query(canaryStatusQuery).catch(() => undefined);
      const at = status === undefined ? -1 : order.indexOf(stageOf(status));
      if (at > wanted) return true; // the stage ended first: kill at once
      if (at === wanted) seenAt ??= Date.now();
    }
    if (seenAt !== undefined && Date.now() - seenAt >= point.intoStageMs) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
}

const canaryInput = (s: Setup, kind: Kind): CanaryInput => ({
  challenger: s.challenger,
  challengerSlot: s.challengerSlot,
  championSlot: s.championSlot,
  hold: kind === 'good' ? HOLD_MS : 600_000,
  checkEvery: '1s',
  breachWindow: BREACH_WINDOW_MS,
  guardrails: { maxDrawdownQuote: 1 },
  applyTimeout: '60s',
  by: 'ops-kim',
  reason: `canary under kills (${kind})`,
});

interface RunOutcome {
  readonly kills: KillPoint[];
  readonly ms: number;
  readonly canaryMs: number;
  /** What the kills left in the histories of the canary chain, the rollback child and the promotion. */
  readonly traces: KillTraces;
}

/** Sums the traces of several workflows. */
const sum = (all: readonly KillTraces[]): KillTraces => ({
  runs: all.reduce((n, t) => n + t.runs, 0),
  workflowTaskTimeouts: all.reduce((n, t) => n + t.workflowTaskTimeouts, 0),
  retried: all.flatMap((t) => t.retried),
});

/** One run: the canary (and, for a good challenger, the promotion), killed at `points`; checks its rows. */
async function runOnce(kind: Kind, points: readonly KillPoint[], budgetMs: number): Promise<RunOutcome> {
  const s = await setUp(db, `kill-${kind}`);
  const rates = { [s.champion]: 1, [s.challenger]: kind === 'good' ? 2 : -50 };
  return withEngines(db, s, rates, async () => {
    const start = Date.now();
    const canaryId = uniqueId(`canary-kill-${kind}`);
    const canary = await client.workflow.start(canaryWorkflow, {
      args: [canaryInput(s, kind)],
      taskQueue,
      workflowId: canaryId,
    });
    const latest = client.workflow.getHandle(canaryId); // follows Continue-As-New
    const kills: KillPoint[] = [];
    const pending = [...points];
    const killIn = async (handle: WorkflowHandle, isCanary: boolean) => {
      while (pending[0] !== undefined && (pending[0].stage !== 'promote') === isCanary) {
        const point = pending.shift()!;
        const deadline = start + budgetMs + kills.length * PER_KILL_BUDGET_MS;
        if (!(await reach(handle, kind, point, isCanary, deadline))) continue;
        await killAndRestart();
        kills.push(point);
      }
    };
    await killIn(latest, true);
    if (kind === 'bad') {
      const failure = await failureOf(canary.result());
      expect(failure.type).toBe('CanaryRolledBack');
      expect(failure.message).toMatch(
        /^canary of \S+@2: rolled-back by system:canary: breach sustained \d+ ms ≥ 4000 ms at step 1 \(0\.01\): maxDrawdownQuote /,
      );
      const ms = Date.now() - start;
      expect(await readRows(db, s)).toEqual(expectedBad(s, canaryId));
      const traces = sum([
        await killTraces(client, canaryId, canary.firstExecutionRunId),
        await killTraces(client, `${canaryId}.rollback`),
      ]);
      return { kills, ms, canaryMs: ms, traces };
    }
    const result: CanaryResult = await canary.result();
    const canaryMs = Date.now() - start;
    expect(result).toMatchObject({ outcome: 'completed', stepsCompleted: 5, fraction: 1, rollback: null });
    const promoteId = uniqueId('promote-kill');
    const promote = await client.workflow.start(promoteWorkflow, {
      args: [
        {
          challenger: s.challenger,
          approval: 'given',
          by: 'ops-lee',
          reason: 'canary clean at full capital',
          championSlots: [s.championSlot],
          challengerSlots: [s.challengerSlot],
          applyTimeout: '60s',
        },
      ],
      taskQueue,
      workflowId: promoteId,
    });
    await killIn(promote, false);
    const promoted: PromoteResult = await promote.result();
    const ms = Date.now() - start;
    expect(promoted).toMatchObject({ champion: s.challenger, retired: s.champion, approvedBy: 'ops-lee' });
    expect(await readRows(db, s)).toEqual(expectedGood(s, canaryId, promoteId));
    const traces = sum([
      await killTraces(client, canaryId, canary.firstExecutionRunId),
      await killTraces(client, promoteId),
    ]);
    return { kills, ms, canaryMs, traces };
  });
}

describe('canary and promotion under repeated worker SIGKILLs', () => {
  it(
    'completes (or rolls back the bad challenger) every time, with no duplicate change and every slot on its version',
    async () => {
      const suiteStart = Date.now();
      await workerReady(); // the clean run's time must not include the first worker's start-up
      const clean = await runOnce('good', [], 120_000);
      const report = (line: string) => process.stderr.write(`[canary-kill-loop] ${line}\n`);
      report(`clean good run ${clean.ms} ms (canary ${clean.canaryMs} ms), ${JSON.stringify(clean.traces)}`);
      expect(clean.traces).toEqual({ runs: 6, workflowTaskTimeouts: 0, retried: [] });
      let kills = 0;
      for (let run = 0; run < PLAN.length && (kills < MIN_KILLS || run < 2); run++) {
        const kind = PLAN[run] ?? 'good';
        const points = killPoints(run, kind);
        const cleanMs = kind === 'good' ? clean.ms : BAD_CLEAN_MS;
        const out = await runOnce(kind, points, cleanMs + 30_000);
        kills += out.kills.length;
        report(
          `run ${run} (${kind}): ${out.kills.length} kill(s) at ${JSON.stringify(out.kills)}, ` +
            `${out.ms} ms (canary ${out.canaryMs} ms; clean ${cleanMs} ms); ${out.traces.runs} runs, ` +
            `${out.traces.workflowTaskTimeouts} workflow task timeout(s), retried [${out.traces.retried.join(', ')}]`,
        );
        // Each run's kills hit a live workflow: a task sent to the dead worker timed out, or an activity retried.
        if (out.kills.length > 0)
          expect(out.traces.workflowTaskTimeouts + out.traces.retried.length).toBeGreaterThan(0);
        expect(out.ms).toBeLessThanOrEqual(cleanMs + 30_000 + out.kills.length * PER_KILL_BUDGET_MS);
      }
      report(`${kills} kills, total ${Date.now() - suiteStart} ms`);
      expect(kills).toBeGreaterThanOrEqual(MIN_KILLS);
    },
    12 * 60_000,
  );
});
