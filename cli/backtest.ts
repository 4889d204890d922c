/** `mmflow backtest --depth FILE --trades FILE [--model VERSION]`: one recorded session, KPIs as JSON last. */
import { resolve } from 'node:path';
import {
  DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT,
  parseModelParams,
  type ModelParams,
} from '../core/quoting/model-params.ts';
import { isRetryable, PermanentError } from '../core/errors.ts';
import { backtestRecordedSession, sessionFromFiles } from '../activities/recorded-backtest.ts';
import { instrumentAtFeeTier, instrumentForSession } from '../venues/instruments.ts';
import { createCliLogger } from '../app/logger.ts';
import { stateDir } from '../app/paths.ts';
import { createPool } from '../db/pool.ts';
import { migrateUp } from '../db/migrate.ts';
import { getModelVersion } from '../db/repositories/models.ts';
import { resolveDatabase } from '../infra/embedded/postgres.ts';
import { headlineKpis } from '../workflows/types.ts';
import { ensureBuiltInModels } from '../app/seed-models.ts';

export interface BacktestCommandOptions {
  readonly depth: string;
  readonly trades: string;
  readonly model?: string;
  readonly entryLatencyMs: number;
  readonly cancelLatencyMs: number;
  /** Fee tier of the session's venue (config/instruments.json); absent = the venue's default tier. */
  readonly feeTier?: string;
  /** bookTicker file of the same session: quote against the fastest top of book (ADR 0020). */
  readonly bookTicker?: string;
}

/** Loads a model version's parameters from the registry (DATABASE_URL, or the embedded database). */
async function paramsFromRegistry(modelId: string): Promise<ModelParams> {
  const log = createCliLogger('mmflow');
  const db = await resolveDatabase({ env: process.env, stateDir: stateDir(), log });
  const pool = createPool(db.url);
  try {
    await migrateUp(db.url, log);
    await ensureBuiltInModels(pool);
    const model = await getModelVersion(pool, modelId);
    if (model === undefined)
      throw new PermanentError('MODEL_NOT_FOUND', `model version "${modelId}" is not in the registry`, {
        model: modelId,
      });
    return parseModelParams(model.params, `model_versions ${model.id} params`);
  } finally {
    await pool.end();
    await db.stop();
  }
}

/** @returns the process exit code (0 ok, 1 failure with a one-line error on stderr). */
export async function runBacktestCommand(opts: BacktestCommandOptions): Promise<number> {
  try {
    const files = sessionFromFiles(resolve(opts.depth), resolve(opts.trades));
    const session =
      opts.bookTicker === undefined ? files : { ...files, bookTickerPath: resolve(opts.bookTicker) };
    // An unknown tier fails here, before the registry's database is started for --model.
    if (opts.feeTier !== undefined) instrumentAtFeeTier(instrumentForSession(session), opts.feeTier);
    const params =
      opts.model !== undefined ? await paramsFromRegistry(opts.model) : DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT;
    const report = await backtestRecordedSession({
      session,
      params,
      entryLatencyUs: opts.entryLatencyMs * 1000,
      cancelLatencyUs: opts.cancelLatencyMs * 1000,
      ...(opts.feeTier === undefined ? {} : { feeTier: opts.feeTier }),
      fastTouch: opts.bookTicker !== undefined,
    });
    process.stderr.write(
      `backtest ${session.prefix}: ${report.kpis.events} events over ${report.session.durationSec.toFixed(0)} s\n`,
    );
    process.stdout.write(
      `${JSON.stringify({ session: session.prefix, model: opts.model ?? 'built-in default', feeTier: report.feeTier, ...headlineKpis(report.kpis) })}\n`,
    );
    return 0;
  } catch (err) {
    process.stderr.write(
      `mmflow backtest: ${(err as Error).message}${isRetryable(err) ? ' (transient: retry)' : ''}\n`,
    );
    return 1;
  }
}
