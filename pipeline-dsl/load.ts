/** Reads and compiles pipeline files (`pipelines/*.yaml`); see compile.ts for the language. */
import { readFile } from 'node:fs/promises';
import { compilePipeline } from './compile.ts';
import { PipelineValidationError } from './errors.ts';
import type { CompiledPipeline } from './plan-types.ts';

export { compilePipeline };

/**
 * Reads and compiles a pipeline file.
 * @param file path of the YAML file (used verbatim in error messages and kept in the plan)
 * @throws PipelineValidationError listing every problem, including a file that cannot be read
 */
export async function loadPipelineFile(file: string): Promise<CompiledPipeline> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new PipelineValidationError([
      {
        file,
        line: 1,
        column: 1,
        path: '',
        message: `cannot read file: ${err instanceof Error ? err.message : String(err)}`,
      },
    ]);
  }
  return compilePipeline(file, text);
}
