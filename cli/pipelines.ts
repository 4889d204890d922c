/** `mmflow pipelines validate | plan`: compile pipeline files; print every error compiler style, or the plan. */
import { PipelineValidationError, formatIssue } from '../pipeline-dsl/errors.ts';
import { loadPipelineFile } from '../pipeline-dsl/load.ts';

/** `validate <files…>` @returns the process exit code: 0 when every file is valid, 1 otherwise. */
export async function runValidateCommand(files: readonly string[]): Promise<number> {
  let failed = 0;
  for (const file of files) {
    try {
      const plan = await loadPipelineFile(file);
      process.stdout.write(
        `${file}: ok (${plan.steps.length} steps, sha256 ${plan.contentHash.slice(0, 12)})\n`,
      );
    } catch (err) {
      if (!(err instanceof PipelineValidationError)) throw err;
      failed += 1;
      for (const issue of err.issues) process.stderr.write(`${formatIssue(issue)}\n`);
    }
  }
  return failed === 0 ? 0 : 1;
}

/**
 * `plan <file>`: prints the compiled plan (CompiledPipeline) as indented JSON on stdout.
 * @returns the process exit code: 0, or 1 when the file is invalid (errors on stderr)
 */
export async function runPlanCommand(file: string): Promise<number> {
  try {
    const plan = await loadPipelineFile(file);
    process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof PipelineValidationError)) throw err;
    for (const issue of err.issues) process.stderr.write(`${formatIssue(issue)}\n`);
    return 1;
  }
}
