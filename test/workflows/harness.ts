/**
 * Shared set-up of the workflow tests on the real Temporal server and PostgreSQL of the global setup:
 * one workflow bundle and one worker per test file on a task queue of its own, a client, builders of
 * compiled pipelines, and polling helpers (no sleeps: poll a condition with a deadline).
 */
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, type Worker } from '@temporalio/worker';
import type { Pool } from 'pg';
import { createLogger } from '../../app/logger.ts';
import { dataDir, workflowsPath } from '../../app/paths.ts';
import { ensureBuiltInModels } from '../../app/seed-models.ts';
import { createWorker } from '../../app/worker.ts';
import { createPool } from '../../db/pool.ts';
import type { Json } from '../../pipeline-dsl/plan-types.ts';
import { statusQuery, type PipelineStatus } from '../../workflows/pipeline/definitions.ts';
import { testServices } from '../setup/services.ts';

export { pipelineOf, step, waitStep } from './plans.ts';

export interface Harness {
  readonly client: Client;
  readonly db: Pool;
  readonly taskQueue: string;
  close(): Promise<void>;
}

/** Starts a worker (own task queue) and a client; `close()` stops both. */
export async function startHarness(name: string): Promise<Harness> {
  const services = testServices();
  const db = createPool(services.databaseUrl);
  await ensureBuiltInModels(db);
  const taskQueue = `test-${name}-${process.pid}-${Date.now()}`;
  const workflowBundle = await bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
  const created = await createWorker({
    temporalAddress: services.temporalAddress,
    namespace: services.namespace,
    db,
    dataDir: dataDir(),
    log: createLogger('test', 'error'),
    workflowBundle,
    taskQueue,
  });
  const worker: Worker = created.worker;
  const running = worker.run();
  const connection = await Connection.connect({ address: services.temporalAddress });
  const client = new Client({ connection, namespace: services.namespace });
  return {
    client,
    db,
    taskQueue,
    async close() {
      worker.shutdown();
      await running;
      await created.connection.close();
      await connection.close();
      await db.end();
    },
  };
}

const ignore = (): void => undefined;
const quietBundlerLogger = {
  log: ignore,
  trace: ignore,
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
};

/** A unique workflow id. */
export const uniqueId = (name: string): string => `${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;

/**
 * Polls `probe` until it returns a value other than undefined.
 * @throws Error naming `what` after `timeoutMs`
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ''}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Polls the status query until `ok(status)`. */
export function statusWhen(
  handle: WorkflowHandle,
  what: string,
  ok: (s: PipelineStatus) => boolean,
  timeoutMs?: number,
): Promise<PipelineStatus> {
  return eventually(
    what,
    async () => {
      const s = await handle.query(statusQuery);
      return ok(s) ? s : undefined;
    },
    timeoutMs,
  );
}

/** Messages of an error and its causes, joined by ` | `. */
export function errorChain(err: unknown): string {
  const messages: string[] = [];
  for (let e: unknown = err; e instanceof Error; e = e.cause) messages.push(e.message);
  return messages.join(' | ');
}

/** `params` helper with JSON values. */
export const params = (p: { [name: string]: Json }): { [name: string]: Json } => p;
