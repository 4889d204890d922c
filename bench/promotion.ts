/**
 * Promotion benchmark (issue 14, docs/adr/0016-promotion-lifecycle.md): what a model change costs an
 * engine following a slot (`mmflow quote --slot ID`, native/slot/*), on the exchange simulator looping
 * the recorded spot BTCUSDT session, PostgreSQL as in ./promotion-engine.ts, all in this process.
 *
 *  - hotSwapPauseMs {p50, p99, n}: the time with no quotes during a hot swap, as the engine measures
 *    it (native/slot/slot-runner.ts): wall time from the pull (the apply at the safe point) to the
 *    quoter's first decision after the swap, read from the `pauseUs` field of the engine's
 *    "slot swap pause ended" log record (the same figure as the histogram
 *    `mmflow_engine_slot_swap_pause_us`, without its bucket rounding). A paper engine; SWAPS swaps
 *    alternating two versions of one model (100 and 300 lots a quote), each announced by
 *    `setDesired` (NOTIFY), the next one once the engine has working orders again; the first
 *    WARMUP_SWAPS are dropped (JIT).
 *  - rollbackToLastCancelMs {p50, p99, max, n}: a live engine (real orders on its own simulator
 *    account) following the `challenger` at capital fraction CANARY_FRACTION. Timed from just before the
 *    rollback's first act, `setDesired` of the challenger slot at capital fraction 0 (what
 *    workflows/promotion's rollback does first), to the moment the venue cancels the account's last
 *    open order: the simulator's account is read in-process, its order listener stamping wall time
 *    at every order event that leaves no open order (the last such moment before the account stays
 *    empty for SETTLE_MS counts). Between rollbacks the slot is re-activated and the engine left to
 *    place orders again.
 *
 * Aims (issue 14): pause p99 ≤ 50 ms; every rollback ≤ 1,000 ms (`met.rollback` uses the max).
 *
 * Run: `npm run bench:promotion`. Progress on stderr; last stdout line:
 *   {"hotSwapPauseMs":{"p50":…,"p99":…,"n":…},"rollbackToLastCancelMs":{"p50":…,"p99":…,"max":…,"n":…},
 *    "aims":{"pauseP99Ms":50,"rollbackMs":1000},"met":{"pause":…,"rollback":…},"hostCpus":…,…}
 * Data: env MMFLOW_DATA_DIR, default `<repo>/../shared/data`.
 */
import { availableParallelism, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dataDir as recordedDataDir } from '../app/paths.ts';
import { DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT } from '../core/quoting/model-params.ts';
import { createSlot, getSlot, setDesired, type DesiredState } from '../db/repositories/deployments.ts';
import { registerModelVersion, setStatus } from '../db/repositories/models.ts';
import {
  percentile,
  recordingLog,
  startBenchDatabase,
  startSlotRun,
  until,
  type BenchDatabase,
  type LogRecord,
} from './promotion-engine.ts';

const SESSION = 'binance-spot_BTCUSDT_20240808T2354Z-20240809T0005Z';
const SYMBOL = 'BTCUSDT';
/** × recorded pace: a few hundred market events per second reach the engine. */
const SPEED = 10;
const WARMUP_SWAPS = 4;
const SWAPS = 60;
const ROLLBACKS = 24;
/** Capital fraction of the challenger between rollbacks (300 lots · 0.25 = 75 lots a quote). */
const CANARY_FRACTION = 0.25;
/** The account must stay without open orders this long for a rollback to count as done, ms. */
const SETTLE_MS = 300;
const STEP_DEADLINE_MS = 15_000;

/** Quantiles of a series, ms (3 decimals). */
interface Quantiles {
  readonly p50: number | null;
  readonly p99: number | null;
  readonly n: number;
}

