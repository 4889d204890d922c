/** Collects the problems of one pipeline file, each located at file:line:column with its field path. */
import type { z } from 'zod';
import { formatPath, type PipelineIssue } from './errors.ts';
import { locate, locateInString, type YamlSource } from './source-map.ts';

export type FieldPath = readonly (string | number)[];

export class IssueCollector {
  readonly issues: PipelineIssue[] = [];

  constructor(readonly source: YamlSource) {}

  /** A problem with the value at `path` (or, with `atKey`, with the key of its last segment). */
  at(path: FieldPath, message: string, opts: { atKey?: boolean } = {}): void {
    const { line, column } = locate(this.source, path, opts);
    this.issues.push({ file: this.source.file, line, column, path: formatPath(path), message });
  }

  /** A problem at character `index` (0-based) of the string value at `path`. */
  inString(path: FieldPath, index: number, message: string): void {
    const { line, column } = locateInString(this.source, path, index);
    this.issues.push({ file: this.source.file, line, column, path: formatPath(path), message });
  }

  /** Every issue of a zod error, with `prefix` prepended to its paths. */
  zod(error: z.ZodError, prefix: FieldPath): void {
    for (const issue of error.issues) this.zodIssue(issue, prefix);
  }

  zodIssue(issue: z.core.$ZodIssue, prefix: FieldPath): void {
    const path = [...prefix, ...issue.path.map(pathSegment)];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) this.at([...path, key], `unknown field "${key}"`, { atKey: true });
      return;
    }
    if (issue.code === 'invalid_key') {
      this.at(path, `invalid key: ${issue.issues.map((i) => i.message).join('; ')}`, { atKey: true });
      return;
    }
    const last = path.at(-1);
    if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message) && last !== undefined)
      this.at(path, `missing required field "${String(last)}"`);
    else this.at(path, issue.message);
  }
}

function pathSegment(segment: PropertyKey): string | number {
  return typeof segment === 'number' ? segment : String(segment);
}
