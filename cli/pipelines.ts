/** `mmflow pipelines validate`: compiles each file and prints every error, compiler style. */
import { PipelineValidationError, formatIssue } from '../pipeline-dsl/errors.ts';
import { loadPipelineFile } from '../pipeline-dsl/load.ts';

/** @returns the process exit code: 0 when every file is valid, 1 otherwise. */
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