/** Figures of the last output line. */
export interface PromotionBenchResult {
  readonly hotSwapPauseMs: Quantiles;
  readonly rollbackToLastCancelMs: Quantiles & { readonly max: number | null };
  /** Decision → the engine's "slot state applied" record of the rollback, ms (where the time goes). */
  readonly rollbackDecisionToApplyMs: Quantiles;
  readonly aims: { readonly pauseP99Ms: 50; readonly rollbackMs: 1000 };
  readonly met: { readonly pause: boolean; readonly rollback: boolean };
  readonly hostCpus: number;
  /** Load average (1 min) before and after the run. */
  readonly loadAvg1m: readonly [number, number];
}

type Progress = (line: string) => void;

/** Runs both measurements (module doc). @throws Error if the session is missing or a step times out. */
export async function runPromotionBench(progress: Progress): Promise<PromotionBenchResult> {
  const load0 = loadavg()[0] ?? 0;
  const bdb = await startBenchDatabase(progress);
  try {
    const modelName = `bench-promotion-${process.pid}-${Date.now()}`;
    const base = { ...DEFAULT_AS_V1_ALPHA_BTCUSDT_SPOT, quoteSizeLots: 100, maxInventoryLots: 500 };
    const register = async (quoteSizeLots: number, maxInventoryLots: number) =>
      (
        await registerModelVersion(bdb.db, {
          name: modelName,
          kind: 'avellaneda-stoikov',
          params: { ...base, quoteSizeLots, maxInventoryLots },
        })
      ).id;
    const v1 = await register(100, 500);
    const v2 = await register(300, 1500);
    await setStatus(bdb.db, v1, 'champion', { by: 'bench', reason: 'promotion bench' });
    await setStatus(bdb.db, v2, 'challenger', { by: 'bench', reason: 'promotion bench' });
    const pausesUs = await swapPauses(bdb, modelName, [v1, v2], progress);
    const rollback = await rollbacks(bdb, modelName, progress);
    const pause = quantiles(pausesUs.map((us) => us / 1000));
    const toCancel = quantiles(rollback.toLastCancelMs);
    const max = rollback.toLastCancelMs.length === 0 ? null : round3(Math.max(...rollback.toLastCancelMs));
    return {
      hotSwapPauseMs: pause,
      rollbackToLastCancelMs: { ...toCancel, max },
      rollbackDecisionToApplyMs: quantiles(rollback.toApplyMs),
      aims: { pauseP99Ms: 50, rollbackMs: 1000 },
      met: {
        pause: pause.p99 !== null && pause.p99 <= 50,
        rollback: max !== null && max <= 1000,
      },
      hostCpus: availableParallelism(),
      loadAvg1m: [round3(load0), round3(loadavg()[0] ?? 0)],
    };
  } finally {
    await bdb.stop();
  }
}

