/** Well-known locations, resolved from the repository root (not the current directory). */
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

/** Absolute path of the repository root. */
export const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** Recorded market data: `MMFLOW_DATA_DIR`, default `<repo>/../shared/data`. */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(repoRoot, env['MMFLOW_DATA_DIR'] ?? '../shared/data');
}

/** State of embedded services (PostgreSQL cluster, Temporal SQLite): `MMFLOW_STATE_DIR`, default `<repo>/.mmflow`. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(repoRoot, env['MMFLOW_STATE_DIR'] ?? '.mmflow');
}

/**
 * The project-local Python environment of mmflow's Python peers (the `temporal` CLI, the ONNX checker;
 * infra/embedded/python-env.ts): `<stateDir>/python`.
 */
export function pythonEnvDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(stateDir(env), 'python');
}

/** Task queue of the mmflow worker. */
export const TASK_QUEUE = 'mmflow';

/** Bundled workflow entry module (TypeScript; bundled by the Temporal SDK). */
export const workflowsPath = resolve(repoRoot, 'workflows/index.ts');
