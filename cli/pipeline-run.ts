/**
 * `mmflow pipelines run FILE [--param k=v …] [--wait]`: compiles the file, checks the parameters
 * against the pipeline's declared types BEFORE anything starts (errors as `file:line:column: field:
 * message`, like `validate`), starts `pipelineWorkflow`, and with `--wait` prints its result, or the
 * failure chain as one readable block (exit code 1).
 */
import { WorkflowFailedError } from '@temporalio/client';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { TASK_QUEUE } from '../app/paths.ts';
import {
  formatIssue,
  formatPath,
  PipelineValidationError,
  type PipelineIssue,
} from '../pipeline-dsl/errors.ts';
import { loadPipelineFile } from '../pipeline-dsl/load.ts';
import { paramValueProblem } from '../pipeline-dsl/params.ts';
import type { CompiledPipeline, Json } from '../pipeline-dsl/plan-types.ts';
import { locate, parseYamlSource } from '../pipeline-dsl/source-map.ts';
import { PIPELINE_KEY } from '../workflows/search-attributes.ts';
import { describeWorkflowFailure } from './failure.ts';
import { parseParamPairs } from './pipeline-ops.ts';
import { connectCliClient } from './temporal-client.ts';

export interface RunOptions {
  /** `--param name=value` pairs as given. */
  readonly params: readonly string[];
  readonly wait: boolean;
  /** Task queue of the worker (default `mmflow`). */
  readonly taskQueue?: string;
  /** Print stack traces of a failure. */
  readonly verbose?: boolean;
}

/**
 * Problems of the `--param` values against the `params:` declared in `text` (the pipeline file), each
 * located at the declaration (or at `params:` / the document for an unknown name), like `validate`.
 * Same rules as the workflow's `resolveParams`: unknown names, missing required values, wrong types.
 * @param file the file name to print (as the user typed it, like `validate`)
 */
export function paramIssues(
  pipeline: CompiledPipeline,
  text: string,
  given: { readonly [name: string]: Json },
  file: string = pipeline.file,
): PipelineIssue[] {
  const source = parseYamlSource(file, text);
  const issue = (path: (string | number)[], message: string, atKey = false): PipelineIssue => ({
    file,
    ...locate(source, path, { atKey }),
    path: formatPath(path),
    message,
  });
  const declared = pipeline.params;
  const names = Object.keys(declared);
  const issues: PipelineIssue[] = [];
  for (const [name, value] of Object.entries(given)) {
    if (!Object.hasOwn(declared, name)) {
      const known = names.length === 0 ? 'the pipeline declares no params' : `declared: ${names.join(', ')}`;
      issues.push(issue(['params'], `--param ${name}: unknown parameter (${known})`, true));
      continue;
    }
    const spec = declared[name];
    const problem = spec === undefined ? undefined : paramValueProblem(spec.type, value);
    if (problem !== undefined)
      issues.push(issue(['params', name], `--param ${name}=${JSON.stringify(value)}: ${problem}`, true));
  }
  for (const [name, spec] of Object.entries(declared)) {
    if (!Object.hasOwn(given, name) && spec.default === undefined)
      issues.push(
        issue(['params', name], `param "${name}" is required (no default): pass --param ${name}=…`, true),
      );
  }
  return issues.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** @returns exit code: 0 ok; 1 invalid file or failed run (with --wait); 2 invalid --param. */
export async function runPipelineRunCommand(file: string, opts: RunOptions): Promise<number> {
  const path = resolve(file);
  let pipeline: CompiledPipeline;
  let text: string;
  try {
    pipeline = await loadPipelineFile(path);
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (!(err instanceof PipelineValidationError)) throw err;
    for (const i of err.issues) process.stderr.write(`${formatIssue(i)}\n`);
    return 1;
  }
  const params = parseParamPairs(opts.params);
  const issues = paramIssues(pipeline, text, params, file);
  if (issues.length > 0) {
    for (const i of issues) process.stderr.write(`${formatIssue(i)}\n`);
    process.stderr.write(`mmflow pipelines run: not started (${issues.length} invalid param(s))\n`);
    return 2;
  }
  const { client, close } = await connectCliClient();
  try {
    const workflowId = `pipeline-${pipeline.name}-${new Date().toISOString().replace(/[:.]/g, '')}`;
    const handle = await client.workflow.start('pipelineWorkflow', {
      args: [{ pipeline, params }],
      taskQueue: opts.taskQueue ?? TASK_QUEUE,
      workflowId,
      memo: { pipelineFile: pipeline.file, contentHash: pipeline.contentHash },
      typedSearchAttributes: [{ key: PIPELINE_KEY, value: pipeline.name }],
      staticSummary: `pipeline ${pipeline.name} (plan ${pipeline.contentHash.slice(0, 12)}) started by hand`,
    });
    process.stderr.write(`started ${workflowId}\n`);
    let result: unknown;
    if (opts.wait) {
      try {
        result = await handle.result();
      } catch (err) {
        if (!(err instanceof WorkflowFailedError)) throw err;
        process.stderr.write(await describeWorkflowFailure(client, workflowId, err, opts.verbose === true));
        return 1;
      }
    }
    process.stdout.write(
      `${JSON.stringify({ workflowId, runId: handle.firstExecutionRunId, ...(opts.wait ? { result } : {}) })}\n`,
    );
    return 0;
  } finally {
    await close();
  }
}