/** Paper engine, WARMUP_SWAPS + SWAPS swaps v1 ↔ v2; returns the measured pauses, µs. */
async function swapPauses(
  bdb: BenchDatabase,
  modelName: string,
  [v1, v2]: readonly [string, string],
  progress: Progress,
): Promise<number[]> {
  const slotId = `bench-paper-${process.pid}`;
  await createSlot(
    bdb.db,
    { id: slotId, venue: 'binance-spot', account: 'paper', symbol: SYMBOL, mode: 'paper', modelName },
    { model: v1, capitalFraction: 1, riskState: 'active' },
    'bench',
    'promotion bench: hot swaps',
  );
  const pauseByRevision = new Map<number, number>();
  const { log, problems } = recordingLog((r: LogRecord) => {
    if (r.msg !== 'slot swap pause ended') return;
    const { revision, pauseUs } = r.fields;
    if (typeof revision === 'number' && typeof pauseUs === 'number') pauseByRevision.set(revision, pauseUs);
  });
  const run = await startSlotRun({
    db: bdb.db,
    databaseUrl: bdb.url,
    dataDir: recordedDataDir(),
    session: SESSION,
    slotId,
    speed: SPEED,
    account: { apiKey: 'bench-paper', secret: 'bench-paper-secret', balances: { BTC: 1, USDT: 100_000 } },
    live: false,
    log,
  });
  const working = async (): Promise<boolean> => {
    const body = (await (await fetch(`${run.httpUrl}/healthz`)).json()) as { workingOrders?: unknown };
    return typeof body.workingOrders === 'number' && body.workingOrders > 0;
  };
  const measured: number[] = [];
  try {
    progress(`hot swaps: paper engine ${run.runId} on ${SESSION} at ${SPEED}× (looped)`);
    await until('the first working orders', STEP_DEADLINE_MS, working, 5);
    for (let i = 0; i < WARMUP_SWAPS + SWAPS; i++) {
      const version = i % 2 === 0 ? v2 : v1;
      const desired: DesiredState = { model: version, capitalFraction: 1, riskState: 'active' };
      const { slot } = await setDesired(bdb.db, slotId, desired, { by: 'bench', reason: `swap ${i}` });
      const revision = slot.desired.revision;
      await until(`the swap pause of revision ${revision}`, STEP_DEADLINE_MS, () =>
        pauseByRevision.has(revision),
      );
      const us = pauseByRevision.get(revision) ?? NaN;
      if (i >= WARMUP_SWAPS) measured.push(us);
      if ((i + 1) % 16 === 0)
        progress(`  swap ${i + 1}/${WARMUP_SWAPS + SWAPS}: last pause ${round3(us / 1000)} ms`);
      await until(`working orders after revision ${revision}`, STEP_DEADLINE_MS, working, 5);
    }
  } catch (err) {
    progress(`engine warnings/errors: ${problems.slice(-5).join(' | ')}`);
    throw err;
  } finally {
    await run.stop();
  }
  logProblems('paper engine', problems, progress);
  const ms = measured.map((us) => us / 1000);
  progress(
    `hot-swap pause (pull → first decision, after ${WARMUP_SWAPS} warm-up): p50 ${round3(percentile(ms, 0.5))} ms, ` +
      `p90 ${round3(percentile(ms, 0.9))} ms, p99 ${round3(percentile(ms, 0.99))} ms, max ${round3(Math.max(...ms))} ms, n ${ms.length}`,
  );
  return measured;
}

