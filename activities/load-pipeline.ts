/**
 * The `loadPipeline` activity: reads and compiles a pipeline file of the repository's `pipelines/`
 * directory, so that a run can be started from the Temporal Web UI with `{ "file": "pipelines/x.yaml" }`
 * instead of a pasted compiled plan. The compiled plan is the activity's result, so the workflow
 * history still records exactly what ran (and its content hash).
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { repoRoot } from '../app/paths.ts';
import { PermanentError } from '../core/errors.ts';
import { compilePipeline } from '../pipeline-dsl/load.ts';
import { PipelineValidationError } from '../pipeline-dsl/errors.ts';
import type { CompiledPipeline } from '../pipeline-dsl/plan-types.ts';

/** Input of {@link loadPipeline}. */
export interface LoadPipelineInput {
  /** Path relative to the repository root, inside `pipelines/`, e.g. `pipelines/retrain-weekly.yaml`. */
  readonly file: string;
}

/**
 * @param root the repository root (tests may point elsewhere).
 * @returns the compiled pipeline, named by `file` as given.
 * @throws PermanentError `PIPELINE_PATH` for a path outside `pipelines/` (absolute, `..`, not .yaml/.yml),
 *   `PIPELINE_UNREADABLE` when the file cannot be read, `PIPELINE_INVALID` listing every
 *   `file:line:column: path: message` of a file that does not compile.
 */
export async function loadPipeline(
  input: LoadPipelineInput,
  root: string = repoRoot,
): Promise<CompiledPipeline> {
  const file = input.file;
  const dir = resolve(root, 'pipelines');
  const path = resolve(root, file);
  const inside = relative(dir, path);
  if (
    isAbsolute(file) ||
    inside === '' ||
    inside.startsWith('..') ||
    isAbsolute(inside) ||
    inside.includes(`..${sep}`) ||
    !/\.ya?ml$/.test(file)
  )
    throw new PermanentError(
      'PIPELINE_PATH',
      `pipeline file "${file}" must be a .yaml file under pipelines/ (relative to the repository root)`,
      { file },
    );
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new PermanentError(
      'PIPELINE_UNREADABLE',
      `cannot read pipeline file "${file}": ${(err as Error).message}`,
      {
        file,
      },
    );
  }
  try {
    return compilePipeline(file, text);
  } catch (err) {
    if (err instanceof PipelineValidationError)
      throw new PermanentError('PIPELINE_INVALID', err.message, { file });
    throw err;
  }
}
