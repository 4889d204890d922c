/** `mmflow worker`: a long-running Temporal worker against TEMPORAL_ADDRESS and DATABASE_URL. */
import { createLogger } from '../app/logger.ts';
import { dataDir, TASK_QUEUE } from '../app/paths.ts';
import { createWorker } from '../app/worker.ts';
import { createPool } from '../db/pool.ts';
import { migrateUp } from '../db/migrate.ts';

/**
 * @param taskQueue task queue to poll (default `mmflow`; tests run workers on queues of their own)
 * @returns the process exit code. Needs DATABASE_URL and TEMPORAL_ADDRESS (namespace: TEMPORAL_NAMESPACE).
 */
export async function runWorkerCommand(
  env: NodeJS.ProcessEnv = process.env,
  taskQueue: string = TASK_QUEUE,
): Promise<number> {
  const log = createLogger('mmflow-worker');
  const databaseUrl = env['DATABASE_URL'];
  const temporalAddress = env['TEMPORAL_ADDRESS'];
  if (databaseUrl === undefined || temporalAddress === undefined) {
    process.stderr.write(
      'mmflow worker: set DATABASE_URL and TEMPORAL_ADDRESS (use `mmflow start` for the embedded defaults)\n',
    );
    return 2;
  }
  await migrateUp(databaseUrl, log);
  const db = createPool(databaseUrl);
  const { worker, connection } = await createWorker({
    temporalAddress,
    namespace: env['TEMPORAL_NAMESPACE'] ?? 'default',
    db,
    dataDir: dataDir(env),
    log,
    taskQueue,
  });
  // The SDK's runtime also reacts to SIGINT/SIGTERM; shut down only if it has not already begun.
  const stop = (): void => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await worker.run();
  } finally {
    await connection.close();
    await db.end();
  }
  return 0;
}
