/**
 * Table-driven: every `test/fixtures/pipelines/malformed/<name>.yaml` must be rejected with exactly the
 * lines of its sibling `<name>.expected.txt` (file:line:column: field.path: message, in file order), and
 * the CLI must print them without a stack trace.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../app/paths.ts';
import { runValidateCommand } from '../../cli/pipelines.ts';
import { PipelineValidationError, formatIssue } from '../../pipeline-dsl/errors.ts';
import { compilePipeline } from '../../pipeline-dsl/load.ts';

const DIR = 'test/fixtures/pipelines/malformed';
const fixtures = readdirSync(join(repoRoot, DIR))
  .filter((f) => f.endsWith('.yaml'))
  .sort();

function rejection(file: string): string[] {
  const text = readFileSync(join(repoRoot, file), 'utf8');
  try {
    compilePipeline(file, text);
  } catch (err) {
    if (err instanceof PipelineValidationError) return err.issues.map(formatIssue);
    throw err;
  }
  throw new Error(`${file} compiled, but it is in the malformed set`);
}

describe('malformed pipeline files', () => {
  afterEach(() => vi.restoreAllMocks());

  it('has at least 30 cases, each with its expected messages', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(30);
    for (const f of fixtures)
      expect(readdirSync(join(repoRoot, DIR))).toContain(f.replace(/\.yaml$/, '.expected.txt'));
  });

  it.each(fixtures)('%s is rejected with the expected file:line:column: path: message', (name) => {
    const file = `${DIR}/${name}`;
    const expected = readFileSync(join(repoRoot, DIR, name.replace(/\.yaml$/, '.expected.txt')), 'utf8')
      .split('\n')
      .filter((line) => line !== '');
    const lines = rejection(file);
    expect(lines).toEqual(expected);
    for (const line of lines) {
      expect(line.startsWith(`${file}:`)).toBe(true);
      expect(line).toMatch(/^[^:]+:\d+:\d+: /);
      expect(line).not.toMatch(/\n|\bat .+:\d+:\d+\)/);
    }
  });

  it('`pipelines validate` prints every error compiler style and no stack trace', async () => {
    const out: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const code = await runValidateCommand(fixtures.map((f) => `${DIR}/${f}`));
    vi.restoreAllMocks();
    expect(code).toBe(1);
    const lines = out
      .join('')
      .split('\n')
      .filter((l) => l !== '');
    const expectedCount = fixtures
      .map(
        (f) =>
          readFileSync(join(repoRoot, DIR, f.replace(/\.yaml$/, '.expected.txt')), 'utf8')
            .split('\n')
            .filter((l) => l !== '').length,
      )
      .reduce((a, b) => a + b, 0);
    expect(lines.length).toBe(expectedCount);
    for (const line of lines)
      expect(line).toMatch(/^test\/fixtures\/pipelines\/malformed\/[a-z-]+\.yaml:\d+:\d+: /);
    expect(out.join('')).not.toMatch(/^\s+at /m);
  });
});
