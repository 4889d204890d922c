/**
 * `mmflow pipelines apply | diff | list | run | backfill`: Temporal Schedules kept in sync with
 * pipelines/*.yaml, and runs started by hand. Validation happens first: nothing is changed when any
 * file is invalid. Also the activities in flight of a run (attempt, last heartbeat, last failure), as
 * `mmflow audit` shows them.
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { optionalTsToMs } from '@temporalio/common/lib/time.js';
import Table from 'cli-table3';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  applyScheduleChanges,
  planScheduleChanges,
  scheduleIdOf,
  type ScheduleChange,
} from '../app/schedules.ts';
import { PipelineValidationError, formatIssue } from '../pipeline-dsl/errors.ts';
import { loadPipelineFile } from '../pipeline-dsl/load.ts';
import type { CompiledPipeline, Json } from '../pipeline-dsl/plan-types.ts';
import { connectCliClient } from './temporal-client.ts';

/** Pipeline files: the given ones, or every `*.yaml` in `pipelines/`. */
export async function pipelineFiles(files: readonly string[]): Promise<string[]> {
  if (files.length > 0) return files.map((f) => resolve(f));
  const dir = resolve('pipelines');
  return (await readdir(dir))
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => join(dir, f));
}

/** Compiles every file; prints all errors and returns undefined when any file is invalid. */
async function compileAll(files: readonly string[]): Promise<CompiledPipeline[] | undefined> {
  const compiled: CompiledPipeline[] = [];
  let invalid = false;
  for (const file of files) {
    try {
      compiled.push(await loadPipelineFile(file));
    } catch (err) {
      if (!(err instanceof PipelineValidationError)) throw err;
      invalid = true;
      for (const issue of err.issues) process.stderr.write(`${formatIssue(issue)}\n`);
    }
  }
  return invalid ? undefined : compiled;
}

function printChanges(changes: readonly ScheduleChange[]): void {
  const table = new Table({ head: ['change', 'schedule', 'pipeline file', 'spec'] });
  for (const c of changes) table.push([c.kind, c.scheduleId, c.file ?? '', c.detail]);
  process.stdout.write(`${table.toString()}\n`);
}

/** `diff` (dryRun) and `apply`. @returns exit code: 0; 1 on invalid files. With `diff`, 0 even when changes are pending. */
export async function runApplyCommand(
  files: readonly string[],
  opts: { prune: boolean; dryRun: boolean },
): Promise<number> {
  const pipelines = await compileAll(await pipelineFiles(files));
  if (pipelines === undefined) return 1;
  const { client, close } = await connectCliClient();
  try {
    const changes = await planScheduleChanges(client, pipelines, { prune: opts.prune });
    const pending = changes.filter((c) => c.kind !== 'unchanged');
    printChanges(changes);
    if (opts.dryRun) {
      process.stdout.write(
        `${JSON.stringify({ pending: pending.length, changes: pending.map((c) => ({ kind: c.kind, scheduleId: c.scheduleId })) })}\n`,
      );
      return 0;
    }
    const applied = await applyScheduleChanges(client, changes);
    process.stdout.write(
      `${JSON.stringify({ applied: applied.length, changes: applied.map((c) => ({ kind: c.kind, scheduleId: c.scheduleId })) })}\n`,
    );
    return 0;
  } finally {
    await close();
  }
}

/** `list`: every pipeline file with its schedule (if any) and the Schedule's state on the server. */
export async function runListCommand(files: readonly string[]): Promise<number> {
  const pipelines = await compileAll(await pipelineFiles(files));
  if (pipelines === undefined) return 1;
  const { client, close } = await connectCliClient();
  try {
    const table = new Table({ head: ['pipeline', 'file', 'steps', 'schedule', 'server state', 'next run'] });
    for (const p of pipelines) {
      let state = p.schedule === undefined ? '—' : 'not applied';
      let next = '';
      if (p.schedule !== undefined) {
        try {
          const d = await client.schedule.getHandle(scheduleIdOf(p)).describe();
          state = d.state.paused ? 'paused' : 'active';
          next = d.info.nextActionTimes[0]?.toISOString() ?? '';
        } catch {
          state = 'not applied';
        }
      }
      table.push([p.name, p.file, String(p.steps.length), p.schedule?.cron.join(' | ') ?? '—', state, next]);
    }
    process.stdout.write(`${table.toString()}\n`);
    return 0;
  } finally {
    await close();
  }
}

