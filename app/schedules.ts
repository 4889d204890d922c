/**
 * Syncs Temporal Schedules with the `schedule:` sections of pipeline files, idempotently: each
 * scheduled pipeline owns the Schedule `pipeline-<name>`, whose action memo carries a hash of everything
 * the file decides (spec, policies, action input) — the action memo, because a Schedule's own memo
 * cannot be changed by an update. `planScheduleChanges` compares desired with existing
 * (create / update / pause / resume / unchanged / delete-with-prune); `applyScheduleChanges` carries the
 * plan out. Applying twice changes nothing.
 */
import { createHash } from 'node:crypto';
import {
  ScheduleNotFoundError,
  type Client,
  type ScheduleOptions,
  type ScheduleOptionsStartWorkflowAction,
} from '@temporalio/client';
import { canonicalJson } from '../pipeline-dsl/plan.ts';
import type { CompiledPipeline, OverlapPolicy } from '../pipeline-dsl/plan-types.ts';
import type { pipelineWorkflow } from '../workflows/pipeline.ts';
import { PIPELINE_KEY } from '../workflows/search-attributes.ts';
import { TASK_QUEUE } from './paths.ts';

/** Prefix of the Schedules mmflow owns (others are never touched, even with --prune). */
export const SCHEDULE_PREFIX = 'pipeline-';

export type ScheduleChangeKind = 'create' | 'update' | 'pause' | 'resume' | 'unchanged' | 'delete';

export interface ScheduleChange {
  readonly kind: ScheduleChangeKind;
  readonly scheduleId: string;
  /** Pipeline file behind the change (undefined for a delete). */
  readonly file: string | undefined;
  /** Human-readable detail, e.g. `cron 0 3 * * 1 UTC, overlap skip`. */
  readonly detail: string;
  /** Desired options (create/update/pause/resume). */
  readonly options: ScheduleOptions<ScheduleOptionsStartWorkflowAction<typeof pipelineWorkflow>> | undefined;
}

const OVERLAP: Record<
  OverlapPolicy,
  'SKIP' | 'BUFFER_ONE' | 'BUFFER_ALL' | 'CANCEL_OTHER' | 'TERMINATE_OTHER' | 'ALLOW_ALL'
> = {
  skip: 'SKIP',
  'buffer-one': 'BUFFER_ONE',
  'buffer-all': 'BUFFER_ALL',
  'cancel-other': 'CANCEL_OTHER',
  'terminate-other': 'TERMINATE_OTHER',
  'allow-all': 'ALLOW_ALL',
};

/** Schedule id of a pipeline. */
export function scheduleIdOf(pipeline: Pick<CompiledPipeline, 'name'>): string {
  return `${SCHEDULE_PREFIX}${pipeline.name}`;
}

/** The Schedule a scheduled pipeline wants, with its spec hash in the memo. Undefined if unscheduled. */
export function desiredSchedule(pipeline: CompiledPipeline): ScheduleChange['options'] {
  const s = pipeline.schedule;
  if (s === undefined) return undefined;
  const decided = {
    cron: s.cron,
    timezone: s.timezone,
    overlap: s.overlap,
    catchupWindowMs: s.catchupWindowMs,
    pauseOnFailure: s.pauseOnFailure,
    jitterMs: s.jitterMs,
    params: s.params,
    pipelineHash: pipeline.contentHash,
  };
  const specHash = createHash('sha256').update(canonicalJson(decided)).digest('hex');
  return {
    scheduleId: scheduleIdOf(pipeline),
    spec: { cronExpressions: [...s.cron], timezone: s.timezone, jitter: s.jitterMs },
    action: {
      type: 'startWorkflow',
      workflowType: 'pipelineWorkflow',
      workflowId: `pipeline-${pipeline.name}-scheduled`,
      taskQueue: TASK_QUEUE,
      args: [{ pipeline, params: { ...s.params } }],
      memo: { pipelineFile: pipeline.file, contentHash: pipeline.contentHash, mmflowSpecHash: specHash },
      typedSearchAttributes: [{ key: PIPELINE_KEY, value: pipeline.name }],
      staticSummary: `scheduled pipeline ${pipeline.name} (plan ${pipeline.contentHash.slice(0, 12)})`,
    },
    policies: {
      overlap: OVERLAP[s.overlap],
      catchupWindow: Math.max(s.catchupWindowMs, 10_000),
      pauseOnFailure: s.pauseOnFailure,
    },
    state: {
      paused: s.paused,
      note: s.paused ? 'paused in the pipeline file' : 'synced by mmflow pipelines apply',
    },
    memo: { pipelineFile: pipeline.file },
  };
}

