/** Validation errors of pipeline files, reported all at once, each with file:line:column and field path. */

/** One problem found in a pipeline file. Line and column are 1-based. */
export interface PipelineIssue {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** Field path, e.g. `steps[1].with.session` (empty string for the whole document). */
  readonly path: string;
  readonly message: string;
}

/** Formats one issue as `file:line:column: path: message`. */
export function formatIssue(issue: PipelineIssue): string {
  const where = `${issue.file}:${issue.line}:${issue.column}`;
  return issue.path === '' ? `${where}: ${issue.message}` : `${where}: ${issue.path}: ${issue.message}`;
}

/** Thrown when a pipeline file is invalid; `issues` holds every problem found, in file order. */
export class PipelineValidationError extends Error {
  readonly issues: readonly PipelineIssue[];

  constructor(issues: readonly PipelineIssue[]) {
    const sorted = [...issues].sort((a, b) => a.line - b.line || a.column - b.column);
    super(
      `invalid pipeline (${sorted.length} error${sorted.length === 1 ? '' : 's'}):\n${sorted.map(formatIssue).join('\n')}`,
    );
    this.name = 'PipelineValidationError';
    this.issues = sorted;
  }
}

/** Renders a path like `['steps', 1, 'with']` as `steps[1].with`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}
