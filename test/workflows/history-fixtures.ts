/**
 * Recorded workflow histories committed under test/fixtures/histories/: the file format, reading and
 * writing it, and which recordings the shipped pipelines need. One file per recording holds every
 * workflow execution of it (the pipeline run, each Continue-As-New run, and the child workflows). A
 * history is stored as protobufjs's object form of `temporal.api.history.v1.History` (enums by name,
 * 64-bit integers and bytes as strings), readable and diffable. (The SDK's `historyToJSON` cannot be
 * used here: @temporalio/common and @temporalio/proto resolve two different protobufjs copies in this
 * install.)
 */
import proto from '@temporalio/proto'; // CommonJS: no named exports under Node's ESM loader
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { repoRoot } from '../../app/paths.ts';
import { loadPipelineFile } from '../../pipeline-dsl/load.ts';

/** Where the fixtures live. */
export const HISTORIES_DIR = resolve(repoRoot, 'test/fixtures/histories');

/** Where the shipped pipelines live (`pipelines/*.yaml`; subdirectories are not shipped). */
export const PIPELINES_DIR = resolve(repoRoot, 'pipelines');

/** A shipped pipeline. Its recording (fixture file `<name>.json`) is named by its `metadata.name`. */
export interface ShippedPipeline {
  /** `metadata.name`. */
  readonly name: string;
  /** Path relative to the repository root, as a `{ file }` pipeline input takes it: `pipelines/<x>.yaml`. */
  readonly file: string;
}

/** Every `pipelines/*.yaml`, compiled (a file that does not compile throws, naming its errors). */
export async function shippedPipelines(): Promise<ShippedPipeline[]> {
  const files = (await readdir(PIPELINES_DIR)).filter((f) => /\.ya?ml$/.test(f)).sort();
  const out: ShippedPipeline[] = [];
  for (const f of files) {
    const compiled = await loadPipelineFile(join(PIPELINES_DIR, f));
    out.push({ name: compiled.name, file: `pipelines/${f}` });
  }
  return out;
}

const fixtureSchema = z.strictObject({
  /** What was recorded and how to regenerate it. */
  description: z.string(),
  /** When, ISO 8601 (informative). */
  recordedAt: z.string(),
  executions: z.array(
    z.strictObject({
      workflowId: z.string().min(1),
      runId: z.string().min(1),
      workflowType: z.string().min(1),
      /** `History.toObject(…)` (see the module doc). */
      history: z.unknown(),
    }),
  ),
});
export type HistoryFixture = z.infer<typeof fixtureSchema>;

const { History } = proto.temporal.api.history.v1;
type History = proto.temporal.api.history.v1.IHistory;
const TO_OBJECT = { enums: String, longs: String, bytes: String } as const;

/** One execution ready to replay. */
export interface RecordedExecution {
  readonly workflowId: string;
  readonly runId: string;
  readonly workflowType: string;
  readonly history: History;
}

function historyObject(file: string, value: unknown): { [key: string]: unknown } {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new Error(`${file}: a history must be an object`);
  return Object.fromEntries(Object.entries(value));
}

/** Writes a fixture file `<name>.json`. */
export async function writeFixture(
  name: string,
  description: string,
  executions: readonly RecordedExecution[],
): Promise<string> {
  const fixture: HistoryFixture = {
    description,
    recordedAt: new Date().toISOString(),
    executions: executions.map((e) => ({
      workflowId: e.workflowId,
      runId: e.runId,
      workflowType: e.workflowType,
      history: History.toObject(History.fromObject(e.history), TO_OBJECT),
    })),
  };
  const path = join(HISTORIES_DIR, `${name}.json`);
  await writeFile(path, `${JSON.stringify(fixture, null, 1)}\n`);
  return path;
}

/** Reads every fixture file (name without `.json` → executions). @throws naming a malformed file */
export async function readFixtures(): Promise<Map<string, RecordedExecution[]>> {
  const files = (await readdir(HISTORIES_DIR)).filter((f) => f.endsWith('.json')).sort();
  const out = new Map<string, RecordedExecution[]>();
  for (const file of files) {
    const parsed = fixtureSchema.safeParse(JSON.parse(await readFile(join(HISTORIES_DIR, file), 'utf8')));
    if (!parsed.success) throw new Error(`${file}: ${z.prettifyError(parsed.error)}`);
    out.set(
      file.replace(/\.json$/, ''),
      parsed.data.executions.map((e) => ({
        workflowId: e.workflowId,
        runId: e.runId,
        workflowType: e.workflowType,
        history: History.fromObject(historyObject(file, e.history)),
      })),
    );
  }
  return out;
}