/** Parses `--param name=value` pairs; values are JSON when they parse as JSON, else strings. */
export function parseParamPairs(pairs: readonly string[]): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--param ${pair}: expected name=value`);
    const raw = pair.slice(eq + 1);
    let value: Json;
    try {
      value = JSON.parse(raw) as Json;
    } catch {
      value = raw;
    }
    out[pair.slice(0, eq)] = value;
  }
  return out;
}

/** `backfill FILE --from ISO --to ISO`: runs the pipeline's Schedule over a past interval. */
export async function runBackfillCommand(file: string, opts: { from: string; to: string }): Promise<number> {
  const pipelines = await compileAll([resolve(file)]);
  const pipeline = pipelines?.[0];
  if (pipeline === undefined) return 1;
  const start = new Date(opts.from);
  const end = new Date(opts.to);
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || end <= start) {
    process.stderr.write(
      `mmflow pipelines backfill: --from/--to must be ISO times with from < to (got ${opts.from} .. ${opts.to})\n`,
    );
    return 2;
  }
  if (pipeline.schedule === undefined) {
    process.stderr.write(`mmflow pipelines backfill: ${file}: the pipeline has no schedule\n`);
    return 2;
  }
  const { client, close } = await connectCliClient();
  try {
    await client.schedule.getHandle(scheduleIdOf(pipeline)).backfill({ start, end, overlap: 'ALLOW_ALL' });
    process.stdout.write(
      `${JSON.stringify({ scheduleId: scheduleIdOf(pipeline), backfill: { from: start.toISOString(), to: end.toISOString() } })}\n`,
    );
    return 0;
  } finally {
    await close();
  }
}

/** An activity in flight, as the server sees it (`describe()`'s pending activities). */
export interface RunningActivity {
  /** The workflow that scheduled it: the pipeline or one of its child workflows (study, ingest, backtest). */
  readonly workflowId: string;
  readonly activityId: string;
  readonly activityType: string;
  /** `scheduled` (waiting for a worker or for its next attempt), `started`, `cancel-requested`. */
  readonly state: string;
  /** Attempt number, 1-based. */
  readonly attempt: number;
  /** Attempts the retry policy allows (0 = unlimited). */
  readonly maximumAttempts: number;
  /** Unix epoch ms of the last heartbeat of this attempt, or undefined when none yet. */
  readonly lastHeartbeatMs: number | undefined;
  /** Last heartbeat details (progress), decoded. */
  readonly heartbeatDetails: unknown;
  /** Message of the failure of the previous attempt (e.g. a heartbeat timeout after a worker crash). */
  readonly lastFailure: string | undefined;
  /** Unix epoch ms of the next attempt when waiting for a retry. */
  readonly nextAttemptMs: number | undefined;
  readonly lastWorker: string | undefined;
}

const ACTIVITY_STATES: { readonly [state: number]: string } = {
  1: 'scheduled',
  2: 'started',
  3: 'cancel-requested',
  4: 'paused',
  5: 'pause-requested',
};

/**
 * The activities in flight in workflow `workflowId` and, recursively, its running child workflows
 * (a pipeline's study, ingest and backtest steps), with attempt, last heartbeat and last failure.
 */
export async function runningActivities(
  client: Client,
  workflowId: string,
  depth = 2,
): Promise<RunningActivity[]> {
  const { raw } = await client.workflow.getHandle(workflowId).describe();
  const found: RunningActivity[] = (raw.pendingActivities ?? []).map((a) => {
    const payload = a.heartbeatDetails?.payloads?.[0];
    let details: unknown;
    try {
      details = payload === undefined ? undefined : defaultPayloadConverter.fromPayload(payload);
    } catch {
      details = '(undecodable)';
    }
    return {
      workflowId,
      activityId: a.activityId ?? '',
      activityType: a.activityType?.name ?? '?',
      state: ACTIVITY_STATES[Number(a.state ?? 0)] ?? 'unknown',
      attempt: a.attempt ?? 1,
      maximumAttempts: a.maximumAttempts ?? 0,
      lastHeartbeatMs: optionalTsToMs(a.lastHeartbeatTime),
      heartbeatDetails: details,
      lastFailure: a.lastFailure?.message ?? undefined,
      nextAttemptMs: optionalTsToMs(a.nextAttemptScheduleTime),
      lastWorker: a.lastWorkerIdentity ?? undefined,
    };
  });
  if (depth > 0)
    for (const child of raw.pendingChildren ?? [])
      if (child.workflowId) found.push(...(await runningActivities(client, child.workflowId, depth - 1)));
  return found;
}

/** A table of {@link runningActivities} (pure; `nowMs` for the heartbeat ages). */
export function renderRunningActivities(activities: readonly RunningActivity[], nowMs: number): string {
  if (activities.length === 0) return 'no activity in flight';
  const ago = (ms: number | undefined): string =>
    ms === undefined ? '—' : `${((nowMs - ms) / 1000).toFixed(1)} s ago`;
  const table = new Table({
    head: ['workflow', 'activity', 'state', 'attempt', 'last heartbeat', 'progress', 'last failure'],
    wordWrap: true,
    colWidths: [34, 28, 11, 9, 16, 30, 40],
  });
  for (const a of activities)
    table.push([
      a.workflowId,
      `${a.activityType} (${a.activityId})`,
      a.nextAttemptMs === undefined
        ? a.state
        : `${a.state}, retry in ${((a.nextAttemptMs - nowMs) / 1000).toFixed(0)} s`,
      `${a.attempt}/${a.maximumAttempts === 0 ? '∞' : a.maximumAttempts}`,
      ago(a.lastHeartbeatMs),
      a.heartbeatDetails === undefined ? '' : (JSON.stringify(a.heartbeatDetails) ?? ''),
      a.lastFailure ?? '',
    ]);
  return table.toString();
}
