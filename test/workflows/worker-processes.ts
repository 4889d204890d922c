/**
 * Worker processes for the crash tests: `mmflow worker --task-queue Q` spawned as its own process on
 * the test services, so a test can SIGKILL it and start a replacement; plus a client and a pool.
 * `close()` kills what is left and closes the connections.
 */
import { Client, Connection } from '@temporalio/client';
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { Pool } from 'pg';
import { repoRoot } from '../../app/paths.ts';
import { createPool } from '../../db/pool.ts';
import { testServices } from '../setup/services.ts';

export interface WorkerProcesses {
  readonly client: Client;
  readonly db: Pool;
  readonly taskQueue: string;
  /** Spawns one more worker process on the task queue. */
  start(): ChildProcess;
  close(): Promise<void>;
}

/** Resolves once `child` has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((done) => child.once('exit', () => done()));
}

/**
 * A client, a pool and a spawner of worker processes on a task queue named after `name`.
 * @param options.databaseUrl the database of the workers and the pool (default: the run's)
 */
export async function workerProcesses(
  name: string,
  options: { databaseUrl?: string } = {},
): Promise<WorkerProcesses> {
  const services = { ...testServices(), ...options };
  const taskQueue = `test-${name}-${process.pid}-${Date.now()}`;
  const connection = await Connection.connect({ address: services.temporalAddress });
  const client = new Client({ connection, namespace: services.namespace });
  const db = createPool(services.databaseUrl);
  const workers: ChildProcess[] = [];
  return {
    client,
    db,
    taskQueue,
    start() {
      const child = spawn(
        process.execPath,
        [resolve(repoRoot, 'bin/mmflow.mjs'), 'worker', '--task-queue', taskQueue],
        {
          cwd: repoRoot,
          env: {
            ...process.env,
            DATABASE_URL: services.databaseUrl,
            TEMPORAL_ADDRESS: services.temporalAddress,
            TEMPORAL_NAMESPACE: services.namespace,
            MMFLOW_LOG_LEVEL: 'error',
          },
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      workers.push(child);
      return child;
    },
    async close() {
      for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
      await Promise.all(workers.map(exited));
      await connection.close();
      await db.end();
    },
  };
}
