/**
 * What `mmflow report` replays: a stored backtest run (its `backtest_runs` row: session, model params,
 * latencies and fee tier as run) or a recorded session given as files, as for `mmflow backtest`.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Pool } from 'pg';
import { z } from 'zod';
import { PermanentError } from '../core/errors.ts';
import {
  DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT,
  parseModelParams,
  type ModelParams,
} from '../core/quoting/model-params.ts';
import { findSession, sessionFromFiles } from '../activities/recorded-backtest.ts';
import { ensureBuiltInModels } from '../app/seed-models.ts';
import { getBacktestRun } from '../db/repositories/backtest-runs.ts';
import { getModelVersion } from '../db/repositories/models.ts';
import type { RecordedSession } from '../venues/binance/recorded.ts';

/** One backtest to re-run and report. */
export interface ReportJob {
  readonly session: RecordedSession;
  readonly params: ModelParams;
  /** Model version id, `built-in default`, or `ad hoc` for a stored run of an unregistered parameter set. */
  readonly model: string;
  /** Order-entry and cancel latencies, µs. */
  readonly entryLatencyUs: number;
  readonly cancelLatencyUs: number;
  /** Fee tier of the session's venue; absent = the venue's default tier. */
  readonly feeTier?: string;
  /** The stored run re-run; absent for files. */
  readonly stored?: StoredRunFigures;
}

/** What a stored run said, to check the re-run against. */
export interface StoredRunFigures {
  readonly runId: string;
  /** Net PnL as stored (NUMERIC text, 8 decimals), quote currency. */
  readonly netPnlQuote: string;
  /** Maker fee the run was charged, bps. */
  readonly makerFeeBps: number;
  /** When the run finished, Unix epoch ms. */
  readonly finishedAtMs: number;
}

/** `config` of a `backtest_runs` row as activities/backtest.ts writes it (older rows have no feeTier). */
const StoredConfig = z.object({
  params: z.unknown(),
  execution: z.object({
    entryLatencyUs: z.number().int().min(0),
    cancelLatencyUs: z.number().int().min(0),
    makerFeeBps: z.number().finite(),
  }),
  feeTier: z.string().min(1).optional(),
});

/**
 * The job of stored run `runId`: its session (found in `dataDir`), params, latencies and fee tier.
 * @throws PermanentError `UNKNOWN_RUN` naming the id; `BAD_STORED_CONFIG` naming the row and field;
 *   `UNKNOWN_SESSION` when the session's files are not in `dataDir`; ModelParamsError on bad params.
 */
export async function jobFromRun(db: Pool, runId: string, dataDir: string): Promise<ReportJob> {
  const run = await getBacktestRun(db, runId);
  if (run === undefined)
    throw new PermanentError('UNKNOWN_RUN', `backtest run "${runId}" is not in backtest_runs`, { runId });
  const parsed = StoredConfig.safeParse(run.config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = ['config', ...(issue?.path.map(String) ?? [])].join('.');
    throw new PermanentError(
      'BAD_STORED_CONFIG',
      `backtest_runs ${runId} ${field}: ${issue?.message ?? 'invalid'}`,
      { runId },
    );
  }
  const config = parsed.data;
  return {
    session: findSession(dataDir, run.session),
    params: parseModelParams(config.params, `backtest_runs ${runId} config.params`),
    model: run.modelVersionId ?? 'ad hoc',
    entryLatencyUs: config.execution.entryLatencyUs,
    cancelLatencyUs: config.execution.cancelLatencyUs,
    ...(config.feeTier === undefined ? {} : { feeTier: config.feeTier }),
    stored: {
      runId,
      netPnlQuote: run.netPnlQuote,
      makerFeeBps: config.execution.makerFeeBps,
      finishedAtMs: run.finishedAtMs,
    },
  };
}

/** Files and options of `mmflow report --depth … --trades …`. */
export interface FilesSource {
  readonly depth: string;
  readonly trades: string;
  readonly model?: string;
  readonly feeTier?: string;
  readonly entryLatencyMs: number;
  readonly cancelLatencyMs: number;
}

/**
 * The session of the files, with the built-in default params or a registered version's.
 * @param openDb opens the registry's database (only called with `model`).
 * @throws PermanentError `FILE_NOT_FOUND` naming the missing file; `BAD_FILE_NAME`; `MODEL_NOT_FOUND`.
 */
export async function jobFromFiles(
  src: FilesSource,
  openDb: () => Promise<{ pool: Pool; close: () => Promise<void> }>,
): Promise<ReportJob> {
  const depth = resolve(src.depth);
  const trades = resolve(src.trades);
  for (const path of [depth, trades])
    if (!existsSync(path)) throw new PermanentError('FILE_NOT_FOUND', `${path}: no such file`, { path });
  const session = sessionFromFiles(depth, trades);
  let params: ModelParams = DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT;
  if (src.model !== undefined) {
    const db = await openDb();
    try {
      params = await registeredParams(db.pool, src.model);
    } finally {
      await db.close();
    }
  }
  return {
    session,
    params,
    model: src.model ?? 'built-in default',
    entryLatencyUs: src.entryLatencyMs * 1000,
    cancelLatencyUs: src.cancelLatencyMs * 1000,
    ...(src.feeTier === undefined ? {} : { feeTier: src.feeTier }),
  };
}

async function registeredParams(db: Pool, modelId: string): Promise<ModelParams> {
  await ensureBuiltInModels(db);
  const model = await getModelVersion(db, modelId);
  if (model === undefined)
    throw new PermanentError('MODEL_NOT_FOUND', `model version "${modelId}" is not in the registry`, {
      model: modelId,
    });
  return parseModelParams(model.params, `model_versions ${model.id} params`);
}
