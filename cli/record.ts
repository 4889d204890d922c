/**
 * `mmflow record --venue binance-usdm --symbol BTCUSDT [--symbol ETHUSDT …] [--data DIR]
 * [--exchange-url URL] [--stats-interval-ms N] [--pg]`: records live depth, trades and bookTicker of the
 * symbols (native/recorder/) into hourly gzip files of the data directory's format, until SIGINT or
 * SIGTERM, then closes the open files under their final names. Logs each closed file and, every
 * `--stats-interval-ms`, the counters per symbol (lines, files, gaps, feed restarts). `--pg` also
 * inserts the trades into PostgreSQL (DATABASE_URL; native/recorder/pg-sink.ts).
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import { createLogger } from '../app/logger.ts';
import { dataDir } from '../app/paths.ts';
import { createPool } from '../db/pool.ts';
import type { RecorderRecord } from '../native/recorder/file-sink.ts';
import { createLiveRecorder } from '../native/recorder/live.ts';
import { PgTradeSink } from '../native/recorder/pg-sink.ts';
import { systemClock, systemSleep } from '../native/system-clock.ts';

/** Options as commander hands them over. */
export interface RecordCommandOptions {
  readonly venue: string;
  readonly symbol: readonly string[];
  readonly data?: string;
  readonly exchangeUrl?: string;
  readonly statsIntervalMs?: string;
  /** Also insert the trades into PostgreSQL (DATABASE_URL). */
  readonly pg?: boolean;
}

const Options = z.object({
  venue: z.enum(['binance-spot', 'binance-usdm']),
  symbol: z
    .array(z.string().regex(/^[A-Z0-9]+$/, 'an exchange symbol in capitals, e.g. BTCUSDT'))
    .min(1)
    .refine((s) => new Set(s).size === s.length, 'symbols must not repeat'),
  data: z.string().min(1).optional(),
  exchangeUrl: z.string().min(1).optional(),
  statsIntervalMs: z.coerce.number().int().min(1000).default(60_000),
  pg: z.boolean().default(false),
});

/** How often buffered trades are inserted with `--pg`, ms. */
const PG_FLUSH_MS = 1000;

/** @returns the exit code once stopped by a signal (0), or 2 with a message for bad options. */
export async function runRecordCommand(
  opts: RecordCommandOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const parsed = Options.safeParse(opts);
  if (!parsed.success) {
    process.stderr.write(`mmflow record: ${z.prettifyError(parsed.error)}\n`);
    return 2;
  }
  const o = parsed.data;
  const log = createLogger('mmflow-record');
  const dir = o.data === undefined ? dataDir(env) : resolve(o.data);
  const databaseUrl = env['DATABASE_URL'];
  if (o.pg && databaseUrl === undefined) {
    process.stderr.write('mmflow record: --pg needs DATABASE_URL\n');
    return 2;
  }
  const pool = o.pg && databaseUrl !== undefined ? createPool(databaseUrl) : undefined;
  const pg = pool === undefined ? undefined : new PgTradeSink({ db: pool, venue: o.venue, log });
  let recorder;
  try {
    recorder = createLiveRecorder({
      dataDir: dir,
      venue: o.venue,
      symbols: o.symbol,
      exchangeUrl: o.exchangeUrl,
      clock: systemClock,
      sleep: systemSleep,
      log,
      resnapshotMs: 0, // every hourly file opens with the kept book; a mid-file snapshot would read as a resync
      ...(pg === undefined ? {} : { onRecord: (_symbol: string, r: RecorderRecord) => pg.accept(r) }),
    });
  } catch (err) {
    await pool?.end(); // unknown symbol or bad URL: nothing started
    throw err;
  }
  const pgFlush = pg === undefined ? undefined : setInterval(() => void pg.flush(), PG_FLUSH_MS);
  recorder.start();
  log.info(
    { venue: o.venue, symbols: o.symbol, dataDir: dir, exchangeUrl: o.exchangeUrl ?? null },
    'recording',
  );
  const stats = setInterval(
    () => log.info({ counters: recorder.counters(), pg: pg?.counters ?? null }, 'recorder counters'),
    o.statsIntervalMs,
  );
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  clearInterval(stats);
  log.info({}, 'recorder stopping');
  await recorder.stop();
  if (pgFlush !== undefined) clearInterval(pgFlush);
  await pg?.flush();
  await pool?.end();
  log.info({ counters: recorder.counters(), pg: pg?.counters ?? null }, 'recorder stopped');
  return 0;
}