function describeSpec(pipeline: CompiledPipeline): string {
  const s = pipeline.schedule;
  if (s === undefined) return '';
  return `cron ${s.cron.join(' | ')} ${s.timezone}, overlap ${s.overlap}${s.paused ? ', paused' : ''}`;
}

/**
 * Compares the pipelines' schedules with the Schedules on the server.
 * @param prune also plan deletes of `pipeline-*` Schedules no file declares any more
 */
export async function planScheduleChanges(
  client: Client,
  pipelines: readonly CompiledPipeline[],
  opts: { prune: boolean },
): Promise<ScheduleChange[]> {
  const changes: ScheduleChange[] = [];
  const wanted = new Set<string>();
  for (const pipeline of pipelines) {
    const options = desiredSchedule(pipeline);
    if (options === undefined) continue;
    wanted.add(options.scheduleId);
    const detail = describeSpec(pipeline);
    let existing;
    try {
      existing = await client.schedule.getHandle(options.scheduleId).describe();
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) {
        changes.push({
          kind: 'create',
          scheduleId: options.scheduleId,
          file: pipeline.file,
          detail,
          options,
        });
        continue;
      }
      throw err;
    }
    const sameSpec = existing.action.memo?.['mmflowSpecHash'] === options.action.memo?.['mmflowSpecHash'];
    const wantPaused = options.state?.paused === true;
    let kind: ScheduleChangeKind = 'unchanged';
    if (!sameSpec) kind = 'update';
    else if (existing.state.paused !== wantPaused) kind = wantPaused ? 'pause' : 'resume';
    changes.push({ kind, scheduleId: options.scheduleId, file: pipeline.file, detail, options });
  }
  if (opts.prune) {
    for await (const summary of client.schedule.list()) {
      if (summary.scheduleId.startsWith(SCHEDULE_PREFIX) && !wanted.has(summary.scheduleId)) {
        changes.push({
          kind: 'delete',
          scheduleId: summary.scheduleId,
          file: undefined,
          detail: 'no pipeline file declares it',
          options: undefined,
        });
      }
    }
  }
  return changes;
}

/** Carries out planned changes (unchanged ones are skipped). @returns the changes applied. */
export async function applyScheduleChanges(
  client: Client,
  changes: readonly ScheduleChange[],
): Promise<ScheduleChange[]> {
  const applied: ScheduleChange[] = [];
  for (const change of changes) {
    const handle = client.schedule.getHandle(change.scheduleId);
    const options = change.options;
    switch (change.kind) {
      case 'unchanged':
        continue;
      case 'create':
        if (options === undefined) continue;
        await client.schedule.create(options);
        break;
      case 'update':
        if (options === undefined) continue;
        await handle.update((previous) => ({
          ...previous,
          spec: options.spec,
          action: options.action,
          policies: { ...previous.policies, ...options.policies },
          state: { ...previous.state, paused: options.state?.paused === true },
        }));
        break;
      case 'pause':
        await handle.pause('paused in the pipeline file');
        break;
      case 'resume':
        await handle.unpause('resumed in the pipeline file');
        break;
      case 'delete':
        await handle.delete();
        break;
    }
    applied.push(change);
  }
  return applied;
}
