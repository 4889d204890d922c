/**
 * Heartbeats of the step activities. An activity reports progress with {@link heartbeat}; while it
 * runs under {@link keepAlive}, the last details are sent again every {@link KEEP_ALIVE_INTERVAL_MS}
 * so that a long await (a query, a file read, a database that is restarting) never looks like a dead
 * worker. Only a worker that stopped (crashed, killed, event loop blocked longer than the heartbeat
 * timeout) misses heartbeats, and Temporal then retries the attempt after the step's heartbeat timeout
 * (pipeline-dsl/steps.ts `stepActivityDefaults`) rather than its start-to-close timeout.
 * Outside an activity (a test calling the function directly) both are no-ops.
 */
import { asyncLocalStorage, type Context } from '@temporalio/activity';

/** Interval of the keep-alive heartbeat, ms: well under the shortest step heartbeat timeout (30 s). */
export const KEEP_ALIVE_INTERVAL_MS = 5_000;

/** Last details heartbeated by each running activity (kept so the keep-alive does not erase them). */
const lastDetails = new WeakMap<Context, unknown>();

/** Heartbeats `details` (progress shown by `mmflow audit`) when running as an activity. */
export function heartbeat(details: Record<string, unknown>): void {
  const ctx = asyncLocalStorage.getStore();
  if (ctx === undefined) return;
  lastDetails.set(ctx, details);
  ctx.heartbeat(details);
}

/**
 * Runs `fn`, heartbeating its last details every {@link KEEP_ALIVE_INTERVAL_MS} until it settles.
 * @returns what `fn` returns; rethrows what it throws
 */
export async function keepAlive<T>(fn: () => Promise<T>): Promise<T> {
  const ctx = asyncLocalStorage.getStore();
  if (ctx === undefined) return fn();
  const timer = setInterval(() => {
    ctx.heartbeat(lastDetails.get(ctx) ?? { phase: 'running' });
  }, KEEP_ALIVE_INTERVAL_MS);
  timer.unref();
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}
