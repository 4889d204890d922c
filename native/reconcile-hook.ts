/**
 * The engine process's two reconciliation hooks (native/engine-process.ts; docs/adr/0015-reconciliation.md):
 * the start reconciliation before the first event, and the periodic reconciler. Per mode:
 *
 * | mode   | start                                               | periodic |
 * |--------|-----------------------------------------------------|----------|
 * | replay | nothing (recorded data, simulated venue)            | none     |
 * | paper  | nothing: simulated fills, no account (logged so)    | none     |
 * | live   | cancel ours, refuse foreign, adopt the inventory    | every `reconcileIntervalMs` |
 */
import { InvariantViolation } from '../core/errors.ts';
import type { Instrument } from '../core/instrument.ts';
import type { Log } from '../infra/log.ts';
import { engineOrderTag } from './client-order-ids.ts';
import type { EngineConfig } from './config.ts';
import type { Sleeper } from './feeds/recorded-feed.ts';
import { reconcileAtStart, Reconciler } from './reconcile.ts';
import { backfillPreviousRuns, RESTART_LOOKBACK_MS } from './reconcile-backfill.ts';
import { previousLiveRunStartMs } from '../db/repositories/fill-backfill.ts';
import type { Queryable } from '../db/queryable.ts';
import { errorFields } from '../infra/log.ts';
import type { Runtime } from './wiring.ts';

/** What the hooks need besides the config and the runtime. */
export interface ReconcileHookDeps {
  readonly instrument: Instrument;
  readonly log: Log;
  readonly sleep: Sleeper;
  /** Live: where the restart back-fill writes the previous runs' missing fills
   * (./reconcile-backfill.ts); none if undefined. */
  readonly restartBackfill?: { readonly db: Queryable; readonly runId: string; readonly nowMs: number };
}

/**
 * Before the first event: live mode reconciles (cancels our orphans, refuses foreign orders unless
 * told, sets the engine's inventory to the account's); paper and replay have nothing to reconcile.
 * @throws whatever `reconcileAtStart` throws (the engine must not start).
 */
export async function reconcileBeforeQuoting(
  config: EngineConfig,
  runtime: Runtime,
  deps: ReconcileHookDeps,
): Promise<void> {
  if (config.mode === 'replay') return;
  if (config.mode === 'paper') {
    deps.log.info(
      { mode: config.mode, engineId: config.engineId },
      'paper mode: simulated fills and no account; nothing to reconcile',
    );
    return;
  }
  const account = liveAccountOf(runtime);
  const r = await reconcileAtStart({
    client: account.client,
    instrument: deps.instrument,
    tag: engineOrderTag(config.engineId),
    inventoryBaselineBase: config.inventoryBaselineBase,
    ignoreForeignOrders: config.ignoreForeignOrders,
    log: deps.log,
    sleep: deps.sleep,
  });
  const adoptedLots = runtime.driver.engine.adoptInventory(r.inventoryLots);
  deps.log.info(
    { engineId: config.engineId, inventoryLots: r.inventoryLots, adoptedLots },
    'start inventory taken from the account',
  );
  await restartBackfill(config, account.client, deps);
}

/**
 * After the start reconciliation (its cancels are done, so the orphans' fills are final): the fills of
 * previous runs PostgreSQL never got. Bookkeeping only (the inventory is already the account's), so a
 * failure is logged and the start goes on.
 */
async function restartBackfill(
  config: EngineConfig,
  client: NonNullable<Runtime['liveAccount']>['client'],
  deps: ReconcileHookDeps,
): Promise<void> {
  const rb = deps.restartBackfill;
  if (rb === undefined) return;
  const { venue, symbol } = deps.instrument;
  try {
    const previousMs = await previousLiveRunStartMs(rb.db, venue, symbol, rb.runId);
    const floorMs = rb.nowMs - RESTART_LOOKBACK_MS;
    await backfillPreviousRuns({
      db: rb.db,
      client,
      instrument: deps.instrument,
      tag: engineOrderTag(config.engineId),
      currentRunId: rb.runId,
      sinceMs: previousMs === undefined ? floorMs : Math.max(floorMs, previousMs),
      log: deps.log,
    });
  } catch (err) {
    deps.log.error({ err: errorFields(err), engineId: config.engineId }, 'restart back-fill failed');
  }
}

/**
 * The periodic reconciler of a live run (undefined in replay and paper).
 * @param onChecked called after each check fed the risk gate (drain its transitions).
 */
export function periodicReconciler(
  config: EngineConfig,
  runtime: Runtime,
  deps: ReconcileHookDeps,
  onChecked: () => void,
): Reconciler | undefined {
  if (config.mode !== 'live') return undefined;
  const account = liveAccountOf(runtime);
  return new Reconciler({
    client: account.client,
    instrument: deps.instrument,
    tag: engineOrderTag(config.engineId),
    inventoryBaselineBase: config.inventoryBaselineBase,
    log: deps.log,
    sleep: deps.sleep,
    engine: runtime.driver.engine,
    recheck: (id) => account.recheck(id),
    nowUs: () => runtime.driver.nowUs(),
    onChecked,
    ...(account.backfill === undefined ? {} : { backfill: account.backfill }),
  });
}

function liveAccountOf(runtime: Runtime): NonNullable<Runtime['liveAccount']> {
  const account = runtime.liveAccount;
  if (account === undefined)
    throw new InvariantViolation('NO_LIVE_ACCOUNT', 'live runtime without an account to reconcile', {});
  return account;
}
