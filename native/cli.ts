/**
 * `mmflow quote`: the composition root of the quoting engine process. Parses the config (CLI options
 * + env), opens the PostgreSQL pool, wires SIGTERM/SIGINT to a graceful stop (pull quotes, flush,
 * finish the run), runs the engine, and prints ONE JSON line with the run id, status and KPIs as the
 * last line of stdout. Logs go to stderr.
 *
 * Exit codes: 0 = the run completed or was stopped by a signal; 1 = the run failed; 2 = bad config.
 */
import { createPool } from '../db/pool.ts';
import { errorFields, type Log } from '../infra/log.ts';
import { createLogger } from '../app/logger.ts';
import { ConfigError, parseEngineConfig, type EngineCliOptions, type EngineConfig } from './config.ts';
import { runQuotingEngine, type EngineRunSummary } from './engine-process.ts';
import { systemClock } from './system-clock.ts';
import { loadAlphaModel } from '../ml/load-alpha.ts';
import { guardCcxtStrayRejections } from './venues/ccxt-stray-rejections.ts';
import { loadSlotBinding, slotRequest } from './slot/slot-config.ts';
import type { Pool } from 'pg';

/** Where the command writes; injectable for tests. */
export interface QuoteCommandIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Writes one line to stdout (the result line). */
  readonly stdout: (line: string) => void;
  /** Logger (stderr). */
  readonly log: Log;
  /** Registers process signal handlers; returns the function that removes them. */
  readonly onSignals: (handler: (signal: string) => void) => () => void;
}

const processIo = (): QuoteCommandIo => ({
  env: process.env,
  stdout: (line) => process.stdout.write(`${line}\n`),
  log: createLogger('mmflow-quote'),
  onSignals: (handler) => {
    process.once('SIGTERM', handler);
    process.once('SIGINT', handler);
    return () => {
      process.off('SIGTERM', handler);
      process.off('SIGINT', handler);
    };
  },
});

/** The result line: run id, status, then every KPI field (nulls kept: a KPI may be undefined). */
export function resultLine(summary: EngineRunSummary): string {
  return JSON.stringify({
    runId: summary.runId,
    status: summary.status,
    mode: summary.mode,
    ...summary.kpis,
  });
}

/**
 * Runs `mmflow quote` with the given options.
 * @param opts CLI options (`--mode`, `--session`, `--model`, `--pace`, `--port`, …) as commander parsed them.
 * @returns the process exit code (see module doc).
 */
export async function runQuoteCommand(
  opts: EngineCliOptions,
  io: QuoteCommandIo = processIo(),
): Promise<number> {
  const { log } = io;
  let config: EngineConfig;
  // --- slot (--slot ID): mode, venue, symbol and model come from the slot's row ---
  let slotDb: Pool | undefined;
  try {
    const slot = slotRequest(opts, io.env);
    if (slot !== undefined) slotDb = createPool(slot.databaseUrl, { log });
    const binding =
      slot === undefined || slotDb === undefined ? undefined : await loadSlotBinding(slotDb, slot.slotId);
    config = parseEngineConfig(opts, io.env, undefined, binding);
  } catch (err) {
    await slotDb?.end();
    if (err instanceof ConfigError) {
      log.error({ err: errorFields(err), field: err.details?.['field'] }, 'invalid engine config');
      return 2;
    }
    throw err;
  }
  // --- end of slot ---
  const db = slotDb ?? createPool(config.databaseUrl, { log });
  const credentials = config.credentials;
  const unguard = guardCcxtStrayRejections(
    log,
    credentials === undefined ? [] : [credentials.apiKey, credentials.apiSecret],
  );
  const stop = new AbortController();
  const removeSignals = io.onSignals((signal) => {
    log.info({ signal }, 'stop requested; pulling quotes');
    stop.abort();
  });
  try {
    const summary = await runQuotingEngine(config, {
      db,
      log,
      clock: systemClock,
      signal: stop.signal,
      loadAlphaModel: (alpha) => loadAlphaModel(alpha),
    });
    io.stdout(resultLine(summary));
    return 0;
  } catch (err) {
    log.error({ err: errorFields(err) }, 'quoting engine failed');
    return 1;
  } finally {
    removeSignals();
    unguard();
    await db.end();
  }
}
