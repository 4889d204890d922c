/**
 * Loads a pipeline file: YAML → schema → per-step input schemas → semantic checks (duplicate ids,
 * unknown or cyclic `needs`) → a typed, content-hashed PipelinePlan. Every problem of the file is
 * reported at once, each naming file, line, column and field path; nothing here throws a raw stack.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { PipelineValidationError, formatPath, type PipelineIssue } from './errors.ts';
import { canonicalJson, topologicalOrder, type PipelinePlan, type PlanStep } from './plan.ts';
import { pipelineFileSchema, pipelineStepSchema, type PipelineStep } from './schema.ts';
import { locate, parseYamlSource, type YamlSource } from './source-map.ts';
import { stepInputSchemas, type StepType } from './steps.ts';

/**
 * Reads and compiles a pipeline file.
 * @param file path of the YAML file (used verbatim in error messages)
 * @throws PipelineValidationError listing every problem; Error if the file cannot be read
 */
export async function loadPipelineFile(file: string): Promise<PipelinePlan> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new PipelineValidationError([
      { file, line: 1, column: 1, path: '', message: `cannot read file: ${(err as Error).message}` },
    ]);
  }
  return compilePipeline(file, text);
}

/**
 * Compiles pipeline YAML text into a plan.
 * @throws PipelineValidationError listing every problem of the file
 */
export function compilePipeline(file: string, text: string): PipelinePlan {
  const source = parseYamlSource(file, text);
  if (source.doc.errors.length > 0) {
    throw new PipelineValidationError(
      source.doc.errors.map((e) => {
        const pos = e.linePos?.[0] ?? { line: 1, col: 1 };
        return {
          file,
          line: pos.line,
          column: pos.col,
          path: '',
          message: `YAML syntax: ${e.message.split('\n')[0] ?? e.code}`,
        };
      }),
    );
  }
  const parsed = pipelineFileSchema.safeParse(source.doc.toJS());
  if (!parsed.success) throw new PipelineValidationError(zodIssues(source, parsed.error, []));

  const issues: PipelineIssue[] = [];
  const declared: { readonly index: number; readonly step: PipelineStep }[] = [];
  parsed.data.steps.forEach((raw, index) => {
    const step = pipelineStepSchema.safeParse(raw);
    if (step.success) declared.push({ index, step: step.data });
    else issues.push(...zodIssues(source, step.error, ['steps', index]));
  });
  // Ids of every step, valid or not, so a broken step does not also make its dependents' `needs` "unknown".
  const allIds = new Set(parsed.data.steps.map(stepIdOf).filter((id): id is string => id !== undefined));

  const steps: PlanStep[] = [];
  declared.forEach(({ index, step }) => {
    const schema = stepInputSchemas[step.uses as StepType];
    const input = schema.safeParse(step.with);
    if (!input.success) {
      issues.push(...zodIssues(source, input.error, ['steps', index, 'with']));
      return;
    }
    steps.push({ id: step.id, uses: step.uses, needs: step.needs, with: input.data } as PlanStep);
  });

  const seen = new Map<string, number>();
  declared.forEach(({ index, step }) => {
    const first = seen.get(step.id);
    if (first !== undefined)
      issues.push(
        issueAt(
          source,
          ['steps', index, 'id'],
          `duplicate step id "${step.id}" (first declared at steps[${first}])`,
        ),
      );
    else seen.set(step.id, index);
    step.needs.forEach((need, j) => {
      if (!allIds.has(need)) {
        issues.push(issueAt(source, ['steps', index, 'needs', j], `unknown step "${need}"`));
      }
      if (need === step.id)
        issues.push(issueAt(source, ['steps', index, 'needs', j], `step "${step.id}" cannot need itself`));
    });
  });
  if (issues.length === 0) {
    const { order, cycle } = topologicalOrder(steps);
    if (cycle.length > 0) {
      const index = declared.find((d) => d.step.id === cycle[0])?.index ?? 0;
      issues.push(
        issueAt(
          source,
          ['steps', index, 'needs'],
          `cycle in needs between steps ${cycle.map((c) => `"${c}"`).join(', ')}`,
        ),
      );
    } else {
      const byId = new Map(steps.map((s) => [s.id, s]));
      const ordered = order.map((id) => byId.get(id)).filter((s): s is PlanStep => s !== undefined);
      return {
        apiVersion: 'mmflow/v1',
        name: parsed.data.metadata.name,
        description: parsed.data.metadata.description,
        file,
        contentHash: createHash('sha256')
          .update(canonicalJson({ name: parsed.data.metadata.name, steps: ordered }))
          .digest('hex'),
        steps: ordered,
      };
    }
  }
  throw new PipelineValidationError(issues);
}

function stepIdOf(raw: unknown): string | undefined {
  if (raw !== null && typeof raw === 'object' && 'id' in raw && typeof raw.id === 'string') return raw.id;
  return undefined;
}

function zodIssues(source: YamlSource, error: z.ZodError, prefix: readonly PropertyKey[]): PipelineIssue[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) =>
          issueAt(source, [...prefix, ...issue.path, key], `unknown field "${key}"`, true),
        )
      : [issueAt(source, [...prefix, ...issue.path], issue.message)],
  );
}

function issueAt(
  source: YamlSource,
  path: readonly PropertyKey[],
  message: string,
  atKey = false,
): PipelineIssue {
  const { line, column } = locate(source, path, { atKey });
  return { file: source.file, line, column, path: formatPath(path), message };
}
