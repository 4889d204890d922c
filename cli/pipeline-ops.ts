/**
 * `mmflow pipelines apply | diff | list | run | backfill`: Temporal Schedules kept in sync with
 * pipelines/*.yaml, and runs started by hand. Validation happens first: nothing is changed when any
 * file is invalid.
 */
import Table from 'cli-table3';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  applyScheduleChanges,
  planScheduleChanges,
  scheduleIdOf,
  type ScheduleChange,
} from '../app/schedules.ts';
import { TASK_QUEUE } from '../app/paths.ts';
import { PipelineValidationError, formatIssue } from '../pipeline-dsl/errors.ts';
import { loadPipelineFile } from '../pipeline-dsl/load.ts';
import type { CompiledPipeline, Json } from '../pipeline-dsl/plan-types.ts';
import { PIPELINE_KEY } from '../workflows/search-attributes.ts';
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

/** `run FILE [--param k=v …] [--wait]`: starts the pipeline now; prints its workflow id (and result with --wait). */
export async function runRunCommand(
  file: string,
  opts: { params: readonly string[]; wait: boolean },
): Promise<number> {
  const pipelines = await compileAll([resolve(file)]);
  const pipeline = pipelines?.[0];
  if (pipeline === undefined) return 1;
  const params = parseParamPairs(opts.params);
  const { client, close } = await connectCliClient();
  try {
    const workflowId = `pipeline-${pipeline.name}-${new Date().toISOString().replace(/[:.]/g, '')}`;
    const handle = await client.workflow.start('pipelineWorkflow', {
      args: [{ pipeline, params }],
      taskQueue: TASK_QUEUE,
      workflowId,
      memo: { pipelineFile: pipeline.file, contentHash: pipeline.contentHash },
      typedSearchAttributes: [{ key: PIPELINE_KEY, value: pipeline.name }],
      staticSummary: `pipeline ${pipeline.name} (plan ${pipeline.contentHash.slice(0, 12)}) started by hand`,
    });
    process.stderr.write(`started ${workflowId}\n`);
    const result: unknown = opts.wait ? await handle.result() : undefined;
    process.stdout.write(
      `${JSON.stringify({ workflowId, runId: handle.firstExecutionRunId, ...(opts.wait ? { result } : {}) })}\n`,
    );
    return 0;
  } finally {
    await close();
  }
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
