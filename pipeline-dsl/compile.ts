/**
 * The pipeline compiler: YAML text → schema → semantic checks → a typed, content-hashed
 * CompiledPipeline (plan-types.ts). Every problem of the file is reported at once, each as
 * `file:line:column: field.path: message`; nothing but PipelineValidationError is thrown for bad input.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { compileSteps } from './compile-steps.ts';
import { PipelineValidationError } from './errors.ts';
import { IssueCollector } from './issues.ts';
import { paramNameSchema, paramSpecSchema, paramValueProblem } from './params.ts';
import { canonicalJson } from './plan.ts';
import type { CompiledPipeline, Json, ParamSpec } from './plan-types.ts';
import { compileSchedule } from './schedule.ts';
import { parseYamlSource } from './source-map.ts';
import { isJson } from './expr/json.ts';

const pipelineName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,62}$/, 'expected a lower-case name (a-z, 0-9, -), starting with a letter');

/** Top level: each section is checked on its own below, so that all sections' errors are reported. */
const documentSchema = z.strictObject(
  {
    apiVersion: z.literal('mmflow/v1'),
    kind: z.literal('Pipeline'),
    metadata: z.unknown().optional(), // required: reported by metadataSchema
    params: z.unknown().optional(),
    schedule: z.unknown().optional(),
    concurrency: z.unknown().optional(),
    steps: z.array(z.unknown()).min(1),
  },
  {
    error: (iss) =>
      iss.code === 'invalid_type'
        ? 'a pipeline file is a mapping (apiVersion, kind, metadata, steps, …)'
        : undefined,
  },
);

const metadataSchema = z.strictObject({
  name: pipelineName,
  description: z.string().optional(),
  labels: z.record(z.string(), z.string()).default({}),
});

const paramsSchema = z.record(z.string(), z.unknown(), {
  error: 'expected a mapping of parameter name to { type, default?, description? }',
});

const concurrencySchema = z
  .int({ error: 'concurrency must be an integer' })
  .min(1, 'concurrency must be at least 1')
  .max(1_000, 'concurrency must be at most 1000')
  .default(4);

/**
 * Compiles pipeline YAML text.
 * @param file name used in messages and kept in the plan (not part of the hash)
 * @throws PipelineValidationError listing every problem of the file, in file order
 */
export function compilePipeline(file: string, text: string): CompiledPipeline {
  const source = parseYamlSource(file, text);
  const issues = new IssueCollector(source);
  if (source.doc.errors.length > 0) {
    // One error per line: after the first, the parser's errors on a line are mostly its consequences.
    const lines = new Set<number>();
    for (const e of source.doc.errors) {
      const pos = source.lines.linePos(e.pos[0]);
      if (lines.has(pos.line)) continue;
      lines.add(pos.line);
      const lineText = text.split('\n')[pos.line - 1] ?? '';
      const hint =
        /[{[]/.test(lineText) && lineText.includes('${{')
          ? ' (quote a ${{ }} template written inside { } or [ ])'
          : '';
      const message = `YAML syntax: ${e.message.split('\n')[0] ?? e.code}${hint}`;
      issues.issues.push({ file, line: pos.line, column: pos.col, path: '', message });
    }
    throw new PipelineValidationError(issues.issues);
  }
  let raw: unknown;
  try {
    raw = source.doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    issues.at([], `YAML: ${err instanceof Error ? err.message : String(err)}`);
    throw new PipelineValidationError(issues.issues);
  }
  const top = documentSchema.safeParse(raw);
  if (!top.success) issues.zod(top.error, []);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new PipelineValidationError(issues.issues);
  const section = (key: string): unknown =>
    Object.hasOwn(raw, key) ? (raw as { [key: string]: unknown })[key] : undefined;

  const metadata = metadataSchema.safeParse(section('metadata'));
  if (!metadata.success) issues.zod(metadata.error, ['metadata']);
  const params = compileParams(section('params'), issues);
  const concurrency = concurrencySchema.safeParse(section('concurrency'));
  if (!concurrency.success) issues.zod(concurrency.error, ['concurrency']);
  const schedule = compileSchedule(section('schedule'), params, issues);
  const rawSteps = section('steps');
  const steps = Array.isArray(rawSteps) ? compileSteps(rawSteps, params, issues) : [];

  if (issues.issues.length > 0 || !metadata.success || !concurrency.success)
    throw new PipelineValidationError(issues.issues);
  const body = {
    apiVersion: 'mmflow/v1' as const,
    name: metadata.data.name,
    description: metadata.data.description,
    labels: metadata.data.labels,
    params,
    schedule,
    concurrency: concurrency.data,
    steps,
  };
  return { ...body, file, contentHash: contentHashOf(body) };
}

/** sha256 (hex) of the canonical JSON of a plan without its `file` and `contentHash`. */
export function contentHashOf(plan: Omit<CompiledPipeline, 'file' | 'contentHash'>): string {
  return createHash('sha256').update(canonicalJson(plan)).digest('hex');
}

function compileParams(raw: unknown, issues: IssueCollector): { [name: string]: ParamSpec } {
  if (raw === undefined) return {};
  const parsed = paramsSchema.safeParse(raw);
  if (!parsed.success) {
    issues.zod(parsed.error, ['params']);
    return {};
  }
  const out: { [name: string]: ParamSpec } = {};
  for (const [name, rawSpec] of Object.entries(parsed.data)) {
    const validName = paramNameSchema.safeParse(name);
    if (!validName.success)
      issues.at(['params', name], validName.error.issues[0]?.message ?? 'invalid name', { atKey: true });
    const parsedSpec = paramSpecSchema.safeParse(rawSpec);
    if (!parsedSpec.success) {
      issues.zod(parsedSpec.error, ['params', name]);
      continue;
    }
    const { type, description } = parsedSpec.data;
    const spec = parsedSpec.data;
    const value: unknown = spec.default;
    if (value === undefined) {
      out[name] = { type, ...(description !== undefined && { description }) };
      continue;
    }
    const problem = paramValueProblem(type, value);
    if (problem !== undefined || !isJson(value)) {
      issues.at(['params', name, 'default'], `default of ${type} param "${name}": ${problem ?? 'not JSON'}`);
      continue;
    }
    const json: Json = value;
    out[name] = { type, default: json, ...(description !== undefined && { description }) };
  }
  return out;
}