/** Live engine following the challenger; ROLLBACKS rollbacks to capital 0 and re-activations. */
async function rollbacks(
  bdb: BenchDatabase,
  modelName: string,
  progress: Progress,
): Promise<{ toLastCancelMs: number[]; toApplyMs: number[] }> {
  const slotId = `bench-live-${process.pid}`;
  const active: DesiredState = { model: 'challenger', capitalFraction: CANARY_FRACTION, riskState: 'active' };
  const rolledBack: DesiredState = { ...active, capitalFraction: 0 };
  await createSlot(
    bdb.db,
    { id: slotId, venue: 'binance-spot', account: 'bench-live', symbol: SYMBOL, mode: 'live', modelName },
    active,
    'bench',
    'promotion bench: rollbacks',
  );
  const appliedAt = new Map<number, number>();
  const { log, problems } = recordingLog((r: LogRecord) => {
    if (r.msg === 'slot state applied' && typeof r.fields.revision === 'number')
      appliedAt.set(r.fields.revision, performance.now());
  });
  const account = { apiKey: 'bench-live', secret: 'bench-live-secret', balances: { BTC: 1, USDT: 100_000 } };
  const run = await startSlotRun({
    db: bdb.db,
    databaseUrl: bdb.url,
    dataDir: recordedDataDir(),
    session: SESSION,
    slotId,
    speed: SPEED,
    account,
    live: true,
    log,
  });
  const acct = run.sim.accounts.get(account.apiKey);
  if (acct === undefined) throw new Error(`the simulator has no account ${account.apiKey}`);
  const open = (): number => acct.openOrders(SYMBOL).length;
  // Wall time of the last order event that left the account without open orders (a cancel, or a fill
  // of its last order).
  let lastEmptyAt = Number.NEGATIVE_INFINITY;
  // Wall time of the first cancel after the decision (where the rollback's time goes).
  let firstCancelAt: number | undefined;
  let decisionAt = Number.POSITIVE_INFINITY;
  const unlisten = acct.addListener({
    onOrder: (ev) => {
      const now = performance.now();
      if (ev.execType === 'CANCELED' && now >= decisionAt) firstCancelAt ??= now;
      if (open() === 0) lastEmptyAt = now;
    },
    onBalances: () => undefined,
  });
  const toLastCancelMs: number[] = [];
  const toApplyMs: number[] = [];
  const toFirstCancelMs: number[] = [];
  try {
    progress(
      `rollbacks: live engine ${run.runId} (account ${account.apiKey}) at ${SPEED}×, challenger at ${CANARY_FRACTION}`,
    );
    for (let i = 0; i < ROLLBACKS; i++) {
      await until(`open orders before rollback ${i + 1}`, STEP_DEADLINE_MS, () => open() > 0);
      const t0 = performance.now();
      decisionAt = t0;
      firstCancelAt = undefined;
      const { slot } = await setDesired(bdb.db, slotId, rolledBack, {
        by: 'bench',
        reason: `rollback ${i + 1}`,
      });
      const revision = slot.desired.revision;
      await until(`rollback revision ${revision} applied`, STEP_DEADLINE_MS, () => appliedAt.has(revision));
      await until(
        `no open orders for ${SETTLE_MS} ms after rollback ${i + 1}`,
        STEP_DEADLINE_MS,
        () => open() === 0 && performance.now() - lastEmptyAt >= SETTLE_MS,
      );
      toLastCancelMs.push(lastEmptyAt - t0);
      toApplyMs.push((appliedAt.get(revision) ?? NaN) - t0);
      toFirstCancelMs.push((firstCancelAt ?? NaN) - t0);
      decisionAt = Number.POSITIVE_INFINITY;
      if ((i + 1) % 6 === 0)
        progress(
          `  rollback ${i + 1}/${ROLLBACKS}: last order cancelled ${round3(lastEmptyAt - t0)} ms after the decision`,
        );
      const again = await setDesired(bdb.db, slotId, active, { by: 'bench', reason: `re-activate ${i + 1}` });
      const r = again.slot.desired.revision;
      await until(
        `revision ${r} acknowledged`,
        STEP_DEADLINE_MS,
        async () => ((await getSlot(bdb.db, slotId))?.applied?.revision ?? 0) >= r,
        10,
      );
    }
  } catch (err) {
    progress(`engine warnings/errors: ${problems.slice(-5).join(' | ')}`);
    throw err;
  } finally {
    unlisten();
    await run.stop();
  }
  progress(
    `rollback decision → last order cancelled on the venue: p50 ${round3(percentile(toLastCancelMs, 0.5))} ms, ` +
      `p99 ${round3(percentile(toLastCancelMs, 0.99))} ms, max ${round3(Math.max(...toLastCancelMs))} ms, n ${toLastCancelMs.length} ` +
      `(decision → applied by the engine: p50 ${round3(percentile(toApplyMs, 0.5))} ms; → first cancel on the venue: ` +
      `p50 ${round3(percentile(toFirstCancelMs, 0.5))} ms)`,
  );
  logProblems('live engine', problems, progress);
  return { toLastCancelMs, toApplyMs };
}

/** Says how many warnings and errors an engine logged (the last three), if any. */
function logProblems(what: string, problems: readonly string[], progress: Progress): void {
  if (problems.length > 0)
    progress(
      `${what}: ${problems.length} warning/error records (last 50 kept); last: ${problems.slice(-3).join(' | ')}`,
    );
}

function quantiles(xs: readonly number[]): Quantiles {
  if (xs.length === 0) return { p50: null, p99: null, n: 0 };
  return { p50: round3(percentile(xs, 0.5)), p99: round3(percentile(xs, 0.99)), n: xs.length };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  const result = await runPromotionBench((line) => process.stderr.write(`${line}\n`));
  process.stderr.write(
    `promotion bench: ${Math.round((performance.now() - started) / 1000)} s of wall time\n`,
  );
  console.log(JSON.stringify(result));
}
