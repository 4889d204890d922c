/**
 * The worker: the composition root where activities are built over their ports (database, data
 * directory, logger) and registered with the bundled workflows on task queue "mmflow".
 */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Pool } from 'pg';
import { createActivities } from '../activities/index.ts';
import type { Logger } from './logger.ts';
import { installTemporalRuntime } from './temporal-runtime.ts';
import { TASK_QUEUE, workflowsPath } from './paths.ts';

export interface WorkerDeps {
  readonly temporalAddress: string;
  readonly namespace: string;
  readonly db: Pool;
  readonly dataDir: string;
  readonly log: Logger;
  /** Pre-bundled workflow code (tests bundle once); default: bundle `workflows/index.ts`. */
  readonly workflowBundle?: WorkerOptions['workflowBundle'];
  readonly taskQueue?: string;
}

/** Connects to Temporal and creates (does not run) the mmflow worker. */
export async function createWorker(
  deps: WorkerDeps,
): Promise<{ worker: Worker; connection: NativeConnection }> {
  installTemporalRuntime(deps.log);
  const connection = await NativeConnection.connect({ address: deps.temporalAddress });
  const activities = createActivities({ db: deps.db, dataDir: deps.dataDir, log: deps.log });
  const code =
    deps.workflowBundle !== undefined ? { workflowBundle: deps.workflowBundle } : { workflowsPath };
  const worker = await Worker.create({
    connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue ?? TASK_QUEUE,
    activities,
    ...code,
  });
  return { worker, connection };
}
