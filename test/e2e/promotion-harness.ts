/**
 * Set-up of the promotion end-to-end tests (./promotion-ladder.test.ts): an exchange simulator in this
 * process looping a recorded session, and engines as their own processes following slots
 * (`node bin/mmflow.mjs quote --slot ID --exchange-url URL`, native/slot/*) exactly as an operator
 * starts them; their stdout and stderr are kept for failure messages, and `stop()` ends each with
 * SIGTERM, then SIGKILL after a grace period. Polling helpers (no sleeps: a condition and a deadline).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { Pool } from 'pg';
import { repoRoot } from '../../app/paths.ts';
import type { AccountSpec } from '../../exchange-sim/accounts-config.ts';
import { startExchangeSimulator, type ExchangeSim } from '../../exchange-sim/simulator.ts';
import { DATA } from '../exchange-sim/helpers.ts';

/** An engine process following a slot. */
export interface SlotEngine {
  readonly slotId: string;
  readonly child: ChildProcess;
  /** The engine run id (`runs.id`) and its /healthz base URL, once started. */
  readonly runId: string;
  readonly httpUrl: string;
  /** The last 20,000 characters of stdout and stderr (pino JSON lines), for failure messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs` (default 15 s); resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** What {@link spawnSlotEngine} needs. */
export interface SlotEngineOptions {
  readonly slotId: string;
  readonly exchangeUrl: string;
  readonly databaseUrl: string;
  /** Extra environment (credentials of a live slot, MMFLOW_ENGINE_ID…). */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra CLI arguments (e.g. `--inventory-baseline-base 1`). */
  readonly args?: readonly string[];
  /** Every process spawned is pushed here, so a teardown can stop it even if the start fails. */
  readonly registry: ChildProcess[];
}

const KEEP_CHARS = 20_000;

/** Resolves once `child` has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((done) => child.once('exit', () => done()));
}

/**
 * Ends a process: SIGTERM, then SIGKILL if it has not exited after `graceMs`.
 * @returns once it has exited.
 */
export async function stopProcess(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = exited(child);
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), graceMs)));
  if ((await Promise.race([gone, late])) === 'late') child.kill('SIGKILL');
  clearTimeout(timer);
  await gone;
}

/**
 * Starts `mmflow quote --slot ID --exchange-url URL` (HTTP port chosen by the OS, flush every 100 ms).
 * Resolves with the run id and URL from the engine's "engine run started" log record.
 * @throws Error with the process output when it exits before starting or does not start within 60 s.
 */
export async function spawnSlotEngine(o: SlotEngineOptions): Promise<SlotEngine> {
  const args = [
    resolve(repoRoot, 'bin/mmflow.mjs'),
    'quote',
    ...['--slot', o.slotId, '--exchange-url', o.exchangeUrl, '--port', '0', '--flush-interval-ms', '100'],
    ...(o.args ?? []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: o.databaseUrl,
      MMFLOW_LOG_LEVEL: 'info',
      // A loaded 2-core machine can starve the feed for seconds; the watchdog is not under test here.
      MMFLOW_STALE_FEED_MS: '60000',
      ...o.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  o.registry.push(child);
  let out = '';
  const keep = (chunk: string): void => {
    out = (out + chunk).slice(-KEEP_CHARS);
  };
  child.stdout?.setEncoding('utf8').on('data', keep);
  const started = new Promise<{ runId: string; port: number }>((done, fail) => {
    let buffered = '';
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      keep(chunk);
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const entry = parseJsonLine(line);
        if (entry?.['msg'] === 'engine run started')
          done({ runId: String(entry['runId']), port: Number(entry['port']) });
      }
    });
    child.once('exit', (code, signal) =>
      fail(new Error(`engine of ${o.slotId} exited (${String(code ?? signal)}) before starting:\n${out}`)),
    );
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(
      () => fail(new Error(`engine of ${o.slotId} did not start within 60 s:\n${out}`)),
      60_000,
    );
  });
  try {
    const { runId, port } = await Promise.race([started, timeout]);
    return {
      slotId: o.slotId,
      child,
      runId,
      httpUrl: `http://127.0.0.1:${port}`,
      output: () => out,
      stop: (graceMs) => stopProcess(child, graceMs),
    };
  } finally {
    clearTimeout(timer);
  }
}

function parseJsonLine(line: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(line);
    return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A simulator of `session` looped at `speed` × the recorded pace, paused until the caller starts its
 * pacer (`sim.pacer.start()`, once the engines subscribed). Binance's limits are per wall time, so
 * they scale with the pace as in test/native/sim-engine-harness.ts (spot 6,000 weight/min and 100
 * orders/10 s; USDⓈ-M 2,400 and 300).
 */
export function startLoopedSim(
  session: string,
  speed: number,
  accounts: readonly AccountSpec[],
): Promise<ExchangeSim> {
  return startExchangeSimulator({
    dataDir: DATA,
    sessions: [session],
    speed,
    loop: true,
    port: 0,
    host: '127.0.0.1',
    accounts,
    manual: true,
    limits: { weightPerMinute: 6000 * speed, ordersPer10s: 100 * speed },
    usdmLimits: { weightPerMinute: 2400 * speed, ordersPer10s: 300 * speed },
  });
}

/**
 * Polls `probe` (every 100 ms) until it returns a value other than undefined.
 * @param context appended to the timeout error (e.g. the engines' output)
 * @throws Error naming `what` (and the probe's last error) after `deadlineMs` of wall time
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  deadlineMs: number,
  context: () => string = () => '',
): Promise<T> {
  const end = Date.now() + deadlineMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > end) {
      const why = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}${why}\n${context()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One order of an engine run: its place in the run's sequence, size in lots, and status. */
export interface PlacedOrder {
  /** The run's order counter, the `-n` of the client order id (native/client-order-ids.ts). */
  readonly n: number;
  readonly lots: number;
  readonly status: string;
}

/**
 * The orders an engine run wrote (`orders` table) in the order it placed them: by the counter of the
 * client order id. (`placed_at_us` is market time, which jumps back when the simulator loops.)
 * @param lotSize the instrument's lot, base units (spot BTCUSDT 0.00001, USDⓈ-M BTCUSDT 0.001)
 */
export async function ordersOf(db: Pool, runId: string, lotSize: number): Promise<PlacedOrder[]> {
  const r = await db.query<{ client_order_id: string; size: string; status: string }>(
    `SELECT client_order_id, size::text AS size, status FROM orders WHERE run_id = $1`,
    [runId],
  );
  return r.rows
    .map((row) => ({
      n: Number(row.client_order_id.slice(row.client_order_id.lastIndexOf('-') + 1)),
      lots: Math.round(Number(row.size) / lotSize),
      status: row.status,
    }))
    .sort((a, b) => a.n - b.n);
}

/** The /healthz body fields the tests read. */
export async function healthOf(httpUrl: string): Promise<{ workingOrders: number; eventsProcessed: number }> {
  const body = (await (await fetch(`${httpUrl}/healthz`)).json()) as Record<string, unknown>;
  return { workingOrders: Number(body['workingOrders']), eventsProcessed: Number(body['eventsProcessed']) };
}
