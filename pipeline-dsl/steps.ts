/**
 * Step types a pipeline may use, each with the schema of its `with:` input. The inferred types are
 * the inputs of the corresponding workflows (workflows import them as types only).
 */
import { z } from 'zod';

const venue = z.enum(['binance-spot', 'binance-usdm']);
const symbol = z.string().regex(/^[A-Z0-9]{2,20}$/, 'expected an exchange symbol such as BTCUSDT');
/** A path relative to the data directory (MMFLOW_DATA_DIR); no absolute paths, no `..`. */
const dataFile = z
  .string()
  .min(1)
  .refine(
    (p) => !p.startsWith('/') && !p.split('/').includes('..'),
    'must be a path relative to the data directory, without ".."',
  );

/** One recorded input to ingest. */
export const ingestSourceSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('klines'),
    file: dataFile,
    venue,
    symbol,
    interval: z.enum(['1m', '5m', '15m', '1h', '4h', '1d']),
  }),
  z.strictObject({ kind: z.literal('trades'), file: dataFile, venue, symbol }),
]);
export type IngestSource = z.infer<typeof ingestSourceSchema>;

/** `uses: ingest` — load recorded klines/trades into PostgreSQL in batches (idempotent). */
export const ingestStepInputSchema = z.strictObject({
  sources: z.array(ingestSourceSchema).min(1),
  /** Rows per INSERT batch and per heartbeat. */
  batchSize: z.int().min(100).max(50_000).default(5_000),
});
export type IngestStepInput = z.infer<typeof ingestStepInputSchema>;

/** `uses: backtest` — replay one recorded session with a registered model version; KPIs go to PostgreSQL. */
export const backtestStepInputSchema = z.strictObject({
  /** Recorded session prefix, e.g. `binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z`. */
  session: z
    .string()
    .regex(
      /^binance-(spot|usdm)_[A-Z0-9]+_[0-9TZ-]+(_[a-z]+)?$/,
      'expected a recorded session prefix such as binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z',
    ),
  /** Model version id in the registry, e.g. `as-v1-alpha-btcusdt@1`. */
  model: z.string().min(1),
  /** Order-entry latency in ms (exchange time). */
  entryLatencyMs: z.number().min(0).max(10_000).default(5),
  /** Cancel latency in ms. */
  cancelLatencyMs: z.number().min(0).max(10_000).default(5),
});
export type BacktestStepInput = z.infer<typeof backtestStepInputSchema>;

/** Registered step types and their input schemas. */
export const stepInputSchemas = {
  ingest: ingestStepInputSchema,
  backtest: backtestStepInputSchema,
} as const;
export type StepType = keyof typeof stepInputSchemas;
export const stepTypes = Object.keys(stepInputSchemas) as StepType[];
